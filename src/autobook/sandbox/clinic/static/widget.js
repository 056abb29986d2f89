// Small progressive enhancements; every step also works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  const search = document.getElementById("service-search");
  if (search) {
    search.addEventListener("input", () => {
      const q = search.value.trim().toLowerCase();
      document.querySelectorAll(".service-option").forEach((option) => {
        option.hidden = q !== "" && !option.textContent.toLowerCase().includes(q);
      });
    });
  }
  // One click books once: the button is disabled while the payment is processed.
  const payment = document.getElementById("payment-form");
  if (payment) {
    payment.addEventListener("submit", () => {
      const button = document.getElementById("book-appointment");
      button.disabled = true;
      button.textContent = "Processing…";
    });
  }
});
