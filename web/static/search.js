// Search on a static copy of the site: filters search-index.json (codes, labels, statements) for the
// words of ?q= and lists the matches above the A-Z list. Without JavaScript the form still lands on the
// A-Z list, so nothing depends on this file.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var results = document.getElementById("search-results");
  if (!form || !results || !form.getAttribute("data-index")) { return; }
  var input = form.querySelector("input[name=q]");

  function words(text) { return text.toLowerCase().split(/\s+/).filter(function (w) { return w.length > 0; }); }

  function rank(entry, q, terms) {
    var n = entry.n.toLowerCase(), l = entry.l.toLowerCase();
    var all = n + " " + l + " " + entry.d.toLowerCase();
    for (var i = 0; i < terms.length; i++) { if (all.indexOf(terms[i]) < 0) { return -1; } }
    if (n === q) { return 0; }
    if (n.indexOf(q) === 0 || l.indexOf(q) === 0) { return 1; }
    return l.indexOf(q) >= 0 ? 2 : 3;
  }

  function show(index, q) {
    results.textContent = "";
    var terms = words(q);
    if (terms.length === 0) { return; }
    var hits = [];
    index.forEach(function (entry) {
      var r = rank(entry, q.toLowerCase().trim(), terms);
      if (r >= 0) { hits.push([r, entry]); }
    });
    hits.sort(function (a, b) { return a[0] - b[0] || a[1].l.localeCompare(b[1].l); });
    var summary = document.createElement("p");
    summary.textContent = hits.length + (hits.length === 1 ? " result" : " results") + " for " + q.trim() + ".";
    results.appendChild(summary);
    var list = document.createElement("ol");
    list.className = "results";
    hits.slice(0, 200).forEach(function (hit) {
      var e = hit[1], item = document.createElement("li"), kind = document.createElement("span"), a = document.createElement("a");
      kind.className = "kind";
      kind.textContent = e.k;
      a.href = e.u;
      a.textContent = (e.n && e.n !== e.l ? e.n + " " : "") + e.l;
      item.appendChild(kind);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(a);
      list.appendChild(item);
    });
    results.appendChild(list);
  }

  function failed() {
    results.textContent = "";
    var p = document.createElement("p");
    p.textContent = "The search index could not be loaded here; everything is listed A to Z below.";
    results.appendChild(p);
  }

  var q = new URLSearchParams(window.location.search).get("q") || "";
  input.value = q;
  fetch(form.getAttribute("data-index"))
    .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
    .then(function (index) {
      show(index, q);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var url = new URL(window.location.href);
        url.searchParams.set("q", input.value);
        window.history.replaceState(null, "", url.toString());
        show(index, input.value);
      });
    })
    .catch(function () { if (q) { failed(); } });
}());
