// Usuarios: a button that copies a secret shown once (a one-time
// password, a new API token). Without this file the secret is selected
// whole with one click and copied by hand.
(function () {
  "use strict";
  document.querySelectorAll("button.copy[data-copy]").forEach(function (btn) {
    var src = document.getElementById(btn.getAttribute("data-copy"));
    var status = btn.nextElementSibling;
    if (!src || !navigator.clipboard) {
      return;
    }
    btn.hidden = false;
    btn.addEventListener("click", function () {
      navigator.clipboard.writeText(src.textContent).then(function () {
        if (status) {
          status.textContent = status.getAttribute("data-copied");
        }
      });
    });
  });
})();
