// The public page tells the server the guest's time zone, so slots show their local time too.
document.addEventListener("DOMContentLoaded", function () {
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  document.querySelectorAll("input[data-guest-tz]").forEach(function (input) {
    if (!input.value) { input.value = zone; }
  });
});
