/* Kring WebSocket client: one socket, many rooms, nothing lost across reconnects.
 *
 * - Reconnects with backoff and re-subscribes every room with `since` = the last seq it has,
 *   so the server replays exactly what was missed.
 * - Posts carry a `ref`; unacknowledged posts are re-sent after a reconnect with the same ref,
 *   and the server stores each (author, ref) once.
 * - Events are delivered to the page in seq order, each once; a `gap` frame is filled over HTTP.
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
      this.onEvent = options.onEvent || function () {};
      this.onFrame = options.onFrame || function () {};
      this.onStatus = options.onStatus || function () {};
      this.rooms = new Map(); // roomId -> last seq delivered to the page
      this.pending = new Map(); // ref -> frame awaiting its ack
      this.socket = null;
      this.attempt = 0;
      this.closedByUser = false;
      this.pingTimer = null;
    }

    connect() {
      this.closedByUser = false;
      this.onStatus(this.attempt ? "reconnecting" : "connecting");
      const socket = new WebSocket(this.url);
      this.socket = socket;
      socket.onopen = () => {
        this.attempt = 0;
        this.onStatus("connected");
        for (const [room, seq] of this.rooms) this._send({ type: "subscribe", room: room, since: seq });
        for (const frame of this.pending.values()) this._send(frame);
        this._startPing();
      };
      socket.onmessage = (message) => this._receive(JSON.parse(message.data));
      socket.onclose = () => {
        this._stopPing();
        if (this.socket !== socket || this.closedByUser) return;
        this.onStatus("reconnecting");
        const delay = Math.min(10000, 500 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
        this.attempt += 1;
        setTimeout(() => this.connect(), delay);
      };
    }

    close() {
      this.closedByUser = true;
      if (this.socket) this.socket.close();
    }

    subscribe(room, since) {
      this.rooms.set(room, since);
      this._send({ type: "subscribe", room: room, since: since });
    }

    post(room, body, replyTo) {
      const frame = { type: "post", room: room, body: body, ref: newRef() };
      if (replyTo) frame.reply_to = replyTo;
      this.pending.set(frame.ref, frame);
      this._send(frame);
      return frame.ref;
    }

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
      this.pingTimer = setInterval(() => this._send({ type: "ping" }), 25000);
    }

    _stopPing() {
      if (this.pingTimer) clearInterval(this.pingTimer);
      this.pingTimer = null;
    }

    _receive(frame) {
      if (frame.type === "event") {
        const last = this.rooms.get(frame.room);
        if (last === undefined || frame.seq <= last) return; // not ours, or already seen
        this.rooms.set(frame.room, frame.seq);
        this.onEvent(frame);
        return;
      }
      if (frame.type === "subscribed") {
        const last = this.rooms.get(frame.room);
        if (last === null || last === undefined) this.rooms.set(frame.room, frame.seq);
      } else if (frame.type === "ack" || (frame.type === "error" && frame.ref)) {
        const retryable = frame.type === "error" && frame.code === "unavailable";
        if (!retryable) this.pending.delete(frame.ref);
      } else if (frame.type === "gap") {
        this._fillGap(frame.room, frame.from, frame.to);
      } else if (frame.type === "removed") {
        for (const room of frame.rooms) this.rooms.delete(room);
      }
      this.onFrame(frame);
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
          this.onEvent(frame, { backfill: true });
          after = frame.seq;
        }
      }
    }
  }

  global.KringClient = KringClient;
})(window);
