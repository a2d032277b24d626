/* A community's page: a request waiting for a facilitator turns into "welcome" (or "declined")
 * the moment they decide, from the `membership` frame on the page's socket. */
(function () {
  "use strict";
  const root = document.getElementById("community");
  const state = document.getElementById("join-state");
  if (!root || !state || !window.kring) return;
  window.kring.on("frame", (frame) => {
    if (frame.type !== "membership" || frame.community !== root.dataset.community) return;
    // The decision, in the facilitator's words; then the page as it now is for this reader.
    state.replaceChildren();
    const note = document.createElement("p");
    note.className = "notice " + (frame.state === "active" ? "notice-ok" : "notice-info");
    const said = frame.state === "active" ? state.dataset.approved
      : frame.state === "left" ? state.dataset.declined : state.dataset.changed;
    note.textContent = said;
    state.append(note);
    if (frame.message) {
      const quote = document.createElement("blockquote");
      quote.textContent = frame.message;
      state.append(quote);
    }
    setTimeout(() => location.reload(), 2500);
  });
})();
