// Pregonero, Conectar cuenta: the page the start form leads to goes on
// at once to the network's consent screen. The pages' CSP lets a form
// lead to this server only, so the form cannot redirect there itself;
// without this file the person follows the link.
(function () {
  "use strict";
  var link = document.querySelector("a#consent-link[data-follow]");
  if (link && link.href) {
    window.location.replace(link.href);
  }
})();
