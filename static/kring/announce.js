/* The announcement composer on the facilitator dashboard: "Preview" shows the Markdown as
 * members will see it (rendered and sanitised by the server, nothing stored). Texts come
 * from the page's data attributes. Without script the form still sends. */
(function () {
  "use strict";
  const root = document.getElementById("announce");
  if (!root) return;
  const button = document.getElementById("announce-preview");
  const body = document.getElementById("announce-body");
  const box = document.getElementById("announce-preview-box");
  const csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]*)/) || [])[1];
  button.hidden = false;

  function say(text) {
    box.replaceChildren();
    const note = document.createElement("p");
    note.className = "meta";
    note.textContent = text;
    box.append(note);
    box.hidden = false;
  }

  button.addEventListener("click", async () => {
    if (!body.value.trim()) return say(root.dataset.previewEmpty);
    try {
      const response = await fetch(root.dataset.previewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": decodeURIComponent(csrf || "") },
        body: JSON.stringify({ body: body.value }),
      });
      if (!response.ok) return say(root.dataset.previewFailed);
      const answer = await response.json();
      // Rendered from Markdown and sanitised (nh3) on the server: safe to insert.
      box.innerHTML = answer.html;
      box.hidden = false;
    } catch (error) {
      say(root.dataset.previewFailed);
    }
  });
  body.addEventListener("input", () => { box.hidden = true; });
})();
