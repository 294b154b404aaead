// The Charts page: one uPlot chart per card, fed by GET /api/charts/{id} with the page's filters.
// uPlot (MIT, vendored in this folder) draws tens of thousands of points on a canvas in a few ms,
// and its cursors are synced across charts, so a spike lines up with its cause on the other charts.
"use strict";
(function () {
  const PALETTE = ["#4aa3ff", "#3fb96b", "#f2994a", "#c77dff", "#2ec4b6", "#e0c341", "#ff77a9", "#8fa3bf",
    "#9be564", "#f0524f"];
  const FIXED = { p50: "#3fb96b", p95: "#f2994a", p99: "#f0524f" };
  const form = document.getElementById("filters");
  const status = document.getElementById("charts-status");
  const charts = {};
  window.dendroCharts = charts; // for the browser test, and for poking at in the console

  // Changing a filter reloads the page, so the address always says what is shown (and can be shared).
  Dendro.autoSubmit(form);
  const isoSeconds = (s) => new Date(s * 1000).toISOString().replace(".000Z", "Z");

  // Drag across a chart: zoom to that span by putting it in the address, so a reload or the next
  // auto-refresh keeps it, and Back undoes it.
  function zoomTo(from, to) {
    const url = new URL(location.href);
    url.searchParams.set("from", isoSeconds(Math.floor(from)));
    url.searchParams.set("to", isoSeconds(Math.ceil(to)));
    location.assign(url);
  }

  // A click on a chart opens the Logs page for that bucket, that series and the chart's meaning.
  function logsLink(id, data, idx, label) {
    const page = new URLSearchParams(location.search);
    const query = new URLSearchParams();
    const t = data.x[idx];
    query.set("from", isoSeconds(t));
    query.set("to", isoSeconds(t + data.bucket));
    const group = page.get("group") || "service";
    for (const key of ["host", "service"]) if (page.get(key)) query.set(key, page.get(key));
    const hostChart = ["cpu", "memory", "load", "disk"].includes(id);
    if (label && (hostChart || (data.grouped && group === "host"))) query.set("host", label.split(":")[0]);
    else if (label && data.grouped && group === "service") query.set("service", label);
    if (id === "errors" || id === "error_ratio") query.set("status", "5xx");
    if (id === "log_lines" && label) query.set("source", label);
    return "/logs?" + query;
  }

  function nearestSeries(u, idx) {
    let best = null, distance = Infinity;
    for (let i = 1; i < u.series.length; i++) {
      const v = u.data[i][idx];
      if (v == null || !u.series[i].show) continue;
      const d = Math.abs(u.valToPos(v, "y") - u.cursor.top);
      if (d < distance) { distance = d; best = u.series[i].label; }
    }
    return best;
  }

  function params() {
    const out = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (value && key !== "refresh") out.append(key, value);
    return out;
  }

  function format(value, unit) {
    if (value == null || Number.isNaN(value)) return "–";
    const abs = Math.abs(value);
    switch (unit) {
      case "%": return value.toFixed(abs < 10 ? 1 : 0) + "%";
      case "ms": return abs >= 1000 ? (value / 1000).toFixed(2) + " s" : value.toFixed(abs < 10 ? 1 : 0) + " ms";
      case "bytes": {
        const units = ["B", "KB", "MB", "GB", "TB", "PB"];
        let v = value, i = 0;
        while (Math.abs(v) >= 1000 && i < units.length - 1) { v /= 1000; i++; }
        return v.toFixed(v < 10 && i ? 1 : 0) + " " + units[i];
      }
      case "req/s": return value.toFixed(abs < 10 ? 2 : 1) + "/s";
      case "count": return Number.isInteger(value) ? value.toLocaleString() : value.toFixed(1);
      default: return abs < 10 ? value.toFixed(2) : value.toFixed(1);
    }
  }

  function options(el, data, id) {
    const unit = data.unit;
    const css = getComputedStyle(document.documentElement);
    const muted = css.getPropertyValue("--muted").trim(), line = css.getPropertyValue("--line").trim();
    const axis = { stroke: muted, grid: { stroke: line, width: 1 }, ticks: { stroke: line, width: 1 } };
    return {
      width: el.clientWidth,
      height: el.clientHeight - 34,
      cursor: { sync: { key: "dendro" }, points: { size: 6 }, drag: { x: true, y: false, setScale: false } },
      scales: { x: { time: true }, y: { range: (u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
      legend: { live: true },
      ...(Dendro.utc() ? { tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC") } : {}),
      hooks: {
        setSelect: [(u) => {
          if (u.select.width < 6) return;
          zoomTo(u.posToVal(u.select.left, "x"), u.posToVal(u.select.left + u.select.width, "x"));
        }],
        // The last bucket still filling: shaded, so a rate that seems to fall off at "now" reads as partial.
        draw: [(u) => {
          const partial = charts[id] ? charts[id].partial : data.partial_from;
          if (partial == null) return;
          const left = u.valToPos(partial, "x", true);
          const { top, height } = u.bbox;
          const right = u.bbox.left + u.bbox.width;
          if (left >= right) return;
          u.ctx.save();
          u.ctx.fillStyle = "rgba(133, 147, 163, 0.16)";
          u.ctx.fillRect(left, top, right - left, height);
          u.ctx.restore();
        }],
      },
      series: [
        { label: Dendro.utc() ? "UTC" : "local", value: (u, v) => (v == null ? "–" : Dendro.formatTime(v * 1000)) },
        ...data.series.map((s, i) => ({
          label: s.label,
          stroke: FIXED[s.label] || PALETTE[i % PALETTE.length],
          width: 1.6,
          points: { show: false },
          value: (u, v) => format(v, unit),
        })),
      ],
      axes: [axis, { ...axis, size: 64, values: (u, ticks) => ticks.map((v) => format(v, unit)) }],
    };
  }

  function drawnPoints(data) {
    let n = 0;
    for (const s of data.series) for (const v of s.values) if (v != null) n++;
    return n;
  }

  function overlay(el, text) {
    let box = el.querySelector(".overlay");
    if (!text) { if (box) box.remove(); return; }
    if (!box) { box = document.createElement("div"); box.className = "overlay"; el.appendChild(box); }
    box.textContent = text;
  }

  async function load(card) {
    const id = card.dataset.chart;
    const el = card.querySelector(".chart");
    const note = card.querySelector(".chart-note");
    let data;
    try {
      const response = await fetch(`/api/charts/${id}?${params()}`);
      data = await response.json();
      if (!response.ok) throw new Error(data.error || response.statusText);
    } catch (error) {
      overlay(el, "Could not load: " + error.message);
      return;
    }
    card.querySelector(".chart-sql").href = "/query?sql=" + encodeURIComponent(data.sql);
    const points = drawnPoints(data);
    el.dataset.series = String(data.series.length);
    el.dataset.points = String(points);
    const hidden = data.hidden_series ? ` · ${data.hidden_series} more series not shown` : "";
    const partial = data.partial_from != null ? " · shaded: last bucket, still filling" : "";
    note.textContent = `one point per ${data.bucket_label} · ${Dendro.tzName()}${partial} · click a point for its log lines · drag to zoom · ${data.elapsed_ms} ms${hidden}`;
    const existing = charts[id];
    if (!points) {
      // Nothing to draw: no empty axes, just say so, and offer the latest data when there is older.
      if (existing) { existing.plot.destroy(); delete charts[id]; }
      overlay(el, "No data in this range");
      if (data.latest) {
        const jump = document.createElement("a");
        const url = new URL(location.href);
        const span = Math.max(data.bucket * 90, 3600);
        url.searchParams.set("from", isoSeconds(data.latest - span));
        url.searchParams.set("to", isoSeconds(data.latest + data.bucket));
        jump.href = url.toString();
        jump.textContent = "jump to the latest data (" + Dendro.formatTime(data.latest * 1000) + ")";
        el.querySelector(".overlay").append(document.createElement("br"), jump);
      }
      return;
    }
    const columns = [data.x, ...data.series.map((s) => s.values)];
    const same = existing && existing.labels === data.series.map((s) => s.label).join("\n");
    data.grouped = card.dataset.grouped === "true";
    if (same) {
      existing.partial = data.partial_from;
      existing.data = data;
      existing.plot.setData(columns);
    } else {
      if (existing) existing.plot.destroy();
      const plot = new uPlot(options(el, data, id), columns, el);
      charts[id] = { plot, labels: data.series.map((s) => s.label).join("\n"), partial: data.partial_from, data };
      plot.over.addEventListener("click", () => {
        const idx = plot.cursor.idx;
        if (idx == null || plot.select.width >= 6) return;
        location.assign(logsLink(id, charts[id].data, idx, nearestSeries(plot, idx)));
      });
    }
    overlay(el, "");
  }

  async function loadAll() {
    const cards = [...document.querySelectorAll(".chart-card")];
    const started = performance.now();
    await Promise.all(cards.map(load));
    status.textContent = `updated ${new Date().toLocaleTimeString()} (${Math.round(performance.now() - started)} ms)`;
    document.body.dataset.chartsLoaded = String(Number(document.body.dataset.chartsLoaded || 0) + 1);
  }

  window.addEventListener("resize", () => {
    for (const id in charts) {
      const el = document.getElementById("chart-" + id);
      charts[id].plot.setSize({ width: el.clientWidth, height: el.clientHeight - 34 });
    }
  });

  loadAll();
  const every = Number(new FormData(form).get("refresh") || 0);
  if (every > 0) setInterval(() => { if (!document.hidden) loadAll(); }, every * 1000);
})();
