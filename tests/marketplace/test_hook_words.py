"""A listing says when its service acts in the merchant's words, not hook names, in both
languages; every hook spec has its words (sdk.hook_words) and their Chinese."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from marketplace.web.i18n import merged_catalog
from sdk.cli.usage import hook_scopes
from sdk.hook_words import HOOK_WORDS, hook_words
from tests.conftest import Factory
from tests.marketplace import marketdata
from tests.webtools import HTML


def test_every_hook_has_words_and_their_translation() -> None:
    assert set(HOOK_WORDS) == set(hook_scopes())
    catalog = merged_catalog("zh_CN")
    missing = [words for words in HOOK_WORDS.values() if words not in catalog]
    assert not missing, f"add to marketplace/locale/zh_CN/LC_MESSAGES/market.po: {missing}"


def test_an_unknown_hook_falls_back_to_its_name() -> None:
    assert hook_words("order_paid") == "an order is paid"
    assert hook_words("no_such_hook") == "no_such_hook"


def test_the_listing_page_names_no_hooks(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    provider = factory.account(is_provider=True)
    marketdata.listing(
        engine,
        provider,
        slug="order_copier",
        hooks=["order_paid", "installation_removed"],
    )
    marketdata.listing(
        engine, provider, slug="remote_copier", kind="remote", webhook_topics=["order.shipped"]
    )
    page = client.get("/market/order_copier", headers=HTML).text
    assert "<li>an order is paid</li>" in page
    assert "<li>you remove it (it tidies up what it made)</li>" in page
    assert "order_paid" not in page and "installation_removed" not in page
    chinese = client.get("/market/order_copier", headers={**HTML, "Accept-Language": "zh-CN"})
    assert "<li>订单付款时</li>" in chinese.text
    remote = client.get("/market/remote_copier", headers=HTML).text
    assert "<li>an order is shipped</li>" in remote and "order.shipped" not in remote
