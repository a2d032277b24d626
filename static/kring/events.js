/* Event pages, without inline script (CSP) and with every text from the page:
 * - times ([data-event-time] in a [data-viewer-zone] container) shown with Intl in the zone
 *   the teacher chose, else the browser's own; the browser's zone is remembered in the
 *   `kring_tz` cookie so the server's month grid and texts use it next time;
 * - RSVP buttons answer through the API without a reload; the counts follow everyone's answers
 *   live (`rsvp` frames on the event room's socket, which room.js subscribed);
 * - a calendar page refreshes its list when an event is scheduled, changed or cancelled
 *   (`calendar` frames), and says so to screen readers;
 * - the room's composer appears when the room opens to attendees (a reload at that moment);
 * - the scheduling form shows the proposed time in each member country's zone.
 */
(function () {
  "use strict";
  const lang = document.documentElement.lang || undefined;
  const browserZone = (Intl.DateTimeFormat().resolvedOptions() || {}).timeZone || "";

  if (browserZone && !document.cookie.split("; ").includes("kring_tz=" + encodeURIComponent(browserZone))) {
    document.cookie = "kring_tz=" + encodeURIComponent(browserZone) + "; path=/; max-age=31536000; samesite=lax";
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, name) => (name in values ? values[name] : ""));
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // --- times in the reader's zone -------------------------------------------------------------
  const styles = {
    // 24-hour clocks, as in every country Kring serves (also when the interface is English).
    datetime: { weekday: "long", day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" },
    time: { hour: "2-digit", minute: "2-digit", hourCycle: "h23" },
    date: { weekday: "long", day: "numeric", month: "long" },
  };
  function formatEventTimes(scope) {
    for (const node of scope.querySelectorAll("time[data-event-time]")) {
      const holder = node.closest("[data-viewer-zone]");
      const zone = (holder && holder.dataset.viewerZone) || undefined;
      const date = new Date(node.getAttribute("datetime"));
      if (Number.isNaN(date.getTime())) continue;
      try {
        node.textContent = new Intl.DateTimeFormat(lang, Object.assign({ timeZone: zone }, styles[node.dataset.eventTime] || styles.datetime)).format(date);
      } catch (error) {
        // an unknown zone: keep the server's text
      }
    }
    // Where the server did not know the reader's zone, say it is the browser's.
    for (const note of scope.querySelectorAll("[data-browser-text]")) {
      const holder = note.closest("[data-viewer-zone]") || note;
      if (!holder.dataset.viewerZone && browserZone) note.textContent = note.dataset.browserText + " (" + browserZone + ")";
    }
  }
  formatEventTimes(document);

  // --- a community's calendar: live -------------------------------------------------------------
  const calendar = document.getElementById("calendar");
  const news = document.getElementById("calendar-news");
  async function refreshCalendar(frame) {
    try {
      const response = await fetch(location.href, { credentials: "same-origin" });
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("calendar");
      if (!fresh) return;
      calendar.replaceChildren(...fresh.childNodes);
      formatEventTimes(calendar);
      if (news && frame) news.textContent = fill(news.dataset.text, { title: frame.event.title });
    } catch (error) {
      // offline: the next frame or a reload shows it
    }
  }

  // --- one event: RSVP, live counts, the room opening ------------------------------------------
  const eventPage = document.getElementById("event");
  const rsvpBox = document.getElementById("rsvp");

  function showCounts(data) {
    if (!rsvpBox) return;
    for (const name of ["going", "maybe", "waiting", "capacity"]) {
      const node = rsvpBox.querySelector('[data-count="' + name + '"]');
      if (node && data[name] !== undefined && data[name] !== null) node.textContent = data[name];
    }
    const waiting = rsvpBox.querySelector(".waiting");
    if (waiting) waiting.hidden = !data.waiting;
  }

  function showMine(mine) {
    if (!rsvpBox) return;
    const status = mine ? mine.status : null;
    for (const button of rsvpBox.querySelectorAll("button[data-status]")) {
      const pressed = button.dataset.status === status;
      button.setAttribute("aria-pressed", String(pressed));
      button.classList.toggle("secondary", !pressed);
    }
    const text = !mine ? "" : mine.waitlisted ? fill(rsvpBox.dataset.youWaiting, { place: mine.position || "" })
      : rsvpBox.dataset["you" + status.charAt(0).toUpperCase() + status.slice(1)];
    document.getElementById("my-rsvp").textContent = text || "";
  }

  async function rereadMine() {
    const response = await fetch(eventPage.dataset.api + "?occurrence=" + encodeURIComponent(eventPage.dataset.occurrence), { credentials: "same-origin" });
    if (!response.ok) return;
    const detail = await response.json();
    showCounts(detail);
    showMine(detail.my_rsvp);
  }

  if (rsvpBox) {
    rsvpBox.addEventListener("submit", async (e) => {
      const form = e.target.closest(".rsvp-form");
      if (!form || !e.submitter) return;
      e.preventDefault();
      const status = e.submitter.value;
      const response = await fetch(eventPage.dataset.api + "/rsvp", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ status: status, occurrence: eventPage.dataset.occurrence }),
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        document.getElementById("my-rsvp").textContent = fill(rsvpBox.dataset.failed, { reason: data.detail || response.status });
        return;
      }
      showCounts(data);
      showMine(data);
    });
  }

  if (eventPage && eventPage.dataset.canPost === "0") {
    // The composer appears once the room opens to attendees.
    const opens = new Date(eventPage.dataset.opensAt).getTime() - Date.now();
    if (opens > 0 && opens < 24 * 3600 * 1000) setTimeout(() => { if (!document.hidden) location.reload(); }, opens + 1000);
  }

  if (window.kring) {
    window.kring.on("frame", (frame) => {
      if (frame.type === "rsvp" && eventPage && String(frame.event) === eventPage.dataset.event
          && frame.occurrence === eventPage.dataset.occurrence) {
        showCounts(frame);
        if (frame.users.map(String).includes(eventPage.dataset.me)) rereadMine();
      } else if (frame.type === "calendar" && calendar && !eventPage) {
        refreshCalendar(frame);
      }
    });
    // Back from a lost connection: what changed meanwhile.
    window.kring.on("status", (status) => {
      if (status !== "connected") return;
      if (eventPage && rsvpBox) rereadMine();
    });
  }

  // --- the scheduling helper ---------------------------------------------------------------------
  const form = document.getElementById("event-form");
  const helper = document.getElementById("helper");
  if (form && helper && form.dataset.helperUrl) {
    const start = form.querySelector("[name=starts_at]");
    const zone = form.querySelector("[name=timezone]");
    let timer = null;
    async function showHelper() {
      if (!start || !start.value || !zone || !zone.value) return;
      const url = form.dataset.helperUrl + "?starts_at=" + encodeURIComponent(start.value) + "&timezone=" + encodeURIComponent(zone.value);
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) { helper.hidden = true; return; }
      const data = await response.json();
      const body = helper.querySelector("tbody");
      body.replaceChildren();
      for (const row of data.zones) {
        const tr = document.createElement("tr");
        const place = document.createElement("th");
        place.scope = "row";
        place.textContent = row.country_name + (row.timezone ? " · " + row.timezone.split("/").pop().replace("_", " ") : "");
        const time = document.createElement("td");
        const local = new Date(row.local);
        time.textContent = new Intl.DateTimeFormat(lang, { weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(local) + " (UTC" + row.utc_offset + ")";
        const note = document.createElement("td");
        note.textContent = [row.members ? fill(helper.dataset.members, { n: row.members }) : "", row.school_hours ? helper.dataset.school : ""].filter(Boolean).join(" · ");
        tr.append(place, time, note);
        body.append(tr);
      }
      helper.hidden = !data.zones.length;
    }
    for (const field of [start, zone]) {
      if (field) field.addEventListener("change", () => { clearTimeout(timer); timer = setTimeout(showHelper, 200); });
    }
    showHelper();
  }

  // A feed URL is selected whole when focused, to copy it.
  for (const input of document.querySelectorAll("input.feed-url")) {
    input.addEventListener("focus", () => input.select());
  }
})();
