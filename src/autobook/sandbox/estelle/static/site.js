// Cookie consent banner: remembered for a year once accepted.
(function () {
  "use strict";
  var banner = document.getElementById("cookie-banner");
  var accept = document.getElementById("cookie-accept");
  if (!banner || !accept) return;
  accept.addEventListener("click", function () {
    document.cookie = "em_cookie_consent=1; path=/; max-age=31536000; SameSite=Lax";
    banner.parentNode.removeChild(banner);
  });
})();
