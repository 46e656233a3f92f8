// The draft page while typing: after a pause, the form is submitted to the preview frame (the
// "Preview" button's formaction/formtarget: the frame shows the unsaved fields), and the list of
// required elements still missing is asked for again (data-check) and redrawn. Nothing is saved.
(function () {
  "use strict";
  var form = document.getElementById("draft-form");
  if (!form) { return; }
  var button = form.querySelector("[data-preview]");
  var list = document.getElementById("missing-list");
  var timer = null;

  function show(id, visible) {
    var el = document.getElementById(id);
    if (el) { el.hidden = !visible; }
  }

  function redraw(missing) {
    if (!list) { return; }
    while (list.firstChild) { list.removeChild(list.firstChild); }
    missing.forEach(function (item) {
      var li = document.createElement("li");
      li.setAttribute("data-element", item.element);
      li.textContent = item.label;
      list.appendChild(li);
    });
    show("incomplete", missing.length > 0);
    show("complete", missing.length === 0);
    show("unsaved", true);
  }

  function check() {
    var url = form.getAttribute("data-check");
    if (!url || !window.fetch) { return; }
    fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin",
                 headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body && body.missing) { redraw(body.missing); } })
      .catch(function () { /* the list is refreshed on the next pause or on saving */ });
  }

  function refresh() {
    timer = null;
    if (button && typeof form.requestSubmit === "function") { form.requestSubmit(button); }
    check();
  }

  form.addEventListener("input", function () {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(refresh, 700);
  });
})();
