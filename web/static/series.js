// Series: the rule builder shows the days of the week for a weekly rule
// and the monthly choices for a monthly one. Without JavaScript every
// part stays visible, and the server reads only the parts that apply.
(function () {
  "use strict";
  document.querySelectorAll("form.series-form").forEach(function (form) {
    var parts = form.querySelectorAll("[data-freq]");
    function update() {
      var checked = form.querySelector('input[name="freq"]:checked');
      var freq = checked ? checked.value : "weekly";
      parts.forEach(function (p) { p.hidden = p.getAttribute("data-freq") !== freq; });
    }
    form.querySelectorAll('input[name="freq"]').forEach(function (r) { r.addEventListener("change", update); });
    update();
  });
})();
