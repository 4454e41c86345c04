// A file dropped anywhere on the validation page is the file to check: it goes into the form's file
// field and the form is sent, as if chosen and then Validate pressed. A drop that misses would
// otherwise make the browser open the file in place of the page.
(function () {
  "use strict";
  var form = document.querySelector("form.validate-form");
  var input = document.getElementById("file");
  var note = document.getElementById("drop-note");
  if (!form || !input || !note) { return; }
  function carriesFiles(event) {
    var types = event.dataTransfer && event.dataTransfer.types;
    return Boolean(types) && Array.prototype.indexOf.call(types, "Files") >= 0;
  }
  document.addEventListener("dragover", function (event) {
    if (!carriesFiles(event)) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    form.classList.add("dropping");
  });
  document.addEventListener("dragleave", function (event) {
    if (event.relatedTarget === null) { form.classList.remove("dropping"); }
  });
  document.addEventListener("drop", function (event) {
    if (!carriesFiles(event)) { return; }
    event.preventDefault();
    form.classList.remove("dropping");
    var files = event.dataTransfer.files;
    if (files.length !== 1) {
      note.textContent = "Drop one file at a time: " + files.length + " were dropped.";
      return;
    }
    input.files = files;
    note.textContent = "Checking " + files[0].name + "…";
    form.requestSubmit ? form.requestSubmit() : form.submit();
  });
  note.textContent = "";
  document.getElementById("drop-hint").hidden = false;
})();
