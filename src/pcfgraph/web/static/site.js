// Keyboard comfort on every page: "/" focuses the search box (unless you are typing), arrow
// keys move through search results, and printing opens every collapsed section first.
(function () {
  "use strict";
  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable ||
      (el.closest && el.closest(".CodeMirror"));
  }
  function searchBox() {
    return document.getElementById("q") || document.getElementById("home-q") ||
      document.getElementById("site-q");
  }
  function resultLinks() {
    return Array.prototype.slice.call(document.querySelectorAll("ol.hits > li a"));
  }
  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    var el = document.activeElement;
    if (e.key === "/" && !typing(el)) {
      var box = searchBox();
      if (box) { e.preventDefault(); box.focus(); box.select(); }
      return;
    }
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp" && e.key !== "Escape") return;
    var links = resultLinks();
    if (!links.length) return;
    var i = links.indexOf(el);
    var box2 = searchBox();
    if (i < 0) {
      // from the search box (when no suggestion list of its own is open) into the results
      if (el === box2 && e.key === "ArrowDown" && box2.getAttribute("aria-expanded") !== "true") {
        e.preventDefault(); links[0].focus();
      }
      return;
    }
    e.preventDefault();
    if (e.key === "Escape") { if (box2) box2.focus(); return; }
    if (e.key === "ArrowDown" && i + 1 < links.length) links[i + 1].focus();
    if (e.key === "ArrowUp") { if (i > 0) links[i - 1].focus(); else if (box2) box2.focus(); }
  });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (d) {
      d.setAttribute("open", ""); d.setAttribute("data-print-opened", "");
    });
  });
  window.addEventListener("afterprint", function () {
    document.querySelectorAll("details[data-print-opened]").forEach(function (d) {
      d.removeAttribute("open"); d.removeAttribute("data-print-opened");
    });
  });
})();
