// The buyer page (/s/{shop}): switch the product picture, show the chosen option's price,
// and hide the address when the buyer picks the order up. The page works without it.
"use strict";

(function () {
  var main = document.getElementById("gallery-main");
  document.querySelectorAll(".gallery-thumbs button[data-src]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!main) {
        return;
      }
      main.src = button.dataset.src;
      document.querySelectorAll(".gallery-thumbs button").forEach(function (other) {
        other.setAttribute("aria-pressed", other === button ? "true" : "false");
      });
    });
  });

  var price = document.getElementById("chosen-price");
  document.querySelectorAll("input[name=sku_id][data-price]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      if (price && radio.checked) {
        price.textContent = radio.dataset.price;
      }
    });
  });

  var pickup = document.getElementById("self-pickup");
  var address = document.querySelector(".order-form .address-field");
  function showAddress() {
    if (pickup && address) {
      address.hidden = pickup.checked;
    }
  }
  if (pickup) {
    pickup.addEventListener("change", showAddress);
    showAddress();
  }
})();
