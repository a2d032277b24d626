/* Web Push on the notification settings page (#push): turn notifications on or off for this
 * device. The browser is asked for permission only when the teacher presses "Turn on" —
 * never on page load. Every text comes from the page's data-text-* attributes.
 *
 * On:  permission -> register /sw.js (scope "/") -> pushManager.subscribe with the server's
 *      VAPID key -> POST /api/me/push-subscriptions -> reload (the device list shows it).
 * Off: DELETE /api/me/push-subscriptions/{id} -> unsubscribe in the browser -> reload.
 * On load, a device already subscribed is recognised by the SHA-256 of its endpoint
 * (li[data-fingerprint]); nothing is asked and nothing is written.
 */
(function () {
  "use strict";
  const section = document.getElementById("push");
  if (!section) return;
  const status = document.getElementById("push-status");
  const onButton = document.getElementById("push-on");
  const offButton = document.getElementById("push-off");
  const text = (name) => section.dataset["text" + name] || "";
  const API = "/api/me/push-subscriptions";

  function say(message) {
    status.textContent = message;
    status.hidden = !message;
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function keyBytes(base64url) {
    const padded = base64url + "=".repeat((4 - (base64url.length % 4)) % 4);
    const raw = atob(padded.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  function sameKey(subscription, key) {
    const current = subscription.options && subscription.options.applicationServerKey;
    if (!current) return true; // the browser does not say: keep it
    const a = new Uint8Array(current);
    if (a.length !== key.length) return false;
    return a.every((byte, i) => byte === key[i]);
  }

  async function fingerprint(endpoint) {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(endpoint));
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function currentSubscription() {
    const registration = await navigator.serviceWorker.getRegistration("/");
    if (!registration) return null;
    return registration.pushManager.getSubscription();
  }

  function deviceItem(hash) {
    for (const item of section.querySelectorAll("li[data-fingerprint]")) {
      if (item.dataset.fingerprint === hash) return item;
    }
    return null;
  }

  function show(state) {
    onButton.hidden = state !== "off";
    offButton.hidden = state !== "on";
    onButton.disabled = offButton.disabled = false;
    if (state === "on") say(text("On"));
    else if (state === "off") say(text("Off"));
    else if (state === "denied") say(text("Denied"));
    else if (state === "unsupported") say(text("Unsupported"));
  }

  let thisDevice = null; // the list item of this browser, when the server knows it

  async function refresh() {
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      show("unsupported");
      return;
    }
    const subscription = await currentSubscription();
    thisDevice = subscription ? deviceItem(await fingerprint(subscription.endpoint)) : null;
    if (thisDevice) {
      thisDevice.querySelector("[data-this-device]").hidden = false;
      show("on");
    } else {
      show(Notification.permission === "denied" ? "denied" : "off");
      // Blocked: the button stays, the browser's answer is explained when it is pressed.
      onButton.hidden = false;
    }
  }

  async function turnOn() {
    onButton.disabled = true;
    say(text("Working"));
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") {
        show("denied");
        onButton.hidden = false;
        return;
      }
      const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
      await navigator.serviceWorker.ready;
      const key = keyBytes(section.dataset.pushKey);
      let subscription = await registration.pushManager.getSubscription();
      if (subscription && !sameKey(subscription, key)) {
        await subscription.unsubscribe(); // made with an older server key: it would fail
        subscription = null;
      }
      if (!subscription) {
        subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
      }
      const response = await fetch(API, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(subscription.toJSON ? subscription.toJSON() : subscription),
      });
      if (!response.ok) {
        const problem = await response.json().catch(() => ({}));
        say(problem.detail || text("Failed"));
        onButton.disabled = false;
        return;
      }
      location.hash = "push";
      location.reload();
    } catch (error) {
      say(text("Failed"));
      onButton.disabled = false;
    }
  }

  async function turnOff() {
    offButton.disabled = true;
    say(text("Working"));
    try {
      if (thisDevice) {
        const response = await fetch(API + "/" + thisDevice.dataset.device, {
          method: "DELETE",
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken() },
        });
        if (!response.ok && response.status !== 404) throw new Error("not removed");
      }
      const subscription = await currentSubscription();
      if (subscription) await subscription.unsubscribe();
      location.hash = "push";
      location.reload();
    } catch (error) {
      say(text("Failed"));
      offButton.disabled = false;
    }
  }

  onButton.addEventListener("click", turnOn);
  offButton.addEventListener("click", turnOff);
  refresh().catch(() => show("off"));
})();
