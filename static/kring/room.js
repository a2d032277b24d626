/* The room page: history, live messages, replies, edits, presence, typing, read state, and
 * what may stop the reader from posting (lock, mute, slow mode, removal), said before they type.
 * Every text comes from the page (#room-i18n), so it can be translated. */
(function () {
  "use strict";

  const root = document.getElementById("room");
  if (!root) return;
  const roomId = Number(root.dataset.room);
  const me = Number(root.dataset.user);
  const canModerate = root.dataset.canModerate === "1";
  const canReport = root.dataset.canReport === "1";
  const historyBase = root.dataset.historyUrl;
  // Direct conversations report to staff and mention their participants (chat app).
  const reportUrl = root.dataset.reportUrl || "/api/messages/{id}/report";
  const mentionUrl = root.dataset.mentionUrl || "/api/communities/" + root.dataset.community + "/mentionable";
  const strings = JSON.parse(document.getElementById("room-i18n").textContent);
  const initial = JSON.parse(document.getElementById("composer-state-data").textContent);
  const community = initial.community;
  const lang = document.documentElement.lang || undefined;
  const $ = (id) => document.getElementById(id);
  const list = $("messages");
  const outbox = $("outbox"); // own posts until the server acks them
  const statusEl = $("status");
  const typingEl = $("typing");
  const presenceEl = $("presence");
  const olderButton = $("older");
  const composer = $("composer");
  const bodyInput = $("body");
  const sendButton = $("send");
  const replyingEl = $("replying");
  const pinsEl = $("pins");
  const topicEl = $("topic");
  const roomStateEl = $("room-state");
  const stateEl = $("composer-state");
  const announcer = $("announcer");
  const suggestionsEl = $("mention-suggestions");
  const hintEl = $("mention-hint");
  // Only in a teaching material's thread: which version a comment is about.
  const versionSelect = $("comment-version");
  // A discussion room of the community's list (not a material's thread): it may be renamed,
  // and a `rooms` frame without it means it was archived.
  const listedRoom = Boolean(document.querySelector("[data-current-room]"));

  const messages = new Map(); // message id -> <li>
  const present = new Map(); // user id -> {name, handle}
  const typers = new Map(); // user id -> {name, until}
  const knownHandles = new Set(initial.handle ? [initial.handle.toLowerCase()] : []);
  let oldestSeq = null;
  let lastOwnPost = 0; // ms: when my newest message here was stored (slow mode counts from it)
  let replyTo = null;
  let lastTypingSent = 0;
  let readTimer = null;

  // What may stop me posting; the server re-checks every post anyway.
  const state = {
    locked: initial.locked,
    moderates: initial.moderates,
    muted: initial.muted, // {room, until, reason} or null
    archived: initial.archived ? initial.archived.where : null, // "room", "community" or null
    removed: false,
    slowSeconds: initial.slow_mode_seconds,
    nextPostAt: initial.slow_wait_seconds ? Date.now() + initial.slow_wait_seconds * 1000 : 0,
  };
  let muteTimer = null;

  const client = window.kring;
  // "Connected" here means live in this room: the socket is open *and* the room is subscribed
  // (on a reconnect the room is re-subscribed; until then messages would not arrive).
  let subscribed = false;

  // A translated text with {placeholders}: the pieces to append, each placeholder replaced
  // by its node (a link, a time) or text, in the order the translation puts them.
  function fmtNodes(template, values) {
    return String(template)
      .split(/(\{\w+\})/)
      .map((piece) => {
        const name = /^\{(\w+)\}$/.exec(piece);
        return name && name[1] in values ? values[name[1]] : piece;
      })
      .filter((piece) => piece !== "");
  }

  function fmt(template, values) {
    return fmtNodes(template, values).join("");
  }

  const timeFormat = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" });
  const dateTimeFormat = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
  function formatTime(iso) {
    const date = new Date(iso);
    const today = new Date();
    return date.toDateString() === today.toDateString() ? timeFormat.format(date) : dateTimeFormat.format(date);
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- connection status -------------------------------------------------------------------

  function showStatus(status) {
    statusEl.dataset.state = status;
    statusEl.textContent = strings[status] || status;
    for (const item of outbox.querySelectorAll(".pending .author")) {
      item.textContent = client.connected ? strings.sending : strings.waitingToSend;
    }
  }
  client.on("status", (status) => {
    if (status !== "connected") subscribed = false;
    showStatus(status === "connected" && !subscribed ? "connecting" : status);
  });
  client.on("event", (frame, info) => {
    if (frame.room !== roomId) return;
    applyEvent(frame, { live: !(info && info.backfill) });
    scheduleRead();
  });
  client.on("frame", handleFrame);

  // --- messages ----------------------------------------------------------------------------

  function renderMessage(event, seq) {
    const item = el("li", "message");
    item.id = "m" + event.id;
    item.dataset.seq = seq;
    item.dataset.id = event.id;
    if (event.author.id === me) item.classList.add("mine");
    if (event.author.handle) knownHandles.add(event.author.handle.toLowerCase());
    const head = el("div", "message-head");
    head.append(el("strong", "author", event.author.name));
    if (event.author.handle) head.append(el("span", "handle", "@" + event.author.handle));
    const time = el("time", "time", formatTime(event.created_at));
    time.dateTime = event.created_at;
    time.title = dateTimeFormat.format(new Date(event.created_at));
    head.append(time);
    const edited = el("span", "edited", event.edited_at ? "(" + strings.edited + ")" : "");
    head.append(edited);
    item.append(head);
    if (event.data && event.data.version) {
      const chip = el("a", "version-chip", fmt(strings.aboutVersion, { version: event.data.version }));
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
          api("POST", reportUrl.replace("{id}", event.id), { reason: reason }).then((ok) => ok && flash(strings.reported));
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
    // Other scripts of the page (reactions, attachments) add their part to each message.
    item.kringEvent = event;
    document.dispatchEvent(new CustomEvent("kring:message", { detail: { event: event, item: item } }));
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

  // @handle in a message: highlighted (mine more so); never inside links or code.
  const MENTION = /(?<![\w@])@([a-z0-9][a-z0-9._-]{1,38}[a-z0-9])(?![\w])/gi;
  function highlightMentions(container) {
    const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) => (node.parentElement.closest("a, code, pre") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
    });
    const nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    const mine = (initial.handle || "").toLowerCase();
    for (const node of nodes) {
      const text = node.nodeValue;
      MENTION.lastIndex = 0;
      if (!MENTION.test(text)) continue;
      MENTION.lastIndex = 0;
      const parts = document.createDocumentFragment();
      let last = 0;
      let match;
      while ((match = MENTION.exec(text))) {
        parts.append(text.slice(last, match.index));
        const handle = match[1].toLowerCase();
        const span = el("span", "mention", match[0]);
        if (handle === mine || (handle === "facilitators" && canModerate)) span.classList.add("me");
        parts.append(span);
        last = match.index + match[0].length;
      }
      parts.append(text.slice(last));
      node.replaceWith(parts);
    }
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
      highlightMentions(body);
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

  // Read new messages by others out once, through the live region (not the history).
  function announce(event) {
    if (event.author.id === me || Date.now() - new Date(event.created_at).getTime() > 60000) return;
    const text = (event.body || "").slice(0, 200);
    announcer.textContent = fmt(strings.newMessageFrom, { name: event.author.name }) + (text ? ": " + text : "");
  }

  function updateOlder() {
    // Seqs start at 1 and have no holes: older messages exist exactly when the oldest shown is not 1.
    olderButton.hidden = !(oldestSeq > 1);
  }

  function applyEvent(frame, how) {
    const live = Boolean(how && how.live);
    const event = frame.event;
    if (oldestSeq === null || frame.seq < oldestSeq) oldestSeq = frame.seq;
    if (event.kind === "message" || event.kind === "announcement") {
      if (messages.has(event.id)) return;
      if (event.author.id === me) lastOwnPost = Math.max(lastOwnPost, new Date(event.created_at).getTime());
      const item = renderMessage(event, frame.seq);
      if (event.kind === "announcement") item.classList.add("announcement");
      if (event.data && event.data.network) {
        item.querySelector(".message-head").append(el("span", "tag", fmt(strings.toNetwork, { community: event.data.network.name })));
      }
      if (live) {
        item.classList.add("arrived");
        announce(event);
      }
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
      if (event.data.name && listedRoom) $("room-title").textContent = "# " + event.data.name;
      if (live && "archived" in event.data && state.archived !== "community") {
        state.archived = event.data.archived ? "room" : null;
      }
      if (live) {
        state.locked = Boolean(event.data.locked);
        state.slowSeconds = event.data.slow_mode_seconds || 0;
        // Slow mode counts from my last message, also one sent before it was switched on.
        state.nextPostAt = state.slowSeconds && lastOwnPost ? lastOwnPost + state.slowSeconds * 1000 : 0;
        renderRoomState();
      }
    } else if (event.kind === "member") {
      const role = event.data.role ? (strings.roleNames[event.data.role] || event.data.role) : "";
      const template = strings["member_" + event.data.action];
      const text = template ? fmt(template, { name: event.data.user.name, role: role }) : event.data.user.name + " " + event.data.action;
      const note = el("li", "member-event", text);
      note.dataset.seq = frame.seq;
      insertOrdered(note);
    } else if (event.kind === "resource") {
      insertOrdered(renderResourceEvent(event, frame.seq));
    } else if (event.kind === "calendar") {
      insertOrdered(renderCalendarEvent(event, frame.seq));
    }
    typers.delete(event.author.id);
    renderTyping();
    updateOlder();
  }

  // "Ana shared “Fractions with pizza”": a line linking to the material's page.
  function renderResourceEvent(event, seq) {
    const material = event.data.resource;
    const note = el("li", "resource-event");
    note.dataset.seq = seq;
    const link = el("a", "", "“" + material.title + "”");
    link.href = material.url;
    const sentence = strings["resource_" + event.data.action] || "{name} " + event.data.action + " {material}";
    note.append(...fmtNodes(sentence, { name: el("strong", "", event.author.name), material: link, version: String(material.version) }));
    if (event.data.action === "withdrawn" && event.data.reason) note.append(": " + event.data.reason);
    if (event.data.source) {
      const source = el("a", "", "“" + event.data.source.title + "”");
      source.href = event.data.source.url;
      note.append(" ", ...fmtNodes(strings.basedOn, { source: source }));
    }
    return note;
  }

  // "Marieke scheduled “Monthly session” (3 Mar 2026, 19:00)": a line linking to the event,
  // its time in the reader's own zone.
  function renderCalendarEvent(event, seq) {
    const meeting = event.data.event;
    const note = el("li", "resource-event calendar-event");
    note.dataset.seq = seq;
    const link = el("a", "", "“" + meeting.title + "”");
    link.href = meeting.url;
    const sentence = strings["calendar_" + event.data.action] || "{name} " + event.data.action + " {meeting} ({time})";
    note.append(...fmtNodes(sentence, { name: el("strong", "", event.author.name), meeting: link, time: timeNode(meeting.starts_at) }));
    return note;
  }

  function toggleLabel(item, selector, label) {
    const button = item.querySelector(selector);
    if (button) button.textContent = label;
  }

  // --- what may stop me posting ------------------------------------------------------------

  function renderRoomState() {
    roomStateEl.replaceChildren();
    if (state.locked) roomStateEl.append(el("span", "tag tag-warn", strings.lockedTag));
    if (state.slowSeconds) roomStateEl.append(el("span", "tag", strings.slowTag + " · " + state.slowSeconds + " s"));
    renderComposerState();
  }

  function notice(kind, parts) {
    const box = el("p", "notice notice-" + kind);
    for (const part of parts) box.append(part);
    return box;
  }

  function timeNode(iso) {
    const node = el("time", "", dateTimeFormat.format(new Date(iso)));
    node.dateTime = iso;
    return node;
  }

  function slowWait() {
    if (!state.slowSeconds || state.moderates) return 0;
    return Math.max(0, Math.ceil((state.nextPostAt - Date.now()) / 1000));
  }

  function renderComposerState() {
    const notes = [];
    let blocked = false;
    if (state.removed) {
      blocked = true;
      notes.push(notice("error", [strings.removed]));
    } else if (state.archived) {
      blocked = true;
      notes.push(notice("warn", [state.archived === "community" ? strings.archivedCommunity : strings.archivedRoom]));
    } else if (state.muted) {
      blocked = true;
      const parts = [state.muted.room ? strings.mutedRoom : strings.mutedCommunity];
      if (state.muted.until) {
        parts.push(" ", ...fmtNodes(strings.mutedUntil, { time: timeNode(state.muted.until) }));
      }
      if (state.muted.reason) parts.push(" " + fmt(strings.mutedReason, { reason: state.muted.reason }));
      notes.push(notice("warn", parts));
    } else if (state.locked && !state.moderates) {
      blocked = true;
      notes.push(notice("warn", [strings.lockedForMe]));
    } else {
      if (state.locked) notes.push(notice("info", [strings.lockedModerator]));
      if (state.slowSeconds && !state.moderates) {
        const wait = slowWait();
        const text = fmt(strings.slowNotice, { seconds: state.slowSeconds }) + (wait ? " " + fmt(strings.slowWait, { seconds: wait }) : "");
        notes.push(notice("info", [text]));
      }
    }
    if (!composer) {
      // Observers: the page already says they can only read; a removal still matters.
      stateEl.replaceChildren(...(state.removed || state.archived ? notes : []));
      return;
    }
    stateEl.replaceChildren(...notes);
    composer.hidden = blocked;
    const waiting = slowWait() > 0;
    sendButton.disabled = waiting;
    for (const button of outbox.querySelectorAll("button[data-retry-new]")) button.disabled = waiting;
  }

  function setMute(mute) {
    state.muted = mute;
    clearTimeout(muteTimer);
    if (mute && mute.until) {
      const ms = new Date(mute.until).getTime() - Date.now();
      // The mute ends by itself: let the reader post again then (the server agrees).
      if (ms < 2 ** 31 - 1) muteTimer = setTimeout(() => setMute(null), Math.max(0, ms) + 500);
    }
    renderComposerState();
  }
  setInterval(() => { if (state.slowSeconds && state.nextPostAt) renderComposerState(); }, 1000);

  // --- frames --------------------------------------------------------------------------------

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
      for (const user of frame.presence_users || []) present.set(user.id, user);
      renderPresence();
    } else if (frame.type === "presence" && frame.room === roomId) {
      for (const user of frame.joined) present.set(user.id, user);
      for (const id of frame.left) present.delete(id);
      renderPresence();
    } else if (frame.type === "typing" && frame.room === roomId && frame.user.id !== me) {
      typers.set(frame.user.id, { name: frame.user.name, until: Date.now() + 4000 });
      renderTyping();
    } else if (frame.type === "ack") {
      const pendingItem = outbox.querySelector('[data-ref="' + frame.ref + '"]');
      if (pendingItem) {
        pendingItem.remove();
        if (frame.room === roomId && frame.event && frame.event.kind === "message" && state.slowSeconds && !state.moderates) {
          state.nextPostAt = Date.now() + state.slowSeconds * 1000;
          renderComposerState();
        }
      }
    } else if (frame.type === "error") {
      const pendingItem = frame.ref && outbox.querySelector('[data-ref="' + frame.ref + '"]');
      if (pendingItem) showFailed(pendingItem, frame);
      else flash(frame.detail);
    } else if (frame.type === "removed" && frame.community === community) {
      state.removed = true;
      renderComposerState();
    } else if (frame.type === "mute" && frame.community === community && (frame.room === null || frame.room === roomId)) {
      if (frame.muted) {
        setMute({ room: frame.room, until: frame.until, reason: frame.reason });
      } else {
        setMute(null);
        flash(strings.unmuted);
      }
    } else if (frame.type === "membership" && frame.community === community) {
      if (frame.message) flash(frame.message);
    } else if (frame.type === "rooms" && frame.community === community) {
      if (frame.archived) state.archived = "community";
      else if (listedRoom) state.archived = frame.rooms.some((r) => r.id === roomId) ? null : "room";
      else if (state.archived === "community") state.archived = null;
      renderComposerState();
    } else if (frame.type === "gap" && frame.room === roomId) {
      flash(strings.gap);
    }
  }

  // A refused post stays once, says why, and offers what makes sense: try again (slow mode,
  // a server hiccup), take the text back into the box, or dismiss it.
  function showFailed(item, frame) {
    const retryable = ["rate_limited", "unavailable", "conflict"].includes(frame.code);
    item.classList.remove("pending");
    item.classList.add("failed");
    item.querySelector(".author").textContent = strings.failed;
    let failure = item.querySelector(".failure");
    if (!failure) {
      failure = el("p", "failure");
      failure.setAttribute("role", "alert");
      item.append(failure);
    }
    failure.textContent = fmt(strings.notSent, { reason: frame.detail });
    const old = item.querySelector(".actions");
    if (old) old.remove();
    const actions = el("div", "actions");
    const text = item.querySelector(".body").textContent;
    if (retryable) {
      const retry = actionButton(strings.retry, () => {
        if (frame.code === "unavailable" && client.resend(item.dataset.ref)) {
          item.classList.replace("failed", "pending");
          item.querySelector(".author").textContent = strings.sending;
          failure.remove();
          actions.remove();
        } else {
          item.remove();
          send(text, item.dataset.replyTo ? Number(item.dataset.replyTo) : null, item.dataset.version ? Number(item.dataset.version) : null);
        }
      });
      if (frame.code !== "unavailable") retry.dataset.retryNew = "1";
      retry.disabled = frame.code !== "unavailable" && slowWait() > 0;
      actions.append(retry);
    }
    if (composer) {
      actions.append(actionButton(strings.editFailed, () => {
        client.forget(item.dataset.ref);
        item.remove();
        if (!bodyInput.value.trim()) bodyInput.value = text;
        bodyInput.focus();
      }));
    }
    actions.append(actionButton(strings.dismiss, () => {
      client.forget(item.dataset.ref);
      item.remove();
      if (bodyInput) bodyInput.focus();
    }));
    item.append(actions);
    if (frame.code === "rate_limited" && state.slowSeconds && !state.moderates && !slowWait()) {
      state.nextPostAt = Date.now() + state.slowSeconds * 1000;
      renderComposerState();
    }
  }

  function flash(text) {
    const note = el("li", "system", text);
    note.dataset.seq = Number.MAX_SAFE_INTEGER;
    list.append(note);
    list.scrollTop = list.scrollHeight;
  }

  function renderPresence() {
    presenceEl.replaceChildren();
    for (const [id, user] of present) {
      if (user.handle) knownHandles.add(user.handle.toLowerCase());
      const item = el("li", id === me ? "me" : "");
      item.append(el("span", "name", user.name));
      if (user.handle) item.append(el("span", "handle", "@" + user.handle));
      presenceEl.append(item);
    }
  }

  function renderTyping() {
    const now = Date.now();
    const names = [];
    for (const [id, typer] of typers) {
      if (typer.until < now) typers.delete(id);
      else names.push(typer.name);
    }
    typingEl.textContent = !names.length
      ? ""
      : names.length === 1
        ? fmt(strings.typingOne, { name: names[0] })
        : fmt(strings.typingMany, { names: names.join(", ") });
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
      fmt(strings.replyingTo, { name: event.author.name, text: (event.body || "").slice(0, 80) });
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

  // --- composing -------------------------------------------------------------------------------

  function send(text, reply, version) {
    const ref = client.post(roomId, text, reply, version);
    const pendingItem = el("li", "message mine pending");
    pendingItem.dataset.ref = ref;
    if (reply) pendingItem.dataset.replyTo = reply;
    if (version) pendingItem.dataset.version = version;
    const head = el("div", "message-head");
    head.append(el("strong", "author", client.connected ? strings.sending : strings.waitingToSend));
    pendingItem.append(head, el("div", "body", text));
    outbox.append(pendingItem);
    list.scrollTop = list.scrollHeight;
  }

  // Mentions that match nobody: checked against the community's members before sending.
  const lookups = new Map(); // query -> Promise<[{id, name, handle}]>
  function lookup(q) {
    const key = q.toLowerCase();
    if (!lookups.has(key)) {
      lookups.set(key, fetch(mentionUrl + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : []))
        .catch(() => { lookups.delete(key); return []; }));
    }
    return lookups.get(key);
  }

  let warnedFor = null; // the text the reader was already warned about: a second Enter sends it
  async function unknownMentions(text) {
    const found = [];
    MENTION.lastIndex = 0;
    const handles = new Set();
    let match;
    while ((match = MENTION.exec(text))) handles.add(match[1]);
    for (const handle of handles) {
      const lower = handle.toLowerCase();
      if (lower === "facilitators" || knownHandles.has(lower)) continue;
      const people = await lookup(handle);
      if (people.some((p) => p.handle.toLowerCase() === lower)) {
        knownHandles.add(lower);
      } else {
        found.push({ mention: "@" + handle, suggestions: people.slice(0, 3).map((p) => "@" + p.handle) });
      }
    }
    return found;
  }

  function showMentionHint(unknown) {
    if (!hintEl) return;
    if (!unknown.length) {
      hintEl.hidden = true;
      hintEl.textContent = "";
      return;
    }
    hintEl.textContent = unknown.map((u) => fmt(strings.mentionUnknown, { mention: u.mention })
      + (u.suggestions.length ? " " + fmt(strings.mentionDidYouMean, { handles: u.suggestions.join(", ") }) : "")).join(" ");
    hintEl.hidden = false;
  }

  if (composer) {
    composer.addEventListener("submit", async (e) => {
      e.preventDefault();
      const text = bodyInput.value.trim();
      if (!text || slowWait() > 0) return;
      if (warnedFor !== text) {
        const unknown = await unknownMentions(text);
        showMentionHint(unknown);
        if (unknown.length) {
          warnedFor = text; // said once; sending again goes through
          return;
        }
      }
      warnedFor = null;
      const version = versionSelect && versionSelect.value ? Number(versionSelect.value) : null;
      send(text, replyTo, version);
      bodyInput.value = "";
      showMentionHint([]);
      cancelReply();
      closeSuggestions();
    });
    bodyInput.addEventListener("keydown", (e) => {
      if (!suggestionsEl.hidden && ["ArrowDown", "ArrowUp", "Enter", "Tab", "Escape"].includes(e.key)) {
        suggestionKey(e);
        return;
      }
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        composer.requestSubmit();
      } else if (e.key === "Escape" && replyTo) {
        cancelReply();
      }
    });
    let hintTimer = null;
    bodyInput.addEventListener("input", () => {
      const now = Date.now();
      if (now - lastTypingSent > 2500) {
        lastTypingSent = now;
        client.typing(roomId);
      }
      suggest();
      clearTimeout(hintTimer);
      hintTimer = setTimeout(async () => showMentionHint(await unknownMentions(bodyInput.value)), 700);
    });
    bodyInput.addEventListener("blur", () => setTimeout(closeSuggestions, 150));
    $("cancel-reply").addEventListener("click", cancelReply);
  }

  // @-mention autocomplete: "@da" lists members by name, choosing one inserts "@daan-visser ".
  let suggestionToken = null; // {start, end} of "@query" in the textarea
  let suggestTimer = null;
  function suggest() {
    const caret = bodyInput.selectionStart;
    const before = bodyInput.value.slice(0, caret);
    const match = before.match(/(?:^|[^\w@])@([\w.\-]{0,40})$/u);
    if (!match) { closeSuggestions(); return; }
    const query = match[1];
    suggestionToken = { start: caret - query.length - 1, end: caret };
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(async () => {
      const people = await lookup(query);
      if (!suggestionToken) return;
      const options = people.map((p) => ({ handle: p.handle, name: p.name }));
      if (community && "facilitators".startsWith(query.toLowerCase())) options.push({ handle: "facilitators", name: strings.mentionFacilitators });
      showSuggestions(options);
    }, 120);
  }

  function showSuggestions(options) {
    suggestionsEl.replaceChildren();
    if (!options.length) { closeSuggestions(); return; }
    options.forEach((option, index) => {
      const item = el("li");
      item.id = "mention-option-" + index;
      item.setAttribute("role", "option");
      item.dataset.handle = option.handle;
      item.append(el("strong", "", option.name), el("span", "handle", "@" + option.handle));
      item.addEventListener("mousedown", (e) => { e.preventDefault(); insertMention(option.handle); });
      suggestionsEl.append(item);
    });
    suggestionsEl.hidden = false;
    selectSuggestion(0);
  }

  function selectSuggestion(index) {
    const items = suggestionsEl.querySelectorAll("li");
    items.forEach((item, i) => item.setAttribute("aria-selected", String(i === index)));
    if (items[index]) {
      bodyInput.setAttribute("aria-activedescendant", items[index].id);
      items[index].scrollIntoView({ block: "nearest" });
    }
  }

  function suggestionKey(e) {
    const items = [...suggestionsEl.querySelectorAll("li")];
    const current = items.findIndex((item) => item.getAttribute("aria-selected") === "true");
    e.preventDefault();
    if (e.key === "ArrowDown") selectSuggestion((current + 1) % items.length);
    else if (e.key === "ArrowUp") selectSuggestion((current - 1 + items.length) % items.length);
    else if (e.key === "Escape") closeSuggestions();
    else if (items[current]) insertMention(items[current].dataset.handle);
  }

  function insertMention(handle) {
    if (!suggestionToken) return;
    const value = bodyInput.value;
    const insert = "@" + handle + " ";
    bodyInput.value = value.slice(0, suggestionToken.start) + insert + value.slice(suggestionToken.end);
    const caret = suggestionToken.start + insert.length;
    bodyInput.setSelectionRange(caret, caret);
    knownHandles.add(handle.toLowerCase());
    closeSuggestions();
    bodyInput.focus();
    showMentionHint([]);
  }

  function closeSuggestions() {
    suggestionToken = null;
    if (!suggestionsEl) return;
    suggestionsEl.hidden = true;
    suggestionsEl.replaceChildren();
    bodyInput.removeAttribute("aria-activedescendant");
  }

  // --- history ---------------------------------------------------------------------------------

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
    updateOlder();
  });

  if ($("room-level")) $("room-level").addEventListener("change", (e) => {
    api("PUT", "/api/rooms/" + roomId + "/notification-level", { level: e.target.value });
  });

  renderRoomState();
  if (state.muted) setMute(state.muted);

  // "?at=SEQ" (from search or a link): the history around that event, the message in view.
  const jumpTo = Number(new URLSearchParams(location.search).get("at")) || 0;

  (async function start() {
    const frames = await loadPage(jumpTo ? "?before=" + (jumpTo + 25) + "&limit=50" : "?limit=50");
    for (const frame of frames) applyEvent(frame);
    updateOlder();
    const target = jumpTo && list.querySelector('[data-seq="' + jumpTo + '"]');
    if (target) {
      target.classList.add("found");
      target.tabIndex = -1;
      target.scrollIntoView({ block: "center" });
      target.focus({ preventScroll: true });
    } else {
      list.scrollTop = list.scrollHeight;
    }
    const since = frames.length ? frames[frames.length - 1].seq : 0;
    client.subscribe(roomId, since);
    scheduleRead();
    loadPins();
  })();
})();
