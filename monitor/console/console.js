// The console refreshes its live part every two seconds: it asks the page
// for its server-drawn fragment (tables and charts) and swaps it in. Without
// JavaScript the page is the same, refreshed by hand.
(function () {
  "use strict";
  const every = 2000;
  async function refresh() {
    try {
      const url = new URL(window.location.href);
      url.searchParams.set("fragment", "1");
      const resp = await fetch(url, { cache: "no-store", credentials: "same-origin" });
      if (resp.ok) {
        const html = await resp.text();
        const doc = new DOMParser().parseFromString(html, "text/html");
        const fresh = doc.getElementById("live");
        const old = document.getElementById("live");
        if (fresh && old) {
          old.replaceWith(document.importNode(fresh, true));
          const t = document.querySelector("header time");
          if (t) t.textContent = fresh.dataset.time;
        }
      }
    } catch (e) {
      // The gateway may be restarting: try again at the next tick.
    }
    setTimeout(refresh, every);
  }
  setTimeout(refresh, every);
})();
