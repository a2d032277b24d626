// Tell the facilitator, live, that something new needs a look (reports, requests, actions).
  (function () {
    const root = document.getElementById("dashboard");
    const notice = document.getElementById("live-activity");
    window.kring.on("frame", (frame) => {
      if (["audit", "report", "join_request"].includes(frame.type) && frame.community === root.dataset.community) {
        notice.hidden = false;
      }
    });
  })();
