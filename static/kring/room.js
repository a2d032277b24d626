/* The room page: history, live messages, replies, edits, presence, typing and read state. */
(function () {
  "use strict";

  const root = document.getElementById("room");
  if (!root) return;
  const roomId = Number(root.dataset.room);
  const me = Number(root.dataset.user);
  const canModerate = root.dataset.canModerate === "1";
  const canReport = root.dataset.canReport === "1";
  const historyBase = root.dataset.historyUrl;
  const strings = JSON.parse(document.getElementById("room-i18n").textContent);
  const list = document.getElementById("messages");
  const outbox = document.getElementById("outbox"); // own posts until the server acks them
  const statusEl = document.getElementById("status");
  const typingEl = document.getElementById("typing");
  const presenceEl = document.getElementById("presence");
  const olderButton = document.getElementById("older");
  const composer = document.getElementById("composer");
  const bodyInput = document.getElementById("body");
  const replyingEl = document.getElementById("replying");
  const pinsEl = document.getElementById("pins");
  const topicEl = document.getElementById("topic");
  const roomStateEl = document.getElementById("room-state");
  const composerNotice = document.getElementById("composer-notice");
  // Only in a teaching material's thread: which version a comment is about.
  const versionSelect = document.getElementById("comment-version");

  const messages = new Map(); // message id -> <li>
  const present = new Map(); // user id -> name
  const typers = new Map(); // user id -> {name, until}
  let oldestSeq = null;
  let replyTo = null;
  let lastTypingSent = 0;
  let readTimer = null;

  const client = window.kring;
  // "Connected" here means live in this room: the socket is open *and* the room is subscribed
  // (on a reconnect the room is re-subscribed; until then messages would not arrive).
  let subscribed = false;
  function showStatus(state) {
    statusEl.dataset.state = state;
    statusEl.textContent = strings[state] || state;
  }
  client.on("status", (state) => {
    if (state !== "connected") subscribed = false;
    showStatus(state === "connected" && !subscribed ? "connecting" : state);
  });
  client.on("event", (frame) => {
    if (frame.room !== roomId) return;
    applyEvent(frame);
    scheduleRead();
  });
  client.on("frame", handleFrame);

  function formatTime(iso) {
    const date = new Date(iso);
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function renderMessage(event, seq) {
    const item = el("li", "message");
    item.id = "m" + event.id;
    item.dataset.seq = seq;
    item.dataset.id = event.id;
    if (event.author.id === me) item.classList.add("mine");
    const head = el("div", "message-head");
    head.append(el("strong", "author", event.author.name));
    const time = el("time", "time", formatTime(event.created_at));
    time.dateTime = event.created_at;
    head.append(time);
    const edited = el("span", "edited", event.edited_at ? "(" + strings.edited + ")" : "");
    head.append(edited);
    item.append(head);
    if (event.data && event.data.version) {
      const chip = el("a", "version-chip", strings.aboutVersion + " " + event.data.version);
      chip.href = "#v" + event.data.version;
      head.append(chip);
    }
    if (event.reply_preview) {
      const quote = el("a", "reply-quote");
      quote.href = "#m" + event.reply_preview.id;
      quote.textContent = event.reply_preview.author.name + ": " + event.reply_preview.excerpt;
      item.append(quote);
    }
    const body = el("div", "body");
    item.append(body);
    setBody(item, event);
    const actions = el("div", "actions");
    if (composer) actions.append(actionButton(strings.reply, () => startReply(event)));
    if (event.author.id === me) {
      actions.append(actionButton(strings.edit, () => startEdit(event.id)));
    }
    if (event.author.id === me || canModerate) {
      actions.append(actionButton(strings.delete, () => {
        if (confirm(strings.confirmDelete)) api("POST", "/api/messages/" + event.id + "/delete", {});
      }));
    }
    if (canReport && event.author.id !== me) {
      actions.append(actionButton(strings.report, () => {
        const reason = prompt(strings.reportReason);
        if (reason && reason.trim()) {
          api("POST", "/api/messages/" + event.id + "/report", { reason: reason }).then((ok) => ok && flash(strings.reported));
        }
      }));
    }
    if (canModerate) {
      const hideButton = actionButton(event.hidden ? strings.unhide : strings.hide, () => {
        if (item.classList.contains("hidden-msg")) {
          api("POST", "/api/messages/" + event.id + "/unhide", {});
        } else {
          const reason = prompt(strings.hideReason);
          if (reason && reason.trim()) api("POST", "/api/messages/" + event.id + "/hide", { reason: reason });
        }
      });
      hideButton.classList.add("hide-toggle");
      const pinButton = actionButton(event.pinned ? strings.unpin : strings.pin, () => {
        const pinned = item.classList.contains("pinned");
        api("POST", "/api/messages/" + event.id + (pinned ? "/unpin" : "/pin"));
      });
      pinButton.classList.add("pin-toggle");
      actions.append(hideButton, pinButton);
    }
    if (!event.deleted) item.append(actions);
    if (event.pinned) item.classList.add("pinned");
    return item;
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  async function api(method, path, body) {
    const response = await fetch(path, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({ detail: response.statusText }));
      flash(problem.detail || response.statusText);
      return false;
    }
    return true;
  }

  function setBody(item, event) {
    const body = item.querySelector(".body");
    if (event.deleted) {
      item.classList.add("deleted");
      body.textContent = event.moderated ? strings.deletedByFacilitator : strings.deleted;
      const actions = item.querySelector(".actions");
      if (actions) actions.remove();
    } else if (event.hidden && !event.html) {
      item.classList.add("hidden-msg");
      body.textContent = strings.hiddenPlaceholder + (event.hidden_reason ? ": " + event.hidden_reason : "");
    } else {
      item.classList.toggle("hidden-msg", Boolean(event.hidden));
      item.classList.toggle("reveal", Boolean(event.hidden));
      // `html` is rendered from Markdown and sanitised by the server (nh3).
      body.innerHTML = event.html;
      item.dataset.body = event.body;
    }
  }

  function actionButton(label, onClick) {
    const button = el("button", "linklike", label);
    button.type = "button";
    button.addEventListener("click", onClick);
    return button;
  }

  function insertOrdered(item) {
    const seq = Number(item.dataset.seq);
    let before = null;
    for (const child of list.children) {
      if (Number(child.dataset.seq) > seq) { before = child; break; }
    }
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
    list.insertBefore(item, before);
    if (!before && atBottom) list.scrollTop = list.scrollHeight;
  }

  function applyEvent(frame) {
    const event = frame.event;
    if (oldestSeq === null || frame.seq < oldestSeq) oldestSeq = frame.seq;
    if (event.kind === "message" || event.kind === "announcement") {
      if (messages.has(event.id)) return;
      const item = renderMessage(event, frame.seq);
      if (event.kind === "announcement") item.classList.add("announcement");
      messages.set(event.id, item);
      insertOrdered(item);
    } else if (event.kind === "edit") {
      const item = messages.get(event.message);
      if (item) {
        setBody(item, { html: event.html, body: event.body, deleted: false });
        item.querySelector(".edited").textContent = "(" + strings.edited + ")";
      }
    } else if (event.kind === "delete") {
      const item = messages.get(event.message);
      if (item) setBody(item, { deleted: true, moderated: Boolean(event.data.moderated) });
      removePin(event.message);
    } else if (event.kind === "hide") {
      const item = messages.get(event.message);
      if (item) {
        if (canModerate) {
          item.classList.add("hidden-msg", "reveal");
        } else {
          setBody(item, { hidden: true, hidden_reason: event.data.reason });
        }
        toggleLabel(item, ".hide-toggle", strings.unhide);
      }
    } else if (event.kind === "unhide") {
      const item = messages.get(event.message);
      if (item) {
        item.classList.remove("hidden-msg", "reveal");
        setBody(item, { html: event.html, body: event.body });
        toggleLabel(item, ".hide-toggle", strings.hide);
      }
    } else if (event.kind === "pin" || event.kind === "unpin") {
      const item = messages.get(event.message);
      if (item) {
        item.classList.toggle("pinned", event.kind === "pin");
        toggleLabel(item, ".pin-toggle", event.kind === "pin" ? strings.unpin : strings.pin);
      }
      if (event.kind === "pin") loadPins(); else removePin(event.message);
    } else if (event.kind === "room") {
      topicEl.textContent = event.data.topic;
      showRoomState(event.data.locked, event.data.slow_mode_seconds);
    } else if (event.kind === "member") {
      const who = event.data.user.name;
      const text = event.data.action === "role"
        ? who + " " + strings.roleChanged + " " + event.data.role.replace("_", "-")
        : who + " " + (strings[event.data.action] || event.data.action);
      const note = el("li", "member-event", text);
      note.dataset.seq = frame.seq;
      insertOrdered(note);
    } else if (event.kind === "resource") {
      insertOrdered(renderResourceEvent(event, frame.seq));
    }
    typers.delete(event.author.id);
    renderTyping();
  }

  // "Ana shared “Fractions with pizza”": a line linking to the material's page.
  function renderResourceEvent(event, seq) {
    const material = event.data.resource;
    const note = el("li", "resource-event");
    note.dataset.seq = seq;
    note.append(el("strong", "", event.author.name), " " + (strings["resource_" + event.data.action] || event.data.action) + " ");
    const link = el("a", "", "“" + material.title + "”");
    link.href = material.url;
    note.append(link);
    if (event.data.action === "version") note.append(" (" + strings.version + " " + material.version + ")");
    if (event.data.action === "withdrawn" && event.data.reason) note.append(": " + event.data.reason);
    if (event.data.source) {
      note.append(" " + strings.basedOn + " ");
      const source = el("a", "", "“" + event.data.source.title + "”");
      source.href = event.data.source.url;
      note.append(source);
    }
    return note;
  }

  function toggleLabel(item, selector, label) {
    const button = item.querySelector(selector);
    if (button) button.textContent = label;
  }

  function showRoomState(locked, slowSeconds) {
    roomStateEl.textContent = (locked ? strings.locked : "") + (slowSeconds ? " " + strings.slow + " " + slowSeconds + " s" : "");
  }

  async function loadPins() {
    const response = await fetch("/api/rooms/" + roomId + "/pins", { credentials: "same-origin" });
    if (!response.ok) return;
    pinsEl.replaceChildren();
    for (const frame of await response.json()) {
      const item = el("li");
      item.dataset.id = frame.event.id;
      const link = el("a", "", frame.event.author.name + ": " + (frame.event.body || strings.hiddenPlaceholder).slice(0, 80));
      link.href = "#m" + frame.event.id;
      item.append(link);
      pinsEl.append(item);
    }
  }

  function removePin(messageId) {
    const pin = pinsEl.querySelector('[data-id="' + messageId + '"]');
    if (pin) pin.remove();
  }

  function handleFrame(frame) {
    if (frame.type === "subscribed" && frame.room === roomId) {
      subscribed = true;
      showStatus("connected");

      present.clear();
      for (const user of frame.presence_users || []) present.set(user.id, user.name);
      renderPresence();
    } else if (frame.type === "presence" && frame.room === roomId) {
      for (const user of frame.joined) present.set(user.id, user.name);
      for (const id of frame.left) present.delete(id);
      renderPresence();

    } else if (frame.type === "typing" && frame.room === roomId && frame.user.id !== me) {
      typers.set(frame.user.id, { name: frame.user.name, until: Date.now() + 4000 });
      renderTyping();
    } else if (frame.type === "ack") {
      const pendingItem = document.querySelector('[data-ref="' + frame.ref + '"]');
      if (pendingItem) pendingItem.remove();
    } else if (frame.type === "error") {
      const pendingItem = frame.ref && document.querySelector('[data-ref="' + frame.ref + '"]');
      if (pendingItem) {
        pendingItem.classList.add("failed");
        pendingItem.querySelector(".time").textContent = strings.failed + ": " + frame.detail;
      } else {
        flash(frame.detail);
      }
    } else if (frame.type === "removed" && frame.rooms.includes(roomId)) {
      setComposerNotice(strings.removed);
    } else if (frame.type === "mute" && (frame.room === null || frame.room === roomId)) {
      if (frame.muted) {
        setComposerNotice(strings.muted + (frame.reason ? " " + frame.reason : ""));
      } else {
        setComposerNotice(null);
        flash(strings.unmuted);
      }
    } else if (frame.type === "membership") {
      if (frame.message) flash(frame.message);
    } else if (frame.type === "gap" && frame.room === roomId) {
      flash(strings.gap);
    }
  }

  function setComposerNotice(text) {
    composerNotice.hidden = !text;
    composerNotice.textContent = text || "";
    if (composer) composer.hidden = Boolean(text);
  }

  function flash(text) {
    const note = el("li", "system", text);
    note.dataset.seq = Number.MAX_SAFE_INTEGER;
    list.append(note);
    list.scrollTop = list.scrollHeight;
  }

  function renderPresence() {
    presenceEl.replaceChildren();
    for (const [id, name] of present) {
      presenceEl.append(el("li", id === me ? "me" : "", name));
    }
  }

  function renderTyping() {
    const now = Date.now();
    const names = [];
    for (const [id, typer] of typers) {
      if (typer.until < now) typers.delete(id);
      else names.push(typer.name);
    }
    typingEl.textContent = names.length ? names.join(", ") + " " + strings.typing : "";
  }
  setInterval(renderTyping, 1000);

  function scheduleRead() {
    if (readTimer || document.hidden) return;
    readTimer = setTimeout(() => {
      readTimer = null;
      const seq = client.rooms.get(roomId);
      if (seq) client.read(roomId, seq);
    }, 1000);
  }
  document.addEventListener("visibilitychange", scheduleRead);

  function startReply(event) {
    replyTo = event.id;
    replyingEl.hidden = false;
    replyingEl.querySelector("span").textContent =
      strings.replyingTo + " " + event.author.name + ": " + (event.body || "").slice(0, 80);
    bodyInput.focus();
  }

  function cancelReply() {
    replyTo = null;
    if (replyingEl) replyingEl.hidden = true;
  }

  function startEdit(id) {
    const item = messages.get(id);
    const text = prompt(strings.edit, item.dataset.body || "");
    if (text !== null && text.trim()) client.edit(id, text);
  }

  if (composer) {
    composer.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = bodyInput.value.trim();
      if (!text) return;
      const version = versionSelect && versionSelect.value ? Number(versionSelect.value) : null;
      const ref = client.post(roomId, text, replyTo, version);

      const pendingItem = el("li", "message mine pending");
      pendingItem.dataset.ref = ref;
      const head = el("div", "message-head");
      head.append(el("strong", "author", strings.sending));
      head.append(el("span", "time", ""));
      pendingItem.append(head, el("div", "body", text));
      outbox.append(pendingItem);
      list.scrollTop = list.scrollHeight;
      bodyInput.value = "";
      cancelReply();
    });
    bodyInput.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        composer.requestSubmit();
      }
    });
    bodyInput.addEventListener("input", () => {
      const now = Date.now();
      if (now - lastTypingSent > 2500) {
        lastTypingSent = now;
        client.typing(roomId);
      }
    });
    document.getElementById("cancel-reply").addEventListener("click", cancelReply);
  }

  async function loadPage(query) {
    const response = await fetch(historyBase + query, { credentials: "same-origin" });
    if (!response.ok) return [];
    return response.json();
  }

  olderButton.addEventListener("click", async () => {
    const frames = await loadPage("?before=" + oldestSeq + "&limit=50");
    const top = list.scrollHeight - list.scrollTop;
    for (const frame of frames) applyEvent(frame);
    list.scrollTop = list.scrollHeight - top;
    olderButton.hidden = frames.length < 50;
  });

  document.getElementById("room-level").addEventListener("change", (e) => {
    api("PUT", "/api/rooms/" + roomId + "/notification-level", { level: e.target.value });
  });

  (async function start() {
    const frames = await loadPage("?limit=50");
    for (const frame of frames) applyEvent(frame);
    olderButton.hidden = frames.length < 50;
    list.scrollTop = list.scrollHeight;
    const since = frames.length ? frames[frames.length - 1].seq : 0;
    client.subscribe(roomId, since);
    scheduleRead();
    loadPins();
  })();
})();
