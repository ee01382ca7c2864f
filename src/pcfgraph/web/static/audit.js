// Drag and drop onto the audit form: progressive enhancement of the plain file input.
(function () {
  "use strict";
  var zone = document.getElementById("dropzone");
  var input = document.getElementById("model");
  var form = document.getElementById("audit-form");
  if (!zone || !input || !form || !window.DataTransfer) return;
  var hint = document.getElementById("drop-hint");
  if (hint) hint.hidden = false;
  ["dragenter", "dragover"].forEach(function (t) {
    zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    zone.addEventListener(t, function () { zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (e) {
    e.preventDefault();
    if (!e.dataTransfer || !e.dataTransfer.files.length) return;
    input.files = e.dataTransfer.files;
    form.requestSubmit ? form.requestSubmit() : form.submit();
  });
})();
