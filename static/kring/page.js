/* Small page behaviours, without inline script (the Content Security Policy allows none).
 * - the menu button of the top bar (phones);
 * - select[data-autosubmit] submits its form;
 * - [data-confirm] on a button or form asks before submitting (Remove, Ban, Delete...);
 * - time[data-format] shows an ISO time in the reader's own zone and language
 *   ("datetime", "date", "relative"), with Intl; the server's text stays as a fallback;
 * - details.menu closes on Escape and on a click elsewhere;
 * - the browser's time zone fills input[data-browser-zone] (sign-up), and is saved once for
 *   a signed-in teacher who has none yet (body[data-zone-unset]).
 */
(function () {
  "use strict";
  const root = document.documentElement;
  root.classList.remove("no-js");
  const lang = root.lang || undefined;

  const browserZone = (Intl.DateTimeFormat().resolvedOptions() || {}).timeZone || "";
  for (const input of document.querySelectorAll("input[data-browser-zone]")) {
    if (!input.value) input.value = browserZone;
  }
  const csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]*)/) || [])[1];
  if (document.body && document.body.hasAttribute("data-zone-unset") && browserZone && csrf) {
    fetch("/api/me", {
      method: "PATCH",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": decodeURIComponent(csrf) },
      body: JSON.stringify({ timezone: browserZone }),
    }).catch(() => { /* the default zone stays; the profile page sets it too */ });
  }

  const topbar = document.getElementById("topbar");
  const toggle = document.getElementById("menu-toggle");
  if (topbar && toggle) {
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      topbar.toggleAttribute("data-open", open);
    });
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && topbar.hasAttribute("data-open")) {
        topbar.removeAttribute("data-open");
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
      }
    });
  }

  // Mark where we are in the navigation.
  for (const link of document.querySelectorAll(".site-nav a[href]")) {
    const path = new URL(link.href).pathname;
    const extra = link.dataset.nav;
    const here = location.pathname;
    const match = extra === "exact" ? here === path
      : here.startsWith(path) || (extra && here.startsWith(extra));
    if (match) link.setAttribute("aria-current", "page");
  }

  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }

  // Confirmation before destructive actions. The button's own text says what it does.
  document.addEventListener("submit", (e) => {
    const button = e.submitter;
    const question = (button && button.dataset.confirm) || e.target.dataset.confirm;
    if (question && !window.confirm(question)) e.preventDefault();
  }, true);

  function formatTimes(scope) {
    const relative = typeof Intl.RelativeTimeFormat === "function"
      ? new Intl.RelativeTimeFormat(lang, { numeric: "auto" }) : null;
    const formats = {
      datetime: new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" }),
      date: new Intl.DateTimeFormat(lang, { dateStyle: "medium" }),
      time: new Intl.DateTimeFormat(lang, { timeStyle: "short" }),
    };
    for (const node of scope.querySelectorAll("time[data-format]")) {
      const date = new Date(node.getAttribute("datetime"));
      if (Number.isNaN(date.getTime())) continue;
      const kind = node.dataset.format;
      if (kind === "relative" && relative) {
        node.textContent = relativeText(relative, date);
        node.title = formats.datetime.format(date);
      } else if (formats[kind]) {
        node.textContent = formats[kind].format(date);
      }
    }
  }

  function relativeText(format, date) {
    const seconds = (date.getTime() - Date.now()) / 1000;
    const steps = [[60, "second"], [3600, "minute"], [86400, "hour"], [604800, "day"], [2629800, "week"], [31557600, "month"]];
    if (Math.abs(seconds) < 45) return format.format(0, "second");
    let unit = "year";
    let size = 31557600;
    for (let i = 0; i < steps.length; i++) {
      if (Math.abs(seconds) < steps[i][0]) {
        unit = steps[i][1];
        size = i === 0 ? 1 : steps[i - 1][0];
        break;
      }
    }
    return format.format(Math.round(seconds / size), unit);
  }
  formatTimes(document);
  window.kringFormatTimes = formatTimes;

  // One open actions menu at a time; Escape closes it and returns focus to its button.
  document.addEventListener("click", (e) => {
    for (const menu of document.querySelectorAll("details.menu[open]")) {
      if (!menu.contains(e.target)) menu.open = false;
    }
  });
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    const menu = document.activeElement && document.activeElement.closest("details.menu[open]");
    if (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
})();
