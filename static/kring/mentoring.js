// Mentoring pages, live: a pair's page follows its status and acceptances, and shows the
// link to the pair's room the moment both leads accepted; a hub's mentoring page updates
// the status of its pairs. Frames are not stored, so after a reconnect the pair's page asks
// the API for the state it may have missed.
(function (global) {
  "use strict";
  const page = document.querySelector("[data-pairing-page]");
  const hub = document.querySelector("[data-live-mentoring]");
  if (!global.kring || (!page && !hub)) return;

  function statusLabel(holder, status) {
    return holder.dataset["status" + status.charAt(0).toUpperCase() + status.slice(1)] || status;
  }

  function applyToPage(state) {
    const status = document.getElementById("pair-status");
    if (status && status.dataset.status !== state.status) {
      status.dataset.status = state.status;
      status.textContent = statusLabel(page, state.status);
    }
    for (const side of ["mentor", "mentee"]) {
      const mark = page.querySelector('[data-accepted-side="' + side + '"]');
      if (mark) mark.textContent = state[side + "_accepted"] ? page.dataset.accepted : page.dataset.waiting;
    }
    const proposedOnly = page.querySelector("[data-proposed-only]");
    if (proposedOnly) proposedOnly.hidden = state.status !== "proposed";
    const live = document.getElementById("pair-live");
    if (state.room && page.dataset.inPair === "1" && live && !document.getElementById("pair-room-link")) {
      const link = document.createElement("a");
      link.id = "pair-room-link";
      link.className = "button";
      link.href = state.url + "room/";
      link.textContent = page.dataset.roomOpened;
      live.replaceChildren(link);
      live.hidden = false;
    }
  }

  global.kring.on("frame", (frame) => {
    if (frame.type !== "mentoring") return;
    if (page && Number(page.dataset.pairingPage) === frame.pairing) applyToPage(frame);
    if (hub) {
      const item = hub.parentElement.querySelector('[data-pairing="' + frame.pairing + '"] [data-status]');
      if (item) item.textContent = statusLabel(hub, frame.status);
    }
  });

  let wasConnected = false;
  global.kring.on("status", (status) => {
    if (status !== "connected") return;
    if (wasConnected && page) {
      fetch(page.dataset.api, { credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : null))
        .then((body) => { if (body) applyToPage(body.pairing); })
        .catch(() => {});
    }
    wasConnected = true;
  });
})(window);
