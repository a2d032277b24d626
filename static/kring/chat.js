/* The chat app's part of a live room page (community rooms, material threads, event rooms,
 * direct conversations): reactions (counts and who under each message, a small palette to
 * add one, live through `reaction` room events) and files (images and documents shown in
 * their message, attached from the composer). Texts come from the page. */
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

  // --- files in the conversation -------------------------------------------------------------

  const attachments = new Map(); // message id -> its files, to show again after an unhide

  function sizeText(bytes) {
    const units = ["B", "KB", "MB"];
    let size = bytes, unit = 0;
    while (size >= 1024 && unit < units.length - 1) { size /= 1024; unit += 1; }
    return (unit ? size.toFixed(1) : String(size)) + " " + units[unit];
  }

  function showFiles(event, item) {
    const files = (event.data && event.data.attachments) || [];
    if (!files.length || event.kind !== "message") return;
    attachments.set(event.id, { files: files, mine: event.author.id === me });
    if (event.deleted || event.hidden) return;
    renderFiles(event.id, item);
  }

  function renderFiles(messageId, item) {
    const known = attachments.get(messageId);
    if (!known || item.querySelector(".attachments")) return;
    const box = el("ul", "attachments");
    for (const file of known.files) {
      const entry = el("li", "attachment attachment-" + file.kind);
      const link = el("a");
      link.href = file.url;
      if (file.kind === "image" && file.thumbnail_url) {
        const image = el("img");
        image.src = file.thumbnail_url;
        image.alt = file.name;
        image.loading = "lazy";
        if (file.width && file.height) {
          const scale = Math.min(1, 480 / Math.max(file.width, file.height));
          image.width = Math.round(file.width * scale);
          image.height = Math.round(file.height * scale);
        }
        link.append(image);
      } else {
        link.textContent = file.name;
        link.setAttribute("download", "");
        entry.append(link, el("span", "meta", " " + sizeText(file.size)));
      }
      if (!entry.contains(link)) entry.append(link);
      if (known.mine) {
        const save = el("a", "save-to-library", strings.saveToLibrary);
        save.href = "/files/" + file.id + "/save/";
        entry.append(save);
      }
      box.append(entry);
    }
    item.querySelector(".body").after(box);
  }

  function onFilesChanged(frame) {
    if (!frame || !frame.event || frame.room !== roomId) return;
    const event = frame.event;
    const item = event.message && document.getElementById("m" + event.message);
    if (!item) return;
    if (event.kind === "hide" || event.kind === "delete") {
      const box = item.querySelector(".attachments");
      if (box) box.remove();
    } else if (event.kind === "unhide") {
      renderFiles(event.message, item);
    }
  }

  function svgNode(name, attributes) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", name);
    Object.entries(attributes).forEach(([key, value]) => node.setAttribute(key, value));
    return node;
  }

  function paperclipIcon() {
    const icon = svgNode("svg", {
      viewBox: "0 0 24 24", width: "20", height: "20", "aria-hidden": "true",
      focusable: "false", class: "icon",
    });
    icon.append(svgNode("path", {
      d: "M9 8v8a3 3 0 0 0 6 0V6a5 5 0 0 0-10 0v10a7 7 0 0 0 14 0V8",
      fill: "none", stroke: "currentColor", "stroke-width": "2", "stroke-linecap": "round",
    }));
    return icon;
  }

  const composer = document.getElementById("composer");
  if (composer && canReact) {
    const input = el("input");
    input.type = "file";
    input.multiple = true;
    input.accept = config.files.accept;
    input.hidden = true;
    input.id = "attach-input";
    // A drawn paperclip: the emoji needs an emoji font, and without one (many Linux
    // desktops) the button showed an empty box.
    const button = el("button", "secondary attach-button");
    button.append(paperclipIcon());
    button.type = "button";
    button.setAttribute("aria-label", strings.attach);
    button.title = strings.attach;
    const chosen = el("ul", "attach-list");
    chosen.setAttribute("aria-label", strings.attached);
    chosen.hidden = true;
    const problem = el("p", "failure");
    problem.setAttribute("role", "alert");
    problem.hidden = true;
    let files = [];
    function showChosen() {
      chosen.replaceChildren();
      chosen.hidden = !files.length;
      files.forEach((file, index) => {
        const entry = el("li", "", file.name + " (" + sizeText(file.size) + ") ");
        const remove = el("button", "linklike", strings.remove);
        remove.type = "button";
        remove.setAttribute("aria-label", strings.remove + " " + file.name);
        remove.addEventListener("click", () => { files.splice(index, 1); showChosen(); button.focus(); });
        entry.append(remove);
        chosen.append(entry);
      });
    }
    button.addEventListener("click", () => input.click());
    input.addEventListener("change", () => {
      const all = files.concat(Array.from(input.files));
      files = all.slice(0, config.files.max);
      problem.hidden = all.length <= config.files.max;
      problem.textContent = strings.tooMany;
      input.value = "";
      showChosen();
    });
    const send = document.getElementById("send");
    send.before(button);
    composer.append(input, chosen, problem);
    // With files the message goes over HTTP (multipart); without, room.js sends it on the socket.
    composer.addEventListener("submit", async (e) => {
      if (!files.length) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      const body = document.getElementById("body");
      const form = new FormData();
      form.append("body", body.value);
      form.append("ref", (crypto.randomUUID && crypto.randomUUID()) || String(Date.now()) + Math.random());
      for (const file of files) form.append("files", file);
      send.disabled = true;
      problem.hidden = false;
      problem.textContent = strings.sendingFiles;
      const response = await fetch("/api/rooms/" + roomId + "/messages", {
        method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() }, body: form,
      }).catch(() => null);
      send.disabled = false;
      if (response && response.ok) {
        files = [];
        body.value = "";
        body.dispatchEvent(new Event("input"));
        showChosen();
        problem.hidden = true;
        problem.textContent = "";
        apply(await response.json());
      } else {
        const answer = response ? await response.json().catch(() => ({})) : {};
        problem.textContent = answer.detail || (response ? response.statusText : "offline");
      }
    }, true);
  }

  document.addEventListener("kring:message", (e) => {
    attach(e.detail.event, e.detail.item);
    showFiles(e.detail.event, e.detail.item);
  });
  for (const item of document.querySelectorAll("#messages li.message")) {
    if (item.kringEvent) { attach(item.kringEvent, item); showFiles(item.kringEvent, item); }
  }
  // Only events from the socket (live, resume, gap filling): history pages show each message
  // with its current reactions already, and their older reaction events would be stale.
  if (client) client.on("event", (frame) => { apply(frame); onFilesChanged(frame); });
})();
