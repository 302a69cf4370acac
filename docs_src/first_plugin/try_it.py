"""See the plugin work in the local Tanzi that `tanzi-sdk dev` runs.

The demo buyer buys and pays; the demo merchant reads the plugin's notes through the API.
Run it with the shop id `tanzi-sdk dev` printed and the address it serves at:
python try_it.py 1 http://127.0.0.1:8000
"""

from __future__ import annotations

import sys
import time
import uuid

import httpx


def sign_in(http: httpx.Client, email: str, password: str) -> dict[str, str]:
    """Headers with a personal access token for a demo account."""
    answer = http.post("/api/v1/tokens", json={"email": email, "password": password})
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def buy_and_pay(http: httpx.Client, shop_id: int) -> int:
    """The demo buyer orders one item that ships to Zhejiang (33) and pays; the order id."""
    buyer = sign_in(http, "buyer@demo.tanzi", "demo-buyer")
    products = http.get(f"/api/v1/storefront/shops/{shop_id}/products").json()["items"]
    sku = next(
        s
        for p in products
        if not p["sellable_provinces"] or "33" in p["sellable_provinces"]
        for s in p["skus"]
        if s["stock"] > 0
    )
    placed = http.post(
        f"/api/v1/storefront/shops/{shop_id}/orders",
        headers={**buyer, "Idempotency-Key": str(uuid.uuid4())},
        json={
            "lines": [{"sku_id": sku["id"], "quantity": 1}],
            "recipient_name": "李买家",
            "recipient_phone": "13800138000",
            "province_code": "33",
            "address": "文三路 1 号",
        },
    )
    placed.raise_for_status()
    order_id: int = placed.json()["id"]
    http.post(f"/api/v1/me/orders/{order_id}/pay", headers=buyer).raise_for_status()
    return order_id


def notes(http: httpx.Client, shop_id: int) -> dict[str, dict]:
    """The plugin's notes, as the merchant reads them: order id -> note."""
    merchant = sign_in(http, "merchant@demo.tanzi", "demo-merchant")
    path = f"/api/v1/shops/{shop_id}/installations/acme_thanks/records/notes"
    found: dict[str, dict] = {}
    cursor = None
    while True:  # a page at a time: the demo's own orders have notes too
        answer = http.get(path, headers=merchant, params={"cursor": cursor} if cursor else {})
        answer.raise_for_status()
        page = answer.json()
        found.update({r["key"]: r["data"] for r in page["items"]})
        if not (cursor := page.get("next_cursor")):
            return found


if __name__ == "__main__":
    shop = int(sys.argv[1])
    tanzi_url = sys.argv[2] if len(sys.argv) > 2 else "http://127.0.0.1:8000"
    with httpx.Client(base_url=tanzi_url) as http:
        order = buy_and_pay(http, shop)
        # the embedded worker delivers the event in a moment; on a fresh demo it first
        # works through the demo's own events (a few hundred), so give it a minute
        for _ in range(120):
            if str(order) in (found := notes(http, shop)):
                print(f"order {order}: {found[str(order)]}")
                break
            time.sleep(0.5)
        else:
            sys.exit(f"order {order} has no note yet: is the plugin installed in shop {shop}?")
