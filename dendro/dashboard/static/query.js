// The Query page: run SQL through POST /api/query, show the rows a page at a time, export through
// POST /api/export (a form post, so the browser downloads the file as it would any attachment).
"use strict";
(function () {
  const PAGE = 50;
  const textarea = document.getElementById("sql");
  const refresh = SqlHighlight.attach(textarea, document.getElementById("sql-highlight"));
  const errorBox = document.getElementById("query-error");
  const results = document.getElementById("results");
  const table = document.getElementById("result-table");
  const summary = document.getElementById("result-summary");
  const runButton = document.getElementById("run");
  let result = null, page = 0;

  function cell(value) {
    const td = document.createElement("td");
    if (value === null) { td.textContent = "NULL"; td.className = "null"; }
    else if (typeof value === "number") { td.textContent = String(value); td.className = "num"; }
    else if (typeof value === "object") td.textContent = JSON.stringify(value);
    else td.textContent = String(value);
    td.title = td.textContent;
    return td;
  }

  function render() {
    const head = document.createElement("tr");
    for (const name of result.columns) { const th = document.createElement("th"); th.textContent = name; head.appendChild(th); }
    table.tHead.replaceChildren(head);
    const rows = result.rows.slice(page * PAGE, (page + 1) * PAGE).map((row) => {
      const tr = document.createElement("tr");
      for (const value of row) tr.appendChild(cell(value));
      return tr;
    });
    table.tBodies[0].replaceChildren(...rows);
    const pages = Math.max(1, Math.ceil(result.rows.length / PAGE));
    document.getElementById("page-label").textContent = `page ${page + 1} of ${pages}`;
    document.getElementById("prev").disabled = page === 0;
    document.getElementById("next").disabled = page >= pages - 1;
  }

  async function run() {
    const sql = textarea.value;
    runButton.disabled = true;
    errorBox.hidden = true;
    try {
      const response = await fetch("/api/query", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ sql }),
      });
      const data = await response.json();
      if (!response.ok) throw new Error(data.error || response.statusText);
      result = data; page = 0;
      const n = data.rows.length;
      const cap = Number(results.dataset.maxRows).toLocaleString();
      summary.textContent = `${n.toLocaleString()} row${n === 1 ? "" : "s"} in ${data.elapsed_ms} ms` +
        (data.truncated ? ` · ${data.note || `only the first ${cap} rows are shown`}; export (CSV/JSON) takes up to 1,000,000 rows` : "");
      results.hidden = false;
      render();
      history.replaceState(null, "", "/query?sql=" + encodeURIComponent(sql));
      remember(sql);
    } catch (error) {
      errorBox.textContent = error.message;
      errorBox.hidden = false;
      results.hidden = true;
    } finally {
      runButton.disabled = false;
    }
  }

  // --- history and saved queries: kept in this browser (localStorage); a saved query's link shares it ---
  const HISTORY = "dendro.query.history", SAVED = "dendro.query.saved", KEEP = 30;
  const load = (key) => { try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; } };
  const store = (key, value) => localStorage.setItem(key, JSON.stringify(value));

  function item(text, sql, onRemove) {
    const li = document.createElement("li");
    const use = document.createElement("button");
    use.type = "button"; use.className = "link"; use.textContent = text; use.title = sql;
    use.addEventListener("click", () => { textarea.value = sql; refresh(); run(); });
    li.append(use);
    if (onRemove) {
      const link = document.createElement("a");
      link.href = "/query?sql=" + encodeURIComponent(sql); link.textContent = "link"; link.className = "small";
      const remove = document.createElement("button");
      remove.type = "button"; remove.className = "link small"; remove.textContent = "remove";
      remove.addEventListener("click", onRemove);
      li.append(" ", link, " ", remove);
    }
    return li;
  }

  function showLists() {
    const saved = load(SAVED), past = load(HISTORY);
    const savedList = document.getElementById("saved"), historyList = document.getElementById("history");
    if (saved.length) savedList.replaceChildren(...saved.map((q, i) => item(q.name, q.sql, () => {
      const all = load(SAVED); all.splice(i, 1); store(SAVED, all); showLists();
    })));
    if (past.length) historyList.replaceChildren(...past.map((sql) => item(sql.replace(/\s+/g, " ").slice(0, 70), sql)));
  }

  function remember(sql) {
    const past = load(HISTORY).filter((q) => q !== sql);
    past.unshift(sql);
    store(HISTORY, past.slice(0, KEEP));
    showLists();
  }

  document.getElementById("save").addEventListener("click", () => {
    const name = prompt("Name this query", textarea.value.replace(/\s+/g, " ").slice(0, 40));
    if (!name) return;
    const saved = load(SAVED).filter((q) => q.name !== name);
    saved.unshift({ name, sql: textarea.value });
    store(SAVED, saved);
    showLists();
  });

  // --- schema: a click inserts the name; Tab completes the name being typed ---
  const names = JSON.parse(document.getElementById("schema-names").textContent);
  function insert(text) {
    const start = textarea.selectionStart, end = textarea.selectionEnd;
    textarea.setRangeText(text, start, end, "end");
    refresh(); textarea.focus();
  }
  for (const button of document.querySelectorAll("#schema button.insert")) {
    button.addEventListener("click", (event) => { event.preventDefault(); insert(button.dataset.name); });
  }
  textarea.addEventListener("keydown", (event) => {
    if (event.key !== "Tab" || event.shiftKey) return;
    const before = textarea.value.slice(0, textarea.selectionStart);
    const word = (before.match(/[A-Za-z_][A-Za-z0-9_]*$/) || [""])[0];
    if (!word) return; // a plain Tab moves focus on, as everywhere else
    const matches = names.filter((n) => n.startsWith(word.toLowerCase()) && n !== word);
    if (!matches.length) return;
    event.preventDefault();
    // The longest prefix all matches share, or the only match: as a shell completes.
    let common = matches[0];
    for (const m of matches) while (!m.startsWith(common)) common = common.slice(0, -1);
    insert(common.slice(word.length) || matches[0].slice(word.length));
    document.getElementById("query-error").hidden = true;
    summaryHint(matches);
  });
  function summaryHint(matches) {
    const hint = document.getElementById("completion");
    hint.textContent = matches.length > 1 ? matches.slice(0, 12).join("  ") : "";
  }

  showLists();
  runButton.addEventListener("click", run);
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
  });
  document.getElementById("prev").addEventListener("click", () => { page--; render(); });
  document.getElementById("next").addEventListener("click", () => { page++; render(); });
  document.getElementById("export").addEventListener("submit", (event) => {
    event.target.elements.sql.value = textarea.value;
  });
  for (const button of document.querySelectorAll("button.example")) {
    button.addEventListener("click", () => { textarea.value = button.dataset.sql; refresh(); run(); });
  }
  if (new URLSearchParams(location.search).has("sql")) run();
})();
