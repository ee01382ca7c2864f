// The /sparql query page: a CodeMirror editor (vendored, SPARQL mode, prefix completion) over
// the same endpoint protocol clients use (POST /sparql), results as a sortable table with
// links, downloads as CSV (formula-safe) and JSON; an example with parameters, run unchanged,
// at GET /queries/{name} with its fields. Without JavaScript the form still submits.
(function () {
  "use strict";
  var form = document.getElementById("sparql-form");
  if (!form || !window.fetch || !window.CodeMirror) return;
  var prefixes = JSON.parse(form.getAttribute("data-prefixes") || "{}");
  var idBase = form.getAttribute("data-id-base") || "";
  // the server's root path behind a proxy ("" without one): <html data-root="/pcf/">
  var root = (document.documentElement.getAttribute("data-root") || "/").replace(/\/+$/, "");
  // The server's one rule for cells a spreadsheet would run (pcfgraph.cells.RISKY_PATTERN).
  var risky = new RegExp(form.getAttribute("data-risky-cell") || "^[=+\\-@\\t\\r]");
  var textarea = document.getElementById("query");
  var example = document.getElementById("example");
  var status = document.getElementById("status");
  var errorBox = document.getElementById("error");
  var section = document.getElementById("results");
  var body = document.getElementById("result-body");
  var last = null; // {kind: "select"|"boolean"|"graph", text, data}

  function declared(text) {
    var found = {}, re = /PREFIX\s+([A-Za-z][\w-]*)?:\s*</gi, m;
    while ((m = re.exec(text))) found[m[1] || ""] = true;
    return found;
  }

  function prefixHint(cm) {
    var cur = cm.getCursor(), line = cm.getLine(cur.line);
    var start = cur.ch;
    while (start > 0 && /[\w-]/.test(line.charAt(start - 1))) start--;
    var word = line.slice(start, cur.ch).toLowerCase();
    var list = Object.keys(prefixes).sort().filter(function (p) {
      return p.indexOf(word) === 0;
    }).map(function (p) {
      return {
        text: p + ":",
        displayText: p + ":  <" + prefixes[p] + ">",
        hint: function (cm, data, completion) {
          cm.replaceRange(completion.text, data.from, data.to);
          if (!declared(cm.getValue())[p]) {
            cm.replaceRange("PREFIX " + p + ": <" + prefixes[p] + ">\n", { line: 0, ch: 0 });
          }
        }
      };
    });
    return { list: list, from: CodeMirror.Pos(cur.line, start), to: CodeMirror.Pos(cur.line, cur.ch) };
  }

  var editor = CodeMirror.fromTextArea(textarea, {
    mode: "sparql",
    lineNumbers: true,
    indentUnit: 2,
    viewportMargin: Infinity,
    screenReaderLabel: "SPARQL query",
    extraKeys: {
      "Ctrl-Enter": function () { run(); },
      "Cmd-Enter": function () { run(); },
      "Ctrl-Space": function (cm) { cm.showHint({ hint: prefixHint, completeSingle: false }); },
      "Tab": false, "Shift-Tab": false // Tab leaves the editor (keyboard users)
    }
  });
  editor.on("inputRead", function (cm, change) {
    if (!/^[A-Za-z]$/.test(change.text.join(""))) return;
    var cur = cm.getCursor(), token = cm.getTokenAt(cur);
    if (token.type === "string" || token.type === "comment") return;
    var h = prefixHint(cm);
    var word = cm.getRange(h.from, h.to);
    if (word.length >= 2 && h.list.length && cm.getLine(cur.line).charAt(cur.ch) !== ":") {
      cm.showHint({ hint: prefixHint, completeSingle: false });
    }
  });
  form.classList.add("enhanced");

  // An example with parameters: a field for each (its value to try filled in). Run as it
  // was loaded, it goes to GET /queries/{name}, which binds the fields as RDF terms; once the
  // text is edited it runs as written at /sparql and the fields no longer apply.
  var paramsBox = document.getElementById("params");
  var paramsFields = document.getElementById("params-fields");
  var paramsNote = document.getElementById("params-note");
  var chosen = null; // {name, text, params}

  function showParams(opt) {
    var params = JSON.parse((opt && opt.getAttribute("data-params")) || "[]");
    chosen = params.length ? { name: opt.value, text: opt.getAttribute("data-query"), params: params } : null;
    paramsFields.textContent = "";
    show(paramsBox, !!chosen);
    if (!chosen) return;
    document.getElementById("params-of").textContent = chosen.name;
    params.forEach(function (p) {
      var row = document.createElement("div");
      row.className = "param";
      var id = "param-" + p.name;
      var label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = p.name + (p.optional ? " (optional)" : "");
      var input = document.createElement("input");
      input.id = id; input.name = p.name; input.type = "text";
      input.required = !p.optional;
      input.spellcheck = false;
      input.value = p.example || "";
      var hint = document.createElement("span");
      hint.className = "hint"; hint.id = id + "-hint";
      hint.textContent = p.type + (p.doc ? ": " + p.doc : "");
      input.setAttribute("aria-describedby", hint.id);
      row.appendChild(label); row.appendChild(input); row.appendChild(hint);
      paramsFields.appendChild(row);
    });
    syncParams();
  }

  function bound() { return !!chosen && editor.getValue() === chosen.text; }

  function syncParams() {
    if (!chosen) return;
    paramsBox.disabled = !bound();
    paramsNote.textContent = bound()
      ? "Run binds these at /queries/" + chosen.name + " (never written into the query text)."
      : "The query was edited: it runs as written, these values are not bound.";
  }

  editor.on("change", syncParams);
  if (example) {
    example.addEventListener("change", function () {
      var opt = example.options[example.selectedIndex];
      var text = opt && opt.getAttribute("data-query");
      if (text) { editor.setValue(text); editor.focus(); }
      showParams(text ? opt : null);
    });
    if (example.selectedIndex > 0) showParams(example.options[example.selectedIndex]);
  }

  function show(el, on) { el.hidden = !on; }

  function localHref(iri) {
    if (idBase && iri.indexOf(idBase) === 0) return root + "/id/" + iri.slice(idBase.length);
    return /^https?:\/\//.test(iri) ? iri : null;
  }

  function curie(iri) {
    var best = null;
    Object.keys(prefixes).forEach(function (p) {
      var ns = prefixes[p];
      if (iri.indexOf(ns) === 0 && iri.length > ns.length && (!best || ns.length > prefixes[best].length)) best = p;
    });
    return best ? best + ":" + iri.slice(prefixes[best].length) : iri;
  }

  function cell(term) {
    var td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      var href = localHref(term.value);
      var a = document.createElement(href ? "a" : "span");
      if (href) a.href = href;
      a.title = term.value;
      a.textContent = curie(term.value);
      td.appendChild(a);
      td.setAttribute("data-sort", term.value);
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
      td.className = "bnode";
    } else {
      td.textContent = term.value;
      if (term["xml:lang"]) {
        var lang = document.createElement("span");
        lang.className = "lang"; lang.textContent = "@" + term["xml:lang"];
        td.appendChild(document.createTextNode(" ")); td.appendChild(lang);
      }
      var dt = term.datatype || "";
      if (/#(integer|decimal|double|float|int|long)$/.test(dt)) td.className = "num";
    }
    return td;
  }

  function sortKey(td) {
    var v = td.getAttribute("data-sort");
    if (v === null) v = td.firstChild ? (td.firstChild.nodeValue !== null ? td.firstChild.nodeValue : td.textContent) : "";
    return v;
  }

  function sortBy(table, index, th) {
    var tbody = table.tBodies[0];
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var numeric = Array.prototype.every.call(tbody.rows, function (r) {
      var k = sortKey(r.cells[index]); return k === "" || !isNaN(Number(k));
    });
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.sort(function (a, b) {
      var x = sortKey(a.cells[index]), y = sortKey(b.cells[index]);
      if (numeric) return dir * ((x === "" ? -Infinity : Number(x)) - (y === "" ? -Infinity : Number(y)));
      return dir * x.localeCompare(y, undefined, { numeric: true, sensitivity: "base" });
    });
    rows.forEach(function (r) { tbody.appendChild(r); });
  }

  function renderSelect(data) {
    var vars = data.head.vars || [], rows = data.results.bindings || [];
    var table = document.createElement("table");
    table.className = "results sortable";
    var caption = document.createElement("caption");
    caption.className = "visually-hidden";
    caption.textContent = "Query results; activate a column heading to sort";
    table.appendChild(caption);
    var thead = table.createTHead(), hr = thead.insertRow();
    vars.forEach(function (v, i) {
      var th = document.createElement("th");
      th.scope = "col";
      var b = document.createElement("button");
      b.type = "button"; b.className = "sort"; b.textContent = v;
      b.addEventListener("click", function () { sortBy(table, i, th); });
      th.appendChild(b); hr.appendChild(th);
    });
    var tbody = table.createTBody();
    rows.forEach(function (row) {
      var tr = tbody.insertRow();
      vars.forEach(function (v) { tr.appendChild(cell(row[v])); });
    });
    body.textContent = "";
    var wrap = document.createElement("div");
    wrap.className = "results-wrap";
    wrap.appendChild(table);
    body.appendChild(wrap);
    return rows.length + " row" + (rows.length === 1 ? "" : "s");
  }

  function problemText(resp, text) {
    try {
      var p = JSON.parse(text);
      return (p.title ? p.title + ": " : "") + (p.detail || text);
    } catch (e) {
      return "HTTP " + resp.status + ": " + text;
    }
  }

  var ACCEPT = "application/sparql-results+json, text/turtle;q=0.9";

  function request() {
    if (!bound()) {
      return fetch(root + "/sparql", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": ACCEPT },
        body: new URLSearchParams({ query: editor.getValue() }).toString()
      });
    }
    var given = new URLSearchParams();
    Array.prototype.forEach.call(paramsFields.querySelectorAll("input"), function (input) {
      if (input.value !== "") given.append(input.name, input.value);
    });
    var path = chosen.name.split("/").map(encodeURIComponent).join("/");
    var qs = given.toString();
    return fetch(root + "/queries/" + path + (qs ? "?" + qs : ""), { headers: { "Accept": ACCEPT } });
  }

  function run() {
    show(errorBox, false);
    // the answer the page came with (its form submitted without JavaScript) is not this one
    var served = document.getElementById("answer");
    if (served) served.remove();
    status.textContent = "Running…";
    var started = performance.now();
    request().then(function (resp) {
      return resp.text().then(function (text) {
        var ms = Math.round(performance.now() - started);
        if (!resp.ok) {
          status.textContent = "";
          errorBox.textContent = problemText(resp, text);
          show(errorBox, true);
          return;
        }
        var type = resp.headers.get("Content-Type") || "";
        var summary;
        if (type.indexOf("json") >= 0) {
          var data = JSON.parse(text);
          if (typeof data.boolean === "boolean") {
            last = { kind: "boolean", text: text, data: data };
            body.textContent = "";
            var p = document.createElement("p");
            p.className = "boolean"; p.textContent = "Answer: " + (data.boolean ? "yes (true)" : "no (false)");
            body.appendChild(p);
            summary = "ASK answered";
          } else {
            last = { kind: "select", text: text, data: data };
            summary = renderSelect(data);
          }
        } else {
          last = { kind: "graph", text: text };
          body.textContent = "";
          var pre = document.createElement("pre");
          pre.className = "turtle"; pre.textContent = text;
          body.appendChild(pre);
          summary = "graph (Turtle)";
        }
        document.getElementById("dl-csv").hidden = last.kind !== "select";
        document.getElementById("dl-json").hidden = last.kind === "graph";
        document.getElementById("dl-ttl").hidden = last.kind !== "graph";
        show(section, true);
        status.textContent = summary + " in " + ms + " ms";
      });
    }).catch(function (e) {
      status.textContent = "";
      errorBox.textContent = "The server could not be reached: " + e;
      show(errorBox, true);
    });
  }

  // Cells a spreadsheet would run as a formula get a leading quote (OWASP rule, as the
  // server's CSV exports do, with the same pattern).
  function csvCell(v) {
    if (risky.test(v)) v = "'" + v;
    return /[",\r\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
  }

  function download(name, type, text) {
    var url = URL.createObjectURL(new Blob([text], { type: type }));
    var a = document.createElement("a");
    a.href = url; a.download = name;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  document.getElementById("dl-csv").addEventListener("click", function () {
    if (!last || last.kind !== "select") return;
    var vars = last.data.head.vars;
    var lines = [vars.map(csvCell).join(",")];
    last.data.results.bindings.forEach(function (row) {
      lines.push(vars.map(function (v) { return csvCell(row[v] ? row[v].value : ""); }).join(","));
    });
    download("results.csv", "text/csv", lines.join("\r\n") + "\r\n");
  });
  document.getElementById("dl-json").addEventListener("click", function () {
    if (last) download("results.json", "application/sparql-results+json", last.text);
  });
  document.getElementById("dl-ttl").addEventListener("click", function () {
    if (last) download("results.ttl", "text/turtle", last.text);
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); run(); });
})();
