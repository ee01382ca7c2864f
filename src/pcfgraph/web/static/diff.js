// Filter the version diff by kind of change (progressive enhancement: without JavaScript
// every change is shown). Group counts follow the filter.
(function () {
  "use strict";
  var filter = document.getElementById("diff-filter");
  if (!filter) return;
  function apply() {
    var shown = {};
    filter.querySelectorAll("input[name=kind]").forEach(function (box) { shown[box.value] = box.checked; });
    document.querySelectorAll("details.diff-group").forEach(function (group) {
      var visible = 0;
      group.querySelectorAll("tr[data-kind]").forEach(function (row) {
        var on = shown[row.getAttribute("data-kind")] !== false;
        row.hidden = !on;
        if (on) visible++;
      });
      group.hidden = visible === 0;
      var count = group.querySelector(".group-count");
      if (count) count.textContent = String(visible);
    });
  }
  filter.addEventListener("change", apply);
})();
