// The download of a report's file with the ticked suggestions: with nothing ticked there is nothing
// to fill in, so the form says so beside its button instead of leaving the report for an error page.
(function () {
  "use strict";
  var form = document.querySelector(".fill-form");
  if (!form) { return; }
  var note = document.getElementById("fill-note");
  form.addEventListener("submit", function (event) {
    if (form.querySelector("input[name=choice]:checked")) {
      note.textContent = "";
      return;
    }
    event.preventDefault();
    note.textContent = "Tick at least one suggestion first: the download is your file with the ticked ones filled in.";
  });
})();
