/* A material's page: "used it in class" and "useful" without reloading the page, and the
 * counts kept current while it is open (others' reactions: every 15 s while visible). */
(function () {
  "use strict";
  const box = document.getElementById("reactions");
  if (!box) return;
  const url = box.dataset.url;

  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function show(reactions) {
    for (const form of box.querySelectorAll(".reaction-form")) {
      const button = form.querySelector("button[data-reaction]");
      const kind = button.dataset.reaction;
      const mine = reactions.mine.includes(kind);
      button.querySelector(".count").textContent = reactions.counts[kind] || 0;
      button.setAttribute("aria-pressed", String(mine));
      button.classList.toggle("secondary", !mine);
      form.querySelector("input[name=on]").value = mine ? "0" : "1";
    }
  }

  box.addEventListener("submit", async (e) => {
    const form = e.target.closest(".reaction-form");
    if (!form) return;
    e.preventDefault();
    const kind = form.querySelector("input[name=reaction]").value;
    const on = form.querySelector("input[name=on]").value === "1";
    const response = await fetch(url + "/" + kind, {
      method: on ? "PUT" : "DELETE",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
    });
    if (response.ok) show(await response.json());
    else form.submit(); // let the page say what went wrong
  });

  async function refresh() {
    if (document.hidden) return;
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (response.ok) show(await response.json());
    } catch (error) {
      // offline: try again next round
    }
  }
  setInterval(refresh, (window.KRING_CLIENT_OPTIONS || {}).reactionsInterval || 15000);
  document.addEventListener("visibilitychange", refresh);
  window.kringRefreshReactions = refresh;
})();
