// Shared by every page: "12 s ago" for each [data-ms] timestamp (the exact UTC time stays in the
// tooltip), and one time-zone rule for every page: UTC unless the user switches to local time (the
// choice is kept in this browser), always with a visible label.
"use strict";
window.Dendro = {
  ago(ms) {
    const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
    if (s < 90) return s + " s ago";
    if (s < 5400) return Math.round(s / 60) + " min ago";
    if (s < 129600) return Math.round(s / 3600) + " h ago";
    return Math.round(s / 86400) + " days ago";
  },
  relativeTimes(root) {
    for (const el of (root || document).querySelectorAll("[data-ms]")) {
      const ms = Number(el.dataset.ms);
      if (ms) { el.title = el.title || el.textContent; el.textContent = Dendro.ago(ms); }
    }
  },
  // Filters apply at once: a select submits its form (a preset range clears from/to), and empty
  // fields stay out of the address, so it stays short and says only what was chosen.
  autoSubmit(form) {
    for (const select of form.querySelectorAll("select")) {
      select.addEventListener("change", () => {
        if (select.name === "range") { form.elements.from.value = ""; form.elements.to.value = ""; }
        form.requestSubmit();
      });
    }
    form.addEventListener("submit", () => {
      for (const field of form.elements) if (field.name && !field.value) field.disabled = true;
    });
  },
  utc() { return localStorage.getItem("dendro.tz") !== "local"; },
  tzName() { return Dendro.utc() ? "UTC" : "local time (" + Intl.DateTimeFormat().resolvedOptions().timeZone + ")"; },
  // "2026-12-02 14:05:09" in the chosen zone; with `millis`, ".123" too.
  formatTime(ms, millis) {
    const d = new Date(ms);
    const utc = Dendro.utc();
    const pad = (n, w) => String(n).padStart(w || 2, "0");
    const parts = utc
      ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()]
      : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds()];
    const text = `${parts[0]}-${pad(parts[1])}-${pad(parts[2])} ${pad(parts[3])}:${pad(parts[4])}:${pad(parts[5])}`;
    return millis ? text + "." + pad(parts[6], 3) : text;
  },
};
Dendro.relativeTimes();
(function () {
  for (const label of document.querySelectorAll(".tz-label")) label.textContent = Dendro.utc() ? "UTC" : "local";
  const button = document.getElementById("tz-switch");
  if (!button) return;
  button.textContent = Dendro.utc() ? "UTC" : "local";
  button.title = "times are shown in " + Dendro.tzName() + "; click to switch";
  button.addEventListener("click", () => {
    localStorage.setItem("dendro.tz", Dendro.utc() ? "local" : "utc");
    location.reload();
  });
})();
