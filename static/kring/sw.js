/* Kring's service worker, served at /sw.js (scope: the whole site).
 *
 * push: the server's payload (core/protocol/notifications.py PushPayload, decrypted by the
 *   browser) is shown as it comes — title and body are already in the teacher's language.
 *   Pushes with the same tag replace each other without alerting again, so a push the
 *   server had to send twice is seen once.
 * notificationclick: opens the notification's url (/notifications/<id>/open/ marks it read
 *   and goes to the message), in a Kring window that is already open if there is one.
 */
"use strict";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let data = null;
  try {
    data = event.data ? event.data.json() : null;
  } catch (error) {
    data = null;
  }
  if (!data || !data.title) return;
  const shown = self.registration.showNotification(data.title, {
    body: data.body || "",
    tag: data.tag,
    renotify: false,
    lang: data.lang || "",
    timestamp: Date.parse(data.created_at) || Date.now(),
    data: { url: data.url || "/notifications/", id: data.id },
  });
  const badge = typeof data.unread === "number" && self.navigator.setAppBadge
    ? self.navigator.setAppBadge(data.unread).catch(() => {})
    : Promise.resolve();
  event.waitUntil(Promise.all([shown, badge]));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const wanted = (event.notification.data && event.notification.data.url) || "/notifications/";
  const url = new URL(wanted, self.location.origin);
  if (url.origin !== self.location.origin) return; // only this site's own pages
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const client of windows) {
      if (new URL(client.url).origin !== self.location.origin || !("navigate" in client)) continue;
      try {
        const shown = await client.navigate(url.href);
        if (shown) await shown.focus().catch(() => {});
        return;
      } catch (error) {
        // not controlled by this worker yet: open a window instead
      }
    }
    await self.clients.openWindow(url.href);
  })());
});
