// The public verification page: hash a chosen or dropped file in the browser (WebCrypto), put the
// hex SHA-256 in the form and look it up. The file itself is never sent anywhere.
(function () {
  "use strict";
  var box = document.getElementById("verify-drop");
  var input = document.getElementById("verify-file");
  var status = document.getElementById("verify-status");
  var form = document.getElementById("verify-form");
  if (!box || !input || !form) { return; }
  var field = form.querySelector("input[name=sha256]");

  function say(text) { status.textContent = text; }

  function hex(buffer) {
    var bytes = new Uint8Array(buffer), out = [];
    for (var i = 0; i < bytes.length; i++) { out.push(bytes[i].toString(16).padStart(2, "0")); }
    return out.join("");
  }

  function hashFile(file) {
    if (!window.crypto || !window.crypto.subtle || !file.arrayBuffer) {
      say(box.dataset.nocrypto);
      return;
    }
    say(box.dataset.hashing.replace("{name}", file.name));
    file.arrayBuffer()
      .then(function (data) { return window.crypto.subtle.digest("SHA-256", data); })
      .then(function (digest) {
        field.value = hex(digest);
        say(field.value);
        form.submit();
      })
      .catch(function () { say(box.dataset.failed); });
  }

  say(box.dataset.empty);
  input.addEventListener("change", function () {
    if (input.files && input.files[0]) { hashFile(input.files[0]); }
  });
  ["dragenter", "dragover"].forEach(function (name) {
    box.addEventListener(name, function (event) { event.preventDefault(); box.classList.add("dragging"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    box.addEventListener(name, function () { box.classList.remove("dragging"); });
  });
  box.addEventListener("drop", function (event) {
    event.preventDefault();
    var files = event.dataTransfer && event.dataTransfer.files;
    if (files && files[0]) { hashFile(files[0]); }
  });
}());
