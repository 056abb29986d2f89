// The availability page: a small date picker on #from_date (typing works too), "Show
// Availability" loading the slot cards for that date, and a click on a card going to confirm.
(function () {
  "use strict";
  var input = document.getElementById("from_date");
  var picker = document.getElementById("ui-datepicker-div");
  var apply = document.getElementById("btnApply");
  var results = document.getElementById("availability");
  var slotMessage = document.getElementById("slot-message");
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  var FULL = "Sorry, this time slot is fully booked. Please choose another time.";

  function parse(text) {
    var m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text || "");
    return m ? new Date(+m[3], +m[2] - 1, +m[1]) : null;
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function format(d) { return pad(d.getDate()) + "/" + pad(d.getMonth() + 1) + "/" + d.getFullYear(); }

  var shown = parse(input.value) || new Date();

  function draw() {
    var year = shown.getFullYear(), month = shown.getMonth();
    var first = new Date(year, month, 1), offset = (first.getDay() + 6) % 7;
    var days = new Date(year, month + 1, 0).getDate();
    var html = '<div class="ui-datepicker-header"><a href="#" class="ui-datepicker-prev">&lsaquo;</a>' +
      '<span class="ui-datepicker-title">' + MONTHS[month] + " " + year + "</span>" +
      '<a href="#" class="ui-datepicker-next">&rsaquo;</a></div><table class="ui-datepicker-calendar">' +
      "<tr><th>Mo</th><th>Tu</th><th>We</th><th>Th</th><th>Fr</th><th>Sa</th><th>Su</th></tr><tr>";
    for (var i = 0; i < offset; i++) html += "<td></td>";
    for (var day = 1; day <= days; day++) {
      if ((offset + day - 1) % 7 === 0 && day > 1) html += "</tr><tr>";
      html += '<td><a href="#" class="ui-state-default" data-date="' +
        format(new Date(year, month, day)) + '">' + day + "</a></td>";
    }
    picker.innerHTML = html + "</tr></table>";
  }
  function open() { draw(); picker.hidden = false; }
  function close() { picker.hidden = true; }

  input.addEventListener("focus", open);
  input.addEventListener("click", open);
  input.addEventListener("input", function () {
    var d = parse(input.value);
    if (d) { shown = d; draw(); }
  });
  input.addEventListener("change", function () {
    var d = parse(input.value);
    if (d) shown = d;
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Escape" || e.key === "Tab") close();
    if (e.key === "Enter") { e.preventDefault(); close(); input.dispatchEvent(new Event("change", { bubbles: true })); }
  });
  picker.addEventListener("mousedown", function (e) { e.preventDefault(); });
  picker.addEventListener("click", function (e) {
    e.preventDefault();
    var target = e.target;
    if (target.classList.contains("ui-datepicker-prev")) { shown = new Date(shown.getFullYear(), shown.getMonth() - 1, 1); draw(); return; }
    if (target.classList.contains("ui-datepicker-next")) { shown = new Date(shown.getFullYear(), shown.getMonth() + 1, 1); draw(); return; }
    if (target.dataset.date) {
      input.value = target.dataset.date;
      input.dispatchEvent(new Event("change", { bubbles: true }));
      close();
    }
  });
  document.addEventListener("mousedown", function (e) {
    if (e.target !== input && !picker.contains(e.target)) close();
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });

  function load(value) {
    slotMessage.hidden = true;
    results.innerHTML = '<p class="loading">Loading availability&hellip;</p>';
    fetch(results.dataset.url + "?from_date=" + encodeURIComponent(value), {
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest" }
    }).then(function (resp) {
      if (resp.redirected) { window.location.href = resp.url; return null; }
      if (resp.status >= 500) throw new Error("server");
      return resp.text();
    }).then(function (html) {
      if (html !== null) results.innerHTML = html;
    }).catch(function () {
      results.innerHTML = '<div class="alert alert-danger">Sorry, availability could not be loaded. Please try again.</div>';
    });
  }
  apply.addEventListener("click", function (e) {
    e.preventDefault();
    close();
    load(input.value);
  });
  results.addEventListener("click", function (e) {
    var card = e.target.closest(".cardBtn");
    if (!card) return;
    if (card.dataset.full === "1") {
      slotMessage.textContent = FULL;
      slotMessage.hidden = false;
      return;
    }
    window.location.href = card.dataset.href;
  });
})();
