// Pregonero: small progressive enhancements. Every page works without
// this file; it only asks for confirmation before irreversible actions.
(function () {
  "use strict";
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    var msg = form.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      ev.preventDefault();
      return;
    }
    // One submit per click: a second one would post the form twice.
    if (form.getAttribute("data-sent") === "1") {
      ev.preventDefault();
      return;
    }
    form.setAttribute("data-sent", "1");
    window.setTimeout(function () { form.removeAttribute("data-sent"); }, 5000);
  });
})();
