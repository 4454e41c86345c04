// The query page. Without JavaScript it is a plain GET form with a table of results. With it, YASGUI
// (vendored under static/yasgui, MIT) takes the form's place: syntax highlighting, completion of the
// framework's prefixes and of variables, results with prefixed names, sorting and paging, downloads.
// If YASGUI cannot start, the form stays, with keyboard comforts.
(function () {
  "use strict";
  var form = document.getElementById("sparql-form");
  var editor = document.getElementById("query");
  var holder = document.getElementById("yasgui");
  var script = document.getElementById("sparql-script");
  if (!form || !editor) { return; }
  var prefixes = {};
  try { prefixes = JSON.parse(script.getAttribute("data-prefixes") || "{}"); } catch (e) { prefixes = {}; }

  function comforts() {
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
  }

  function yasgui() {
    var Yasgui = window.Yasgui && (window.Yasgui.default || window.Yasgui);
    if (!holder || typeof Yasgui !== "function") { return false; }
    // Only this framework's prefixes are offered: nothing is fetched from elsewhere.
    if (Yasgui.Yasqe && Yasgui.Yasqe.defaults) { Yasgui.Yasqe.defaults.autocompleters = ["variables", "prefixes"]; }
    if (Yasgui.Yasqe && Yasgui.Yasqe.Autocompleters && Yasgui.Yasqe.Autocompleters.prefixes) {
      Yasgui.Yasqe.Autocompleters.prefixes.get = function () {
        return Object.keys(prefixes).map(function (p) { return p + ": <" + prefixes[p] + ">"; });
      };
    }
    holder.hidden = false;
    var instance = new Yasgui(holder, {
      requestConfig: { endpoint: form.getAttribute("action"), method: "POST" },
      copyEndpointOnNewTab: false,
      endpointCatalogueOptions: { getData: function () { return []; } },
      persistenceId: null,
      populateFromUrl: false,
      autofocus: false,
      yasqe: { value: editor.value, resizeable: true, persistenceId: null },
      yasr: { prefixes: longest(prefixes), persistenceId: null }
    });
    var yasqe = instance.getTab().getYasqe();
    yasqe.addPrefixes(usedPrefixes(editor.value));
    // One tab and one endpoint here: their controls are hidden (sparql.css); the editor is labelled.
    var area = holder.querySelector(".CodeMirror textarea");
    if (area) { area.setAttribute("aria-label", "SPARQL query"); }
    form.hidden = true;
    holder.setAttribute("data-ready", "true");
    window.aiskillsYasgui = instance;
    return true;
  }

  function longest(all) {
    // For showing IRIs: leave out a prefix whose namespace holds another's (aisid: holds capability:).
    var out = {};
    Object.keys(all).forEach(function (p) {
      var wider = Object.keys(all).some(function (q) { return q !== p && all[q].length > all[p].length && all[q].indexOf(all[p]) === 0; });
      if (!wider) { out[p] = all[p]; }
    });
    return out;
  }

  function usedPrefixes(text) {
    // Declare the framework's prefixes that the text uses but does not declare.
    var out = {};
    var code = text.replace(/#[^\n]*/g, " ").replace(/<[^>\s]*>/g, " ").replace(/"[^"\n]*"|'[^'\n]*'/g, " ");
    Object.keys(prefixes).forEach(function (p) {
      var used = new RegExp("(^|[\\s(/^|,;.{])" + p + ":", "m").test(code);
      var declared = new RegExp("PREFIX\\s+" + p + ":", "i").test(text);
      if (used && !declared) { out[p] = prefixes[p]; }
    });
    return out;
  }

  var started = false;
  try { started = yasgui(); } catch (e) { started = false; if (holder) { holder.hidden = true; } }
  if (!started) { comforts(); }
})();
