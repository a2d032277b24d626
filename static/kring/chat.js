/* Reactions on the messages of a live room page (community rooms, material threads, event
 * rooms, direct conversations): counts and who reacted under each message, a small palette
 * to add one, live for everyone through `reaction` room events. Texts come from the page. */
(function () {
  "use strict";

  const root = document.getElementById("room");
  const setEl = document.getElementById("reaction-set");
  if (!root || !setEl) return;
  const config = JSON.parse(setEl.textContent);
  const strings = config.strings;
  const me = Number(root.dataset.user);
  const roomId = Number(root.dataset.room);
  const canReact = root.dataset.canPost === "1";
  const client = window.kring;
  let paletteCount = 0;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function fmt(template, values) {
    return String(template).replace(/\{(\w+)\}/g, (all, name) => (name in values ? values[name] : all));
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  async function toggle(messageId, emoji, bar) {
    const response = await fetch("/api/messages/" + messageId + "/reactions", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ emoji: emoji }),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      const problem = el("p", "failure", answer.detail || response.statusText);
      problem.setAttribute("role", "alert");
      bar.append(problem);
      setTimeout(() => problem.remove(), 6000);
      return;
    }
    apply(answer); // the socket brings the same event; applying it twice changes nothing
  }

  function who(reaction) {
    const names = reaction.users.map((u) => u.name).join(", ");
    const more = reaction.count - reaction.users.length;
    return fmt(strings.who, { names: names + (more > 0 ? " " + fmt(strings.more, { count: more }) : ""), emoji: reaction.emoji });
  }

  function render(bar, messageId, reactions) {
    const chips = bar.querySelector(".reaction-chips");
    chips.replaceChildren();
    for (const reaction of reactions) {
      const mine = reaction.users.some((u) => u.id === me);
      const button = el("button", "reaction-chip small" + (mine ? "" : " secondary"));
      button.type = "button";
      button.setAttribute("aria-pressed", mine ? "true" : "false");
      button.title = who(reaction);
      button.append(el("span", "emoji", reaction.emoji), el("span", "count", String(reaction.count)),
        el("span", "visually-hidden", " " + who(reaction)));
      button.disabled = !canReact;
      button.addEventListener("click", () => toggle(messageId, reaction.emoji, bar));
      chips.append(button);
    }
  }

  function attach(event, item) {
    if (event.kind !== "message" || event.deleted || item.querySelector(".reaction-bar")) return;
    const bar = el("div", "reaction-bar");
    bar.append(el("div", "reaction-chips"));
    if (canReact) {
      const paletteId = "palette-" + event.id + "-" + (++paletteCount);
      const add = el("button", "reaction-add small secondary", "☺+");
      add.type = "button";
      add.setAttribute("aria-label", strings.add);
      add.title = strings.add;
      add.setAttribute("aria-expanded", "false");
      add.setAttribute("aria-controls", paletteId);
      const palette = el("div", "reaction-palette");
      palette.id = paletteId;
      palette.hidden = true;
      palette.setAttribute("role", "group");
      palette.setAttribute("aria-label", strings.palette);
      for (const emoji of config.emoji) {
        const choice = el("button", "small secondary", emoji);
        choice.type = "button";
        choice.addEventListener("click", () => {
          palette.hidden = true;
          add.setAttribute("aria-expanded", "false");
          toggle(event.id, emoji, bar);
          add.focus();
        });
        palette.append(choice);
      }
      palette.addEventListener("keydown", (e) => {
        if (e.key === "Escape") { palette.hidden = true; add.setAttribute("aria-expanded", "false"); add.focus(); }
      });
      add.addEventListener("click", () => {
        palette.hidden = !palette.hidden;
        add.setAttribute("aria-expanded", palette.hidden ? "false" : "true");
        if (!palette.hidden) palette.querySelector("button").focus();
      });
      bar.append(add, palette);
    }
    const actions = item.querySelector(".actions");
    item.insertBefore(bar, actions);
    render(bar, event.id, (event.data && event.data.reactions) || []);
  }

  // A `reaction` event carries the message's whole summary: the newest one wins.
  const appliedSeq = new Map(); // message id -> seq of the summary shown
  function apply(frame) {
    if (!frame || !frame.event || frame.room !== roomId) return;
    const event = frame.event;
    if (event.kind === "delete") {
      const gone = document.getElementById("m" + event.message);
      const bar = gone && gone.querySelector(".reaction-bar");
      if (bar) bar.remove();
      return;
    }
    if (event.kind !== "reaction") return;
    if ((appliedSeq.get(event.message) || 0) >= frame.seq) return;
    appliedSeq.set(event.message, frame.seq);
    const item = document.getElementById("m" + event.message);
    const bar = item && item.querySelector(".reaction-bar");
    if (bar) render(bar, event.message, event.data.reactions || []);
  }

  document.addEventListener("kring:message", (e) => attach(e.detail.event, e.detail.item));
  for (const item of document.querySelectorAll("#messages li.message")) {
    if (item.kringEvent) attach(item.kringEvent, item);
  }
  // Only events from the socket (live, resume, gap filling): history pages show each message
  // with its current reactions already, and their older reaction events would be stale.
  if (client) client.on("event", (frame) => apply(frame));
})();
