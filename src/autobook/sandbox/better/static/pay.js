// The card iframe: watches how the card number is typed (like the real iframe's fraud
// screening), tokenises the card on its parent's request and answers by postMessage.
(function () {
  "use strict";
  var body = document.body;
  var sessionKey = body.dataset.sessionKey;
  var parentOrigin = body.dataset.parentOrigin;
  var number = document.getElementById("card-number");
  var errorBox = document.getElementById("card-error");
  var keys = 0;
  var gaps = [];
  var lastKeyAt = null;

  number.addEventListener("keydown", function (e) {
    if (e.key.length !== 1) { return; }
    var now = performance.now();
    if (lastKeyAt !== null) { gaps.push(Math.round(now - lastKeyAt)); }
    lastKeyAt = now;
    keys += 1;
  });

  function value(id) { return document.getElementById(id).value.trim(); }

  function reply(message) { window.parent.postMessage(message, parentOrigin); }

  function tokenise() {
    errorBox.textContent = "";
    var digits = value("card-number").replace(/\s+/g, "");
    var payload = {
      cardDetails: {
        cardholderName: value("cardholder-name"),
        cardNumber: digits,
        expiryDate: value("expiry-date").replace("/", ""),
        securityCode: value("security-code")
      },
      telemetry: {
        webdriver: navigator.webdriver === true,
        card_number_keys: keys,
        card_number_gaps_ms: gaps,
        card_number_length: digits.length
      }
    };
    fetch("/api/v1/card-identifiers", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + sessionKey },
      body: JSON.stringify(payload)
    }).then(function (resp) {
      return resp.json().then(function (data) { return { ok: resp.ok, data: data }; });
    }).then(function (result) {
      if (result.ok) {
        reply({ type: "better-pay:tokenised", cardIdentifier: result.data.cardIdentifier });
      } else {
        var msg = result.data.errors && result.data.errors[0]
          ? result.data.errors[0].clientMessage : "Your card could not be processed.";
        errorBox.textContent = msg;
        reply({ type: "better-pay:error", message: msg });
      }
    }).catch(function () {
      errorBox.textContent = "Your card could not be processed.";
      reply({ type: "better-pay:error", message: "Your card could not be processed." });
    });
  }

  window.addEventListener("message", function (e) {
    if (e.origin !== parentOrigin || !e.data || e.data.type !== "better-pay:tokenise") { return; }
    tokenise();
  });
  reply({ type: "better-pay:ready" });
})();
