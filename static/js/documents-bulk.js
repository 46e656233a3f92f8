// Bulk documents: the header checkbox selects or clears every case on the page.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  var form = document.getElementById("bulk-form");
  if (!all || !form) { return; }
  all.addEventListener("change", function () {
    Array.prototype.forEach.call(form.querySelectorAll('input[name="case"]'), function (box) { box.checked = all.checked; });
  });
})();
