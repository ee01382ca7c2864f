// Arrow keys in the framework tree: a progressive enhancement of native <details>/<summary>
// (which already work with Tab, Enter and Space). Up/Down: previous/next visible item;
// Right: open a branch or go to its first child; Left: close a branch or go to the parent;
// Home/End: first/last visible item.
(function () {
  "use strict";
  var tree = document.getElementById("tree");
  if (!tree) return;
  var hint = document.querySelector(".js-only");
  if (hint) hint.hidden = false;
  function shown(el) {
    // visible when every enclosing <details> (other than a summary's own) is open
    var d = (el.tagName === "SUMMARY" ? el.parentElement.parentElement : el).closest("details");
    for (; d; d = d.parentElement.closest("details")) if (!d.open) return false;
    return true;
  }
  function items() {
    // the focusable row of every visible item: a branch's <summary>, a leaf's link
    return Array.prototype.filter.call(
      tree.querySelectorAll("li.branch > details > summary, li.leaf > .row-text > a"), shown);
  }
  function rowOf(el) {
    return el.closest("summary") || el.closest("li.leaf > .row-text > a") ||
      (el.closest("li.leaf") && el.closest("li.leaf").querySelector("a"));
  }
  function go(el) { if (el) el.focus(); }
  tree.addEventListener("keydown", function (e) {
    var row = rowOf(e.target);
    if (!row) return;
    var list = items(), i = list.indexOf(row);
    var details = row.tagName === "SUMMARY" ? row.parentElement : null;
    switch (e.key) {
      case "ArrowDown": go(list[i + 1]); break;
      case "ArrowUp": go(list[i - 1]); break;
      case "Home": go(list[0]); break;
      case "End": go(list[list.length - 1]); break;
      case "ArrowRight":
        if (details && !details.open) details.open = true;
        else if (details) go(items()[i + 1]);
        else return;
        break;
      case "ArrowLeft":
        if (details && details.open) { details.open = false; break; }
        var parent = row.closest("li").parentElement.closest("details");
        if (parent) go(parent.querySelector("summary")); else return;
        break;
      default: return;
    }
    e.preventDefault();
  });
})();
