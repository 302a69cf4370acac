"""A buyer page on the storefront and a counter with a ceiling: the first 50 buyers who
ask get a free gift, however many ask at once."""

from __future__ import annotations

from sdk import PluginManifest, PluginRoute, SafeHtml, ShopClient, hookimpl
from sdk.models import PageForm

manifest = PluginManifest(
    id="acme_free_gift",
    name="Free gift",
    version="0.1.0",
    category="marketing",
    hooks=["register_routes"],
    requires_tanzi=">=0.1",
)
GIFTS = 50


def gift_page(buyer_id: int | None = None, notice: str = "") -> SafeHtml:
    """What the buyer sees: the offer and a button (drawn by the host, CSRF-checked)."""
    ask = PageForm(path="/ask", label="Ask for my gift", label_zh_CN="领取赠品")
    return SafeHtml(html=f"<p>{notice}A tea sample for the first {GIFTS} buyers.</p>", forms=(ask,))


def ask(client: ShopClient, buyer_id: int | None = None) -> SafeHtml:
    """One gift per buyer, and never more than ``GIFTS`` in all."""
    if buyer_id is None:  # a POST always has a signed-in buyer; a GET may not
        return gift_page()
    mine = client.records.increment("gifts", f"buyer-{buyer_id}", "asked", ceiling=1)
    if mine is None:
        return gift_page(buyer_id, "You already asked. ")
    if client.records.increment("gifts", "all", "given", ceiling=GIFTS) is None:
        client.records.increment("gifts", f"buyer-{buyer_id}", "asked", by=-1)
        return gift_page(buyer_id, "Sorry, all gifts are gone. ")
    return gift_page(buyer_id, "Your gift comes with your next order. ")


@hookimpl
def register_routes() -> list[PluginRoute]:
    """A titled buyer GET page is linked from the shop's storefront."""
    return [
        PluginRoute(path="/", endpoint=gift_page, title="Free gift", audience="buyer"),
        PluginRoute(path="/ask", endpoint=ask, methods=("POST",), audience="buyer"),
    ]
