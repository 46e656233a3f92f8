// Review queue keys: j/k move, x selects, a selects all, c confirms, d dismisses (with the chosen reason).
// The page works without this script: tick boxes and press the buttons.
(function () {
  "use strict";
  var table = document.getElementById("review-table");
  var form = document.getElementById("review-form");
  if (!table || !form) { return; }
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-id]"));
  var current = -1;

  function box(row) { return row.querySelector("input[type=checkbox][name=ids]"); }
  function paint(row) { row.classList.toggle("selected", box(row).checked); }
  function focusRow(i) {
    if (!rows.length) { return; }
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, k) { r.classList.toggle("current", k === current); });
    rows[current].focus({ preventScroll: false });
    rows[current].scrollIntoView({ block: "nearest" });
  }
  function selected() { return rows.filter(function (r) { return box(r).checked; }); }
  function submit(action) {
    if (!selected().length && current >= 0) {  // nothing ticked: act on the row under the cursor
      box(rows[current]).checked = true;
      paint(rows[current]);
    }
    if (!selected().length) { return; }
    var button = document.getElementById(action === "confirm" ? "confirm-button" : "dismiss-button");
    if (action === "dismiss" && !document.getElementById("reason").value) {
      document.getElementById("reason").focus();
      document.getElementById("keys-help").classList.add("error");
      return;
    }
    form.requestSubmit ? form.requestSubmit(button) : button.click();
  }

  rows.forEach(function (row, i) {
    box(row).addEventListener("change", function () { paint(row); });
    row.addEventListener("click", function (e) { if (e.target.tagName !== "A" && e.target.tagName !== "INPUT") { focusRow(i); } });
  });
  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () { rows.forEach(function (r) { box(r).checked = all.checked; paint(r); }); });
  }

  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (t && (t.tagName === "INPUT" && t.type !== "checkbox" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) { return; }
    switch (e.key) {
      case "j": focusRow(current + 1); break;
      case "k": focusRow(current < 0 ? 0 : current - 1); break;
      case "x":
        if (current < 0) { focusRow(0); }
        if (current >= 0) { var b = box(rows[current]); b.checked = !b.checked; paint(rows[current]); }
        break;
      case "a": rows.forEach(function (r) { box(r).checked = true; paint(r); }); break;
      case "c": submit("confirm"); break;
      case "d": submit("dismiss"); break;
      default: return;
    }
    e.preventDefault();
  });
})();
