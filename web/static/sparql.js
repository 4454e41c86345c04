// The query page without JavaScript is a plain GET form; this adds keyboard comforts only.
(function () {
  "use strict";
  var form = document.getElementById("sparql-form");
  var editor = document.getElementById("query");
  if (!form || !editor) { return; }
  editor.addEventListener("keydown", function (event) {
    // Ctrl+Enter (or Cmd+Enter) runs the query.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.submit();
      return;
    }
    // Tab indents by two spaces; Shift+Tab and Escape leave the editor as usual.
    if (event.key === "Tab" && !event.shiftKey && !editor.dataset.tabExit) {
      event.preventDefault();
      var start = editor.selectionStart, end = editor.selectionEnd;
      editor.value = editor.value.slice(0, start) + "  " + editor.value.slice(end);
      editor.selectionStart = editor.selectionEnd = start + 2;
    }
  });
  editor.addEventListener("keyup", function (event) {
    if (event.key === "Escape") { editor.dataset.tabExit = "1"; }
  });
  editor.addEventListener("blur", function () { delete editor.dataset.tabExit; });
})();
