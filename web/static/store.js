// Storing a conformant curriculum from its report: the same bytes go to POST /api/curricula with the
// write token, which is asked once per browser session and kept in sessionStorage only (never in an
// address, a cookie or a log). Without JavaScript the section says how to store it otherwise.
(function () {
  "use strict";
  var KEY = "aiskills.writeToken";
  var section = document.getElementById("store");
  var form = document.getElementById("store-form");
  var source = document.getElementById("store-data");
  if (!section || !form || !source) { return; }
  var field = document.getElementById("store-token-field");
  var input = document.getElementById("store-token");
  var known = document.getElementById("store-token-known");
  var status = document.getElementById("store-status");

  function remembered() {
    try { return window.sessionStorage.getItem(KEY) || ""; } catch (e) { return ""; }
  }
  function remember(token) {
    try { window.sessionStorage.setItem(KEY, token); } catch (e) { /* private mode: asked again */ }
  }
  function forget() {
    try { window.sessionStorage.removeItem(KEY); } catch (e) { /* nothing kept */ }
    show();
  }
  function show() {
    var token = remembered();
    field.hidden = Boolean(token);
    input.required = !token;
    known.hidden = !token;
  }
  function say(text, link) {
    status.textContent = text;
    if (link) {
      var a = document.createElement("a");
      a.href = link;
      a.textContent = "See the stored curriculum";
      status.appendChild(document.createTextNode(" "));
      status.appendChild(a);
    }
  }
  function bytes() {
    var raw = window.atob(source.value.trim());
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }

  document.getElementById("store-forget").addEventListener("click", forget);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var token = remembered() || input.value.trim();
    if (!token) { say("Give the write token first."); input.focus(); return; }
    var body = new FormData();
    body.append("file", new Blob([bytes()]), source.getAttribute("data-name"));
    say("Storing…");
    fetch(section.getAttribute("data-api"), {
      method: "POST",
      headers: { "Authorization": "Bearer " + token, "Accept": "application/json" },
      body: body,
      credentials: "omit"
    }).then(function (response) {
      return response.text().then(function (text) {
        var answer;
        try { answer = JSON.parse(text); } catch (e) { answer = { error: text.trim() }; }
        if (response.status === 201) {
          remember(token);
          input.value = "";
          show();
          say("Stored.", section.getAttribute("data-curricula") + answer.id);
        } else if (response.status === 401) {
          forget();
          say("Not stored: the server does not know that token. Check it (it is shown once, when it is made) and give it again.");
        } else if (response.status === 403) {
          forget();
          say("Not stored: " + (answer.error || "the token may not write") + ". Give a write token.");
        } else {
          say("Not stored: " + (answer.error || ("the server answered " + response.status)) + (answer.fix ? " (" + answer.fix + ")" : ""));
        }
      });
    }).catch(function () { say("Not stored: the server could not be reached."); });
  });
  form.hidden = false;
  show();
})();
