// Cookie banner, login modal and the "Select location" combobox of the booking site.
(function () {
  "use strict";

  var accept = document.getElementById("onetrust-accept-btn-handler");
  var reject = document.getElementById("onetrust-reject-all-handler");
  function closeBanner(consent) {
    var stamp = new Date().toISOString();
    document.cookie = "OptanonAlertBoxClosed=" + stamp + "; path=/; SameSite=Lax";
    document.cookie = "OptanonConsent=groups=" + consent + "; path=/; SameSite=Lax";
    var sdk = document.getElementById("onetrust-consent-sdk");
    if (sdk) { sdk.remove(); }
  }
  if (accept) { accept.addEventListener("click", function () { closeBanner("all"); }); }
  if (reject) { reject.addEventListener("click", function () { closeBanner("necessary"); }); }

  var loginModal = document.getElementById("login-modal");
  function openLogin() { if (loginModal) { loginModal.hidden = false; document.getElementById("username").focus(); } }
  document.querySelectorAll('[data-testid="login"]').forEach(function (b) {
    b.addEventListener("click", openLogin);
  });
  document.querySelectorAll("[data-close]").forEach(function (b) {
    b.addEventListener("click", function () { document.getElementById(b.dataset.close).hidden = true; });
  });

  // Book now while logged out opens the login modal; logging in then resets the selection.
  var bookForm = document.getElementById("book-form");
  if (bookForm) {
    bookForm.addEventListener("submit", function (e) {
      if (document.body.dataset.loggedIn !== "true") { e.preventDefault(); openLogin(); }
    });
  }

  var combo = document.getElementById("location-select");
  var list = document.getElementById("location-list");
  if (combo && list) {
    var valueBox = combo.querySelector(".combobox-value");
    var hidden = document.getElementById("location-slot-id");
    var bookNow = document.getElementById("book-now");
    var fullMsg = document.getElementById("full-message");
    var options = document.getElementById("location-options");
    function choose(opt) {
      valueBox.textContent = opt.textContent.trim();
      hidden.value = opt.dataset.slotId;
      var full = opt.dataset.full === "true";
      bookNow.disabled = full;
      if (fullMsg) { fullMsg.hidden = !full; }
      toggle(false);
    }
    function toggle(open) {
      list.replaceChildren();
      if (open) {
        list.appendChild(options.content.cloneNode(true));
        list.querySelectorAll('[role="option"]').forEach(function (opt) {
          opt.setAttribute("aria-selected", opt.dataset.slotId === hidden.value ? "true" : "false");
          opt.addEventListener("click", function () { choose(opt); });
        });
      }
      list.hidden = !open;
      combo.setAttribute("aria-expanded", open ? "true" : "false");
    }
    combo.addEventListener("click", function () { toggle(list.hidden); });
    combo.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle(list.hidden); }
    });
  }
})();
