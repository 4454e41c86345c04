// Filters on long pages: an input with data-filter="#id" hides the rows (or list items, or
// sections marked data-filter-text) inside #id whose text does not hold every typed word.
// Without JavaScript the input stays hidden and every row shows.
(function () {
  "use strict";
  function words(text) { return text.toLowerCase().split(/\s+/).filter(Boolean); }
  function apply(input) {
    var scope = document.querySelector(input.getAttribute("data-filter"));
    if (!scope) { return; }
    var wanted = words(input.value);
    var items = scope.querySelectorAll("[data-filter-text]");
    var shown = 0;
    items.forEach(function (item) {
      var text = item.getAttribute("data-filter-text").toLowerCase();
      var keep = wanted.every(function (w) { return text.indexOf(w) !== -1; });
      item.hidden = !keep;
      if (keep) { shown += 1; }
    });
    scope.querySelectorAll("[data-filter-group]").forEach(function (group) {
      group.hidden = group.querySelector("[data-filter-text]:not([hidden])") === null;
    });
    var status = document.getElementById(input.id + "-status");
    if (status) { status.textContent = shown + " of " + items.length + " shown"; }
  }
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var box = input.closest(".filter-box");
    if (box) { box.hidden = false; }
    input.addEventListener("input", function () { apply(input); });
    var chips = document.querySelectorAll("[data-filter-for='" + input.id + "']");
    chips.forEach(function (chip) {
      chip.addEventListener("click", function () {
        input.value = chip.getAttribute("data-filter-value");
        apply(input);
      });
    });
  });
})();
