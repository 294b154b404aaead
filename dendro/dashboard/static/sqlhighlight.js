// SQL syntax highlighting for the Query page: a textarea (which keeps native editing, undo, IME and
// accessibility) over a <pre> that shows the same text coloured.
//
// Why hand-written, ~50 lines: the editors that highlight as you type (CodeMirror, Monaco) are
// hundreds of KB and need a bundler; highlighters such as Prism or highlight.js colour static code
// and would still need this overlay around them, plus their SQL grammar and licence files. A SQL
// tokenizer needs only comments, strings, quoted names, numbers, keywords and calls, and it is
// checked by the browser test.
"use strict";
window.SqlHighlight = (function () {
  const KEYWORDS = new Set((
    "select from where group by order having limit offset as and or not in is null like ilike between case when " +
    "then else end join left right full inner outer cross on using union all distinct with asc desc true false " +
    "interval exists cast filter over partition window rows range preceding following unbounded current row " +
    "show describe summarize explain tables hour hours minute minutes second seconds day days month year at " +
    "time zone qualify any some except intersect nulls first last recursive lateral values"
  ).split(" "));
  const TOKEN = /(--[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|('(?:[^']|'')*'?)|("(?:[^"]|"")*"?)|(\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b)|([A-Za-z_][A-Za-z0-9_]*)(?=\s*\()|([A-Za-z_][A-Za-z0-9_]*)|([<>=!|:*+\-/%]+)/gy;

  function escape(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function span(kind, text) {
    return `<span class="tok-${kind}">${escape(text)}</span>`;
  }

  function highlight(sql) {
    let out = "", i = 0;
    while (i < sql.length) {
      TOKEN.lastIndex = i;
      const m = TOKEN.exec(sql);
      if (!m) { out += escape(sql[i]); i++; continue; }
      const [text, comment, string, quoted, number, call, word, op] = m;
      if (comment) out += span("comment", text);
      else if (string) out += span("string", text);
      else if (quoted) out += span("ident", text);
      else if (number) out += span("number", text);
      else if (call) out += KEYWORDS.has(call.toLowerCase()) ? span("keyword", text) : span("function", text);
      else if (word) out += KEYWORDS.has(word.toLowerCase()) ? span("keyword", text) : escape(text);
      else if (op) out += span("operator", text);
      i += text.length;
    }
    // A trailing newline needs a character after it, or the <pre> is one line shorter than the textarea.
    return out + "\n";
  }

  function attach(textarea, code) {
    const pre = code.parentElement;
    const update = () => { code.innerHTML = highlight(textarea.value); pre.scrollTop = textarea.scrollTop; };
    textarea.addEventListener("input", update);
    textarea.addEventListener("scroll", () => { pre.scrollTop = textarea.scrollTop; pre.scrollLeft = textarea.scrollLeft; });
    update();
    return update;
  }

  return { highlight, attach };
})();
