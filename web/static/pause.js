// Pausa de emergencia: "all of the list" also ticks every row, so that a
// person sees what the action will touch. Without this file the server
// takes "all" on its own.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all) {
    return;
  }
  var rows = function () {
    return document.querySelectorAll("input.overdue-select");
  };
  all.addEventListener("change", function () {
    rows().forEach(function (box) { box.checked = all.checked; });
  });
  document.addEventListener("change", function (ev) {
    var t = ev.target;
    if (t instanceof HTMLInputElement && t.classList.contains("overdue-select") && !t.checked) {
      all.checked = false;
    }
  });
})();
