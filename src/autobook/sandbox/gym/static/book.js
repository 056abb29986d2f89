// Show the sub-location picker only for locations that have sub-locations (X1, X3).
(function () {
  var location = document.getElementById("location");
  var field = document.getElementById("sub-location-field");
  var sub = document.getElementById("sub-location");
  if (!location || !field || !sub) return;
  var withSubs = ["X1", "X3"];
  function sync() {
    var has = withSubs.indexOf(location.value) >= 0;
    field.hidden = !has;
    sub.disabled = !has;
    if (!has) sub.value = "";
  }
  location.addEventListener("change", sync);
  sync();
})();
