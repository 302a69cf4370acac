"""A buyer on the Oscar shop, through its public API: basket, then checkout."""

from __future__ import annotations

from typing import Any

import httpx

ADDRESS = {
    "first_name": "Lei",
    "last_name": "Li",
    "line1": "1 Wensan Road",
    "line4": "Hangzhou",
    "postcode": "310000",
}


class Buyer:
    """One anonymous buyer with a session (cookie) of their own."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(base_url=f"{base_url}/api/", timeout=60)

    def close(self) -> None:
        self.http.close()

    def add(self, product_id: str, quantity: int = 1) -> httpx.Response:
        """POST /api/basket/add-product/ (Oscar checks availability here, not at checkout)."""
        return self.http.post(
            "basket/add-product/",
            json={"url": f"{self.base_url}/api/products/{product_id}/", "quantity": quantity},
        )

    def checkout(self) -> dict[str, Any]:
        """POST /api/checkout/ with the basket; returns the order Oscar placed."""
        basket_url = self.http.get("basket/").json()["url"]
        response = self.http.post(
            "checkout/",
            json={
                "basket": basket_url,
                "guest_email": "buyer@example.com",
                "shipping_address": {**ADDRESS, "country": f"{self.base_url}/api/countries/CN/"},
            },
        )
        response.raise_for_status()
        return dict(response.json())
