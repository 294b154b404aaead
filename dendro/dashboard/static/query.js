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
      summary.textContent = `${n.toLocaleString()} row${n === 1 ? "" : "s"} in ${data.elapsed_ms} ms` +
        (data.truncated ? ` (${data.note || "first rows only"}; export for more)` : "");
      results.hidden = false;
      render();
      history.replaceState(null, "", "/query?sql=" + encodeURIComponent(sql));
    } catch (error) {
      errorBox.textContent = error.message;
      errorBox.hidden = false;
      results.hidden = true;
    } finally {
      runButton.disabled = false;
    }
  }

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
