// The draft page's live preview: after a pause in typing, the form is submitted to the preview
// frame (the "Preview" button's formaction/formtarget), so the frame shows the unsaved fields.
(function () {
  "use strict";
  var form = document.getElementById("draft-form");
  if (!form) { return; }
  var button = form.querySelector("[data-preview]");
  if (!button || typeof form.requestSubmit !== "function") { return; }
  var timer = null;
  function refresh() {
    timer = null;
    form.requestSubmit(button);
  }
  form.addEventListener("input", function () {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(refresh, 700);
  });
})();
