/* A community's room list, live: a `rooms` frame (docs/protocol.md) carries the whole list in
 * order after a room is created, renamed, reordered, archived or restored, and the list on
 * the page (community page, room page sidebar) is rebuilt from it. Unread badges are kept;
 * unread.js keeps counting them. Every text comes from the page. */
(function () {
  "use strict";
  const list = document.querySelector("[data-room-list]");
  if (!list || !window.kring) return;
  const community = list.dataset.community;
  const current = Number(list.dataset.currentRoom || 0);
  const canRead = list.dataset.canRead === "1";
  const urlFor = (id) => list.dataset.roomUrl.replace(/\/0\/$/, "/" + id + "/");

  function badgeFor(id, existing) {
    if (existing) return existing;
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.dataset.unreadRoom = id;
    badge.hidden = true;
    const count = document.createElement("span");
    count.className = "count";
    count.textContent = "0";
    const label = document.createElement("span");
    label.className = "visually-hidden";
    label.textContent = " " + list.dataset.unreadLabel;
    badge.append(count, label);
    return badge;
  }

  window.kring.on("frame", (frame) => {
    if (frame.type !== "rooms" || frame.community !== community) return;
    const badges = new Map();
    for (const badge of list.querySelectorAll("[data-unread-room]")) badges.set(Number(badge.dataset.unreadRoom), badge);
    const items = frame.rooms.map((room) => {
      const item = document.createElement("li");
      item.dataset.room = room.id;
      if (room.id === current) item.setAttribute("aria-current", "page");
      const name = document.createElement(canRead ? "a" : "span");
      if (canRead) name.href = urlFor(room.id);
      name.textContent = "# " + room.name;
      item.append(name);
      if (canRead && room.id !== current) item.append(badgeFor(room.id, badges.get(room.id)));
      if (room.topic && !current) {
        const topic = document.createElement("span");
        topic.className = "topic";
        topic.textContent = room.topic;
        item.append(topic);
      }
      return item;
    });
    list.replaceChildren(...items);
  });
})();
