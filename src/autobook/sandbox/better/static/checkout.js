// Checkout: credit, saved card (CVV posted to the payment origin) or a new card typed into the
// payment iframe, which only loads once the analytics bootstrap (gtm.js) has run.
(function () {
  "use strict";
  var form = document.getElementById("checkout-form");
  if (!form) { return; }
  var payOrigin = form.dataset.payOrigin;
  var sessionKey = form.dataset.sessionKey;
  var savedCard = form.dataset.savedCard;
  var terms = form.querySelector('input[name="terms"]');
  var payNow = document.getElementById("pay-now");
  var useCredit = document.getElementById("use-credit");
  var cardPayment = document.getElementById("card-payment");
  var newCard = document.getElementById("new-card");
  var savedBox = document.getElementById("saved-card");
  var errorBox = document.getElementById("payment-error");
  var methodInput = document.getElementById("pay-method");
  var identInput = document.getElementById("card-identifier");
  var frame = null;
  var busy = false;

  function choice() {
    var checked = form.querySelector('input[name="card_choice"]:checked');
    return checked ? checked.value : "new";
  }
  function refresh() {
    var credit = useCredit && useCredit.checked;
    if (cardPayment) { cardPayment.hidden = credit; }
    if (newCard) { newCard.hidden = choice() !== "new"; }
    if (savedBox) { savedBox.hidden = choice() !== "saved"; }
    payNow.textContent = credit || !cardPayment ? "Pay now" : payNow.dataset.cardLabel;
    payNow.disabled = busy || !terms.checked;
  }
  function fail(message) {
    busy = false;
    errorBox.textContent = message;
    errorBox.hidden = false;
    refresh();
  }

  function loadIframe() {
    var box = document.getElementById("payment-iframe-container");
    if (!box || frame) { return; }
    frame = document.createElement("iframe");
    frame.id = "payment-iframe";
    frame.title = "Secure card payment";
    frame.src = box.dataset.src;
    frame.width = "100%";
    frame.height = "260";
    box.appendChild(frame);
  }
  var analyticsReady = (window.dataLayer || []).some(function (e) { return e.event === "gtm.js"; });
  if (analyticsReady) { loadIframe(); } else { document.addEventListener("better:analytics-ready", loadIframe); }

  window.addEventListener("message", function (e) {
    if (e.origin !== payOrigin || !e.data) { return; }
    if (e.data.type === "better-pay:tokenised") {
      identInput.value = e.data.cardIdentifier;
      methodInput.value = "new_card";
      form.submit();
    } else if (e.data.type === "better-pay:error") {
      fail(e.data.message);
    }
  });

  function paySavedCard() {
    var cvv = document.getElementById("saved-cvv").value.trim();
    if (!cvv) { fail("Please enter the security code (CVV) of your saved card."); return; }
    fetch(payOrigin + "/api/v1/card-identifiers/" + encodeURIComponent(savedCard) + "/security-code", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + sessionKey },
      body: JSON.stringify({ securityCode: cvv })
    }).then(function (resp) {
      if (resp.status === 204) {
        identInput.value = savedCard;
        methodInput.value = "saved_card";
        form.submit();
        return;
      }
      return resp.json().then(function (data) {
        fail(data.errors && data.errors[0] ? data.errors[0].clientMessage : "Your card could not be processed.");
      });
    }).catch(function () { fail("Your card could not be processed."); });
  }

  form.addEventListener("submit", function (e) {
    if (methodInput.value) { return; }  // the second, programmatic pass
    e.preventDefault();
    if (busy || !terms.checked) { return; }
    busy = true;
    errorBox.hidden = true;
    refresh();
    if (!cardPayment || (useCredit && useCredit.checked)) {
      methodInput.value = cardPayment ? "credit" : "free";
      form.submit();
    } else if (choice() === "saved") {
      paySavedCard();
    } else if (!frame) {
      fail("The payment form has not loaded. Please refresh the page and try again.");
    } else {
      frame.contentWindow.postMessage({ type: "better-pay:tokenise" }, payOrigin);
    }
  });

  form.addEventListener("change", refresh);
  refresh();
})();
