// Calendario en mi agenda: a button that copies the new address, shown
// only where the clipboard can be written; without it the read-only
// field is selected and copied by hand.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button.copy-url");
  if (!navigator.clipboard) {
    return;
  }
  Array.prototype.forEach.call(buttons, function (b) {
    var input = document.getElementById(b.getAttribute("data-copy"));
    var status = b.parentNode.querySelector(".copy-status");
    if (!input) {
      return;
    }
    b.hidden = false;
    b.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        if (status) {
          status.textContent = b.getAttribute("data-copied");
        }
      });
    });
  });
})();
