/* Unread counts of rooms, kept current on any page that shows them ([data-unread-room=ID]).
 * The socket follows only the room on screen (following more would show the reader "here" in
 * rooms they are not in), so the counts of the others are refreshed from /api/me/unread:
 * every 15 s while the page is visible, at once when it becomes visible again or the socket
 * reconnects, and from `read` frames (a room read on another device). */
(function () {
  "use strict";
  const badges = () => document.querySelectorAll("[data-unread-room]");
  if (!badges().length) return;
  const INTERVAL = (window.KRING_CLIENT_OPTIONS || {}).unreadInterval || 15000;
  let timer = null;

  function show(roomId, unread) {
    for (const badge of document.querySelectorAll('[data-unread-room="' + roomId + '"]')) {
      const count = badge.querySelector(".count") || badge;
      count.textContent = unread;
      badge.hidden = !unread;
    }
  }

  async function refresh() {
    clearTimeout(timer);
    timer = setTimeout(refresh, INTERVAL);
    if (document.hidden) return;
    try {
      const response = await fetch("/api/me/unread", { credentials: "same-origin" });
      if (!response.ok) return;
      for (const room of await response.json()) show(room.room, room.unread);
    } catch (error) {
      // offline: the next round tries again
    }
  }

  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
  if (window.kring) {
    window.kring.on("frame", (frame) => { if (frame.type === "read") show(frame.room, frame.unread); });
    window.kring.on("status", (status) => { if (status === "connected") refresh(); });
  }
  timer = setTimeout(refresh, INTERVAL);
  window.kringRefreshUnread = refresh;
})();
