/* Kring WebSocket client: one socket, many rooms, nothing lost across reconnects.
 *
 * - Reconnects with backoff and re-subscribes every room with `since` = the last seq it has,
 *   so the server replays exactly what was missed.
 * - Posts carry a `ref`; unacknowledged posts are re-sent after a reconnect with the same ref,
 *   and the server stores each (author, ref) once.
 * - Events are delivered to the page in seq order, each once; a `gap` frame is filled over HTTP.
 * - A socket that stops answering (a dead network does not close it) is noticed by the
 *   client's own ping timeout: status "offline", then reconnect. The browser's own
 *   offline/online events are heeded too.
 * Status events: "connecting", "connected", "reconnecting", "offline", "signed_out".
 * No dependencies; see docs/protocol.md for the frames.
 */
(function (global) {
  "use strict";

  function newRef() {
    if (global.crypto && global.crypto.randomUUID) return global.crypto.randomUUID();
    return "r" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  class KringClient {
    constructor(options) {
      this.url = options.url;
      this.historyUrl = options.historyUrl; // function(roomId) -> URL of /api/rooms/{id}/events
      this.listeners = { event: [], frame: [], status: [], notification: [] };
      this.rooms = new Map(); // roomId -> last seq delivered to the page
      this.pending = new Map(); // ref -> frame awaiting its ack
      // Last notification seq seen; after a reconnect the server sends what came after it.
      this.notificationSeq = options.notificationSeq === undefined ? null : options.notificationSeq;
      // The largest frame the server takes (bytes); a bigger post could never be sent.
      this.maxFrameBytes = options.maxFrameBytes || 0;
      this.lastSentPost = null;
      this.socket = null;
      this.attempt = 0;
      this.closedByUser = false;
      this.pingTimer = null;
      this.deadline = null; // timer: no frame since our ping within pingTimeout = dead socket
      this.reconnectTimer = null;
      this.pingInterval = options.pingInterval || 25000;
      this.pingTimeout = options.pingTimeout || 10000;
      this.maxDelay = options.maxDelay || 10000;
      this.status = "connecting";
    }

    on(kind, listener) {
      this.listeners[kind].push(listener);
      return this;
    }

    _emit(kind, ...args) {
      if (kind === "status") this.status = args[0];
      for (const listener of this.listeners[kind]) listener(...args);
    }

    connect() {
      this.closedByUser = false;
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
      if (this.attempt === 0) this._emit("status", "connecting");
      const socket = new WebSocket(this.url);
      this.socket = socket;
      socket.onopen = () => {
        this.attempt = 0;
        this._emit("status", "connected");
        for (const [room, seq] of this.rooms) this._send({ type: "subscribe", room: room, since: seq });
        if (this.notificationSeq !== null) {
          this._send({ type: "notifications", since: this.notificationSeq });
        }
        for (const frame of this.pending.values()) this._send(frame);
        this._startPing();
      };
      socket.onmessage = (message) => {
        if (this.socket !== socket) return;
        this._alive();
        this._receive(JSON.parse(message.data));
      };
      socket.onclose = (event) => {
        if (event.code === 1009) this._refuseTooLarge(this.lastSentPost);
        if (this.socket !== socket || this.closedByUser) return;
        this._lost(this.attempt >= 2 || !navigator.onLine ? "offline" : "reconnecting");
      };
    }

    // The socket is gone (closed, or silent past the ping timeout): forget it, tell the page,
    // and try again with exponential backoff and jitter.
    _lost(status) {
      this._stopPing();
      const socket = this.socket;
      this.socket = null;
      if (socket) {
        socket.onopen = socket.onmessage = socket.onclose = null;
        try { socket.close(); } catch (error) { /* already closing */ }
      }
      this._emit("status", status);
      if (this.closedByUser || this.reconnectTimer) return;
      const delay = Math.min(this.maxDelay, 500 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
      this.attempt += 1;
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        this.connect();
      }, delay);
    }

    // The browser says the network is back: try now rather than at the end of a backoff (a
    // socket that lived through the outage is replaced too: resuming loses nothing).
    _online() {
      if (this.closedByUser || this.status === "connected") return;
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
      this.attempt = 0;
      if (this.socket) this._lost("reconnecting");
      else this.connect();
    }

    close() {
      this.closedByUser = true;
      this._stopPing();
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
      if (this.socket) this.socket.close();
    }

    subscribe(room, since) {
      this.rooms.set(room, since);
      this._send({ type: "subscribe", room: room, since: since });
    }

    post(room, body, replyTo, version) {
      const frame = { type: "post", room: room, body: body, ref: newRef() };
      if (replyTo) frame.reply_to = replyTo;
      if (version) frame.version = version;
      const size = new TextEncoder().encode(JSON.stringify(frame)).length;
      if (this.maxFrameBytes && size > this.maxFrameBytes) {
        // Never sent, so never re-sent after a reconnect: refused here, once.
        setTimeout(() => this._refuseTooLarge(frame), 0);
        return frame.ref;
      }
      this.pending.set(frame.ref, frame);
      this.lastSentPost = frame;
      this._send(frame);
      return frame.ref;
    }

    _refuseTooLarge(frame) {
      // The server closed the socket over a frame too large (1009): the post that caused it
      // is dropped, not re-sent into the same close after reconnecting.
      if (!frame) return;
      this.pending.delete(frame.ref);
      if (this.lastSentPost === frame) this.lastSentPost = null;
      this._receive({ type: "error", code: "too_large", ref: frame.ref,
        detail: "This message is too long to send." });
    }

    // Send an unacknowledged post again, with its own ref (the server stores it once).
    resend(ref) {
      const frame = this.pending.get(ref);
      if (frame) this._send(frame);
      return Boolean(frame);
    }

    // Give up on a post: it will not be re-sent after a reconnect.
    forget(ref) { this.pending.delete(ref); }

    get connected() { return Boolean(this.socket && this.socket.readyState === WebSocket.OPEN); }

    edit(message, body) { return this._request({ type: "edit", message: message, body: body }); }
    remove(message) { return this._request({ type: "delete", message: message }); }
    typing(room) { this._send({ type: "typing", room: room }); }
    read(room, seq) { this._send({ type: "read", room: room, seq: seq }); }

    _request(frame) {
      frame.ref = newRef();
      this._send(frame);
      return frame.ref;
    }

    _send(frame) {
      if (this.socket && this.socket.readyState === WebSocket.OPEN) {
        this.socket.send(JSON.stringify(frame));
      }
    }

    _startPing() {
      this._stopPing();
      this.pingTimer = setInterval(() => {
        this._send({ type: "ping" });
        if (!this.deadline) {
          this.deadline = setTimeout(() => { this.deadline = null; this._lost("offline"); }, this.pingTimeout);
        }
      }, this.pingInterval);
    }

    // Any frame proves the socket alive.
    _alive() {
      if (this.deadline) clearTimeout(this.deadline);
      this.deadline = null;
    }

    _stopPing() {
      if (this.pingTimer) clearInterval(this.pingTimer);
      this.pingTimer = null;
      this._alive();
    }

    _receive(frame) {
      if (frame.type === "event") {
        const last = this.rooms.get(frame.room);
        if (last === undefined || frame.seq <= last) return; // not ours, or already seen
        this.rooms.set(frame.room, frame.seq);
        this._emit("event", frame);
        return;
      }
      if (frame.type === "notification") {
        if (this.notificationSeq !== null && frame.seq <= this.notificationSeq) return;
        this.notificationSeq = frame.seq;
        this._emit("notification", frame);
        return;
      }
      if (frame.type === "subscribed") {
        const last = this.rooms.get(frame.room);
        if (last === null || last === undefined) this.rooms.set(frame.room, frame.seq);
      } else if (frame.type === "ack" || (frame.type === "error" && frame.ref)) {
        const retryable = frame.type === "error" && frame.code === "unavailable";
        if (!retryable) this.pending.delete(frame.ref);
        if (this.lastSentPost && this.lastSentPost.ref === frame.ref) this.lastSentPost = null;
      } else if (frame.type === "gap") {
        this._fillGap(frame.room, frame.from, frame.to);
      } else if (frame.type === "removed") {
        for (const room of frame.rooms) this.rooms.delete(room);
      } else if (frame.type === "resume" && frame.reason === "session_ended") {
        // Signed out (here or elsewhere): reconnecting would be refused; stop and say so.
        this.closedByUser = true;
        this._emit("status", "signed_out");
      }

      this._emit("frame", frame);
    }

    async _fillGap(room, from, to) {
      // Older events the server would not replay: page them over HTTP, oldest first.
      let after = from - 1;
      while (after < to) {
        const response = await fetch(this.historyUrl(room) + "?after=" + after + "&limit=200", {
          credentials: "same-origin",
        });
        if (!response.ok) return;
        const frames = await response.json();
        if (!frames.length) return;
        for (const frame of frames) {
          if (frame.seq > to) return;
          this._emit("event", frame, { backfill: true });
          after = frame.seq;
        }
      }
    }
  }

  global.KringClient = KringClient;

  // One socket per page: every page of a signed-in teacher gets `window.kring`, which keeps
  // the notification badge live; the room page subscribes its room on the same socket.
  const body = document.body;
  if (body && body.dataset.user) {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    // KRING_CLIENT_OPTIONS lets an embedding page (or a test) tune timings before load.
    global.kring = new KringClient(Object.assign({
      url: scheme + location.host + "/ws/",
      historyUrl: (room) => "/api/rooms/" + room + "/events",
      notificationSeq: Number(body.dataset.notificationSeq || 0),
      maxFrameBytes: Number(body.dataset.maxFrameBytes || 0),
    }, global.KRING_CLIENT_OPTIONS || {}));
    global.addEventListener("offline", () => {
      if (global.kring.status === "connected") global.kring._emit("status", "offline");
    });
    global.addEventListener("online", () => global.kring._online());
    const badge = document.getElementById("notification-badge");
    global.kring.on("notification", (frame) => {
      if (badge) {
        badge.textContent = frame.unread;
        badge.hidden = frame.unread === 0;
      }
    });
    global.kring.on("frame", (frame) => {
      if (frame.type === "notifications_synced" && badge) {
        badge.textContent = frame.unread;
        badge.hidden = frame.unread === 0;
      }
    });
    // Pages connect once their own listeners are attached (see the end of the page).
    document.addEventListener("DOMContentLoaded", () => global.kring.connect());
  }
})(window);
