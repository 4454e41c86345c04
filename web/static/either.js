// The alignment form compares a curriculum with archetypes or with a role, not both: ticking an
// archetype sets the role back to none, and choosing a role unticks the archetypes, so the form can
// only be sent one way (the server still refuses both, for a request made by hand).
(function () {
  "use strict";
  var role = document.getElementById("role");
  var boxes = document.querySelectorAll(".archetype-choices input[type=checkbox]");
  if (!role || !boxes.length) { return; }
  role.addEventListener("change", function () {
    if (!role.value) { return; }
    Array.prototype.forEach.call(boxes, function (box) { box.checked = false; });
  });
  Array.prototype.forEach.call(boxes, function (box) {
    box.addEventListener("change", function () { if (box.checked) { role.value = ""; } });
  });
})();
