// Polls a task's JSON (data-poll on the element with id "task") and moves its progress bar until it ends.
// Other pages reuse it: any element with data-poll and children with data-field="status|bar|message|error".
(function () {
  "use strict";
  var boxes = document.querySelectorAll("[data-poll]");
  Array.prototype.forEach.call(boxes, function (box) {
    var url = box.getAttribute("data-poll");
    function set(name, fn) { var el = box.querySelector('[data-field="' + name + '"]'); if (el) { fn(el); } }
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (t) {
          if (!t) { return; }
          var pct = Math.round((t.progress || 0) * 100);
          set("status", function (el) { el.textContent = t.status; });
          set("bar", function (el) { el.style.width = pct + "%"; el.parentNode.setAttribute("aria-valuenow", pct); });
          set("message", function (el) { el.textContent = t.message || ""; });
          set("error", function (el) { el.textContent = t.status === "failed" ? (t.error || "") : ""; });
          box.setAttribute("data-status", t.status);
          if (t.status === "queued" || t.status === "running") { setTimeout(tick, 1500); }
          else if (box.hasAttribute("data-reload-when-done")) { window.location.reload(); }
        })
        .catch(function () { setTimeout(tick, 5000); });
    }
    var status = box.getAttribute("data-status");
    if (status === "queued" || status === "running") { setTimeout(tick, 1000); }
  });
})();
