// Shared by every page: "12 s ago" for each [data-ms] timestamp (the exact UTC time stays in the tooltip).
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
};
Dendro.relativeTimes();
