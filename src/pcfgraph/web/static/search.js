// Results as you type: progressive enhancement of the plain GET search form (same origin only).
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var results = document.getElementById("results");
  if (!form || !results || !window.fetch) return;
  var input = form.querySelector("input[name=q]");
  var select = form.querySelector("select[name=framework]");
  var timer = null, controller = null, last = null;
  var action = form.getAttribute("action") || "/search";  // under the server's root path
  function params() {
    var p = new URLSearchParams();
    p.set("q", input.value);
    if (select && select.value) p.set("framework", select.value);
    return p;
  }
  function run() {
    var p = params(), key = p.toString();
    if (key === last) return;
    last = key;
    if (controller) controller.abort();
    controller = new AbortController();
    var partial = new URLSearchParams(p); partial.set("partial", "true");
    fetch(action + "?" + partial.toString(), { signal: controller.signal, headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        results.innerHTML = html;
        history.replaceState(null, "", action + "?" + key);
      })
      .catch(function () { /* keep the previous results; the form still works */ });
  }
  function schedule() { clearTimeout(timer); timer = setTimeout(run, 150); }
  input.addEventListener("input", schedule);
  if (select) select.addEventListener("change", run);
})();
