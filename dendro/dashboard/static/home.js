// The home page re-renders its body on the server every few seconds and swaps it in, so the page
// needs no client-side templates and stays the same HTML with or without JavaScript.
"use strict";
(function () {
  const body = document.getElementById("home-body");
  const every = Number(body.dataset.refresh || 15) * 1000;
  async function refresh() {
    try {
      const response = await fetch("/partials/home", { headers: { Accept: "text/html" } });
      if (response.ok) {
        body.innerHTML = await response.text();
        Dendro.relativeTimes(body);
      }
    } catch (e) { /* the server restarts or the network blips: keep the last view, try again */ }
    setTimeout(refresh, every);
  }
  setTimeout(refresh, every);
})();
