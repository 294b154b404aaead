// The Logs page: the histogram, the lines (newest first, "older" by keyset cursor), each line's fields
// and context on click, and the live tail (Server-Sent Events from /api/tail).
// Log lines are hostile text: they only ever reach the page through textContent, never innerHTML.
"use strict";
(function () {
  const TAIL_KEEP = 500; // lines the list keeps while tailing: the page never grows without bound
  const form = document.getElementById("log-filters");
  const list = document.getElementById("log-lines");
  if (!list) return; // the empty state: no log table in this store
  const older = document.getElementById("older");
  const status = document.getElementById("log-status");
  const liveButton = document.getElementById("live");
  const liveStatus = document.getElementById("live-status");
  const resume = document.getElementById("resume");
  const url = new URL(location.href);
  let next = null;
  let source = null; // the EventSource of the live tail
  let buffered = []; // lines that arrived while the user had scrolled away
  window.dendroLogs = { tailed: 0 }; // for the browser test

  const el = (tag, cls, text) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = String(text);
    return node;
  };

  // Changing a filter reloads the page, so the address always says what is shown (and can be shared).
  Dendro.autoSubmit(form);

  function filters() {
    const out = new URLSearchParams();
    for (const [key, value] of url.searchParams) if (value && key !== "cursor" && key !== "live") out.append(key, value);
    return out;
  }

  function levelClass(level) {
    const text = String(level || "").toLowerCase();
    if (/^5|emerg|alert|crit|err|fatal|panic|^f$|^e$/.test(text)) return "lvl-bad";
    if (/^4|warn|^w$/.test(text)) return "lvl-warn";
    if (/^3|notice|^n$/.test(text)) return "lvl-mid";
    return "lvl-ok";
  }

  function fieldsTable(fields) {
    const table = el("table", "fields");
    for (const [key, value] of Object.entries(fields)) {
      const row = el("tr");
      row.append(el("th", null, key), el("td", null, typeof value === "object" ? JSON.stringify(value) : value));
      table.append(row);
    }
    return table;
  }

  function lineItem(line, extra) {
    const item = el("li", "log-line " + (extra || ""));
    item.dataset.id = line.id;
    const head = el("div", "line-head");
    const time = el("time", "line-time", Dendro.formatTime(Date.parse(line.timestamp), true));
    time.dateTime = line.timestamp;
    head.append(
      time,
      el("span", "line-level " + levelClass(line.level), line.level || "–"),
      el("span", "line-host", line.host),
      el("span", "line-source", line.source),
    );
    const text = el("div", "line-text", line.message == null ? "(no text stored)" : line.message);
    item.append(head, text);
    item.addEventListener("click", (event) => {
      if (event.target.closest("a, button, .line-details")) return;
      toggle(item, line);
    });
    return item;
  }

  function toggle(item, line) {
    const open = item.querySelector(":scope > .line-details");
    if (open) { open.remove(); item.classList.remove("open"); return; }
    item.classList.add("open");
    const details = el("div", "line-details");
    details.append(fieldsTable(line.fields || {}));
    const actions = el("div", "line-actions");
    const context = el("button", "link", "Context (lines before and after on " + line.host + ")");
    context.type = "button";
    context.addEventListener("click", () => showContext(details, line));
    const only = el("a", null, "only " + line.host);
    const filtered = filters(); filtered.set("host", line.host); only.href = "/logs?" + filtered;
    actions.append(context, only);
    details.append(actions);
    item.append(details);
  }

  async function showContext(details, line) {
    const old = details.querySelector(".context");
    if (old) old.remove();
    const box = el("ol", "context log-lines");
    details.append(box);
    const query = new URLSearchParams({ id: line.id, host: line.host, n: "10" });
    const response = await fetch("/api/logs/context?" + query);
    const data = await response.json();
    if (!response.ok) { box.append(el("li", "problem", data.error)); return; }
    for (const l of data.before) box.append(lineItem(l, "ctx"));
    if (data.line) box.append(lineItem(data.line, "ctx ctx-self"));
    for (const l of data.after) box.append(lineItem(l, "ctx"));
    if (!data.before.length && !data.after.length) box.append(el("li", "muted small", "no other lines on this host and source"));
  }

  async function loadLines(cursor) {
    const query = filters();
    if (cursor) query.set("cursor", cursor);
    status.textContent = "loading…";
    let data;
    try {
      const response = await fetch("/api/logs?" + query);
      data = await response.json();
      if (!response.ok) throw new Error(data.error || response.statusText);
    } catch (error) {
      status.textContent = "";
      list.append(el("li", "problem", "Could not load lines: " + error.message));
      return;
    }
    for (const line of data.lines) list.append(lineItem(line));
    next = data.next;
    older.hidden = !next;
    const shown = list.querySelectorAll(":scope > li.log-line").length;
    status.textContent = shown ? `${shown} lines, newest first · ${data.elapsed_ms} ms` : "No lines match in this range.";
    document.body.dataset.logsLoaded = String(Number(document.body.dataset.logsLoaded || 0) + 1);
  }

  older.addEventListener("click", () => {
    // The cursor goes into the address (replaceState), so a link or a reload starts at this page.
    url.searchParams.set("cursor", next);
    history.replaceState(null, "", url);
    loadLines(next);
  });

  // --- histogram: one bar per bucket, stacked by level or status class; each bar opens its bucket ---
  async function loadHistogram() {
    const box = document.getElementById("histogram");
    const legend = document.getElementById("hist-legend");
    const response = await fetch("/api/logs/histogram?" + filters());
    const data = await response.json();
    if (!response.ok) { document.getElementById("hist-note").textContent = data.error; return; }
    box.replaceChildren(); legend.replaceChildren();
    const totals = data.x.map((_, i) => data.series.reduce((sum, s) => sum + (s.values[i] || 0), 0));
    const max = Math.max(1, ...totals);
    const colour = (label) => "var(--" + levelClass(label) + ")";
    data.x.forEach((t, i) => {
      const bar = el("a", "hist-bar");
      const bucket = filters();
      bucket.delete("range");
      bucket.set("from", new Date(t * 1000).toISOString().replace(".000Z", "Z"));
      bucket.set("to", new Date((t + data.bucket) * 1000).toISOString().replace(".000Z", "Z"));
      bar.href = "/logs?" + bucket;
      bar.title = `${Dendro.formatTime(t * 1000)} · ${totals[i]} lines` + (t === data.partial_from ? " · still filling" : "");
      if (t === data.partial_from) bar.classList.add("partial");
      for (const s of data.series) {
        const v = s.values[i] || 0;
        if (!v) continue;
        const part = el("span", "hist-part");
        part.style.height = (100 * v / max) + "%";
        part.style.background = colour(s.label);
        bar.append(part);
      }
      box.append(bar);
    });
    for (const s of data.series) {
      const key = el("span", "hist-key", s.label);
      key.style.setProperty("--key", colour(s.label));
      legend.append(key);
    }
    const total = totals.reduce((a, b) => a + b, 0);
    document.getElementById("hist-note").textContent =
      `${total.toLocaleString()} lines · one bar per ${data.bucket_label} · ${Dendro.tzName()}`;
  }

  // --- live tail ---
  function scrolledAway() { return window.scrollY > 80; }

  function addLive(line) {
    list.prepend(lineItem(line, "live-new"));
    while (list.children.length > TAIL_KEEP) list.lastElementChild.remove();
    window.dendroLogs.tailed++;
    document.body.dataset.tailed = String(window.dendroLogs.tailed);
  }

  function onLine(event) {
    const line = JSON.parse(event.data);
    if (scrolledAway()) {
      buffered.push(line);
      if (buffered.length > TAIL_KEEP) buffered = buffered.slice(-TAIL_KEEP);
      resume.hidden = false;
      resume.textContent = `Paused while you scroll: ${buffered.length} new lines · resume`;
      return;
    }
    addLive(line);
  }

  function startLive() {
    source = new EventSource("/api/tail?" + filters());
    source.addEventListener("info", (event) => {
      const info = JSON.parse(event.data);
      liveStatus.hidden = false;
      liveStatus.textContent = info.mode === "push"
        ? `live: new lines stream in as they are stored (checked every ${info.every_s} s)`
        : `live: polled every ${info.every_s} s; ${info.note}`;
      document.body.dataset.tail = "open";
    });
    source.addEventListener("line", onLine);
    source.addEventListener("problem", (event) => { liveStatus.textContent = "live: " + JSON.parse(event.data).error; });
    liveButton.setAttribute("aria-pressed", "true");
    liveButton.textContent = "Stop live tail";
    url.searchParams.set("live", "1");
    history.replaceState(null, "", url);
  }

  function stopLive() {
    if (source) source.close();
    source = null;
    liveButton.setAttribute("aria-pressed", "false");
    liveButton.textContent = "Live tail";
    liveStatus.hidden = true;
    url.searchParams.delete("live");
    history.replaceState(null, "", url);
  }

  liveButton.addEventListener("click", () => (source ? stopLive() : startLive()));
  resume.addEventListener("click", () => {
    window.scrollTo(0, 0);
    for (const line of buffered) addLive(line);
    buffered = [];
    resume.hidden = true;
  });
  window.addEventListener("scroll", () => { if (!scrolledAway() && buffered.length) resume.click(); });

  loadHistogram();
  loadLines(url.searchParams.get("cursor"));
  if (url.searchParams.get("live") === "1") startLive();
})();
