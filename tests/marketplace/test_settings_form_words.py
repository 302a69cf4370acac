"""The settings form speaks the merchant's language: labels and descriptions from the
model's field titles and descriptions (translated where the model gives a translation, via
sdk.forms.setting_text), never raw field names; money in fen is shown and typed in yuan."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

import core.models as m
from marketplace.web.settings_form import fen_from_yuan, read_settings_form, settings_fields
from plugins.shipping_insurance.settings import InsuranceSettings
from tests.conftest import Factory
from tests.marketplace import marketdata
from tests.webtools import HTML, csrf_from, sign_in

ZH = {**HTML, "Accept-Language": "zh-CN"}


def test_labels_come_from_the_models_titles_in_each_language() -> None:
    english = {f.name: f for f in settings_fields(InsuranceSettings, {})}
    assert english["min_premium_fen"].label == "Lowest premium"
    assert english["min_premium_fen"].description == "No policy costs less than this."
    chinese = {f.name: f for f in settings_fields(InsuranceSettings, {}, locale="zh_CN")}
    assert chinese["min_premium_fen"].label == "最低保费"
    assert chinese["premium_rate_bp"].label == "保费费率"


def test_money_in_fen_is_shown_and_read_in_yuan() -> None:
    fields = {f.name: f for f in settings_fields(InsuranceSettings, {"min_premium_fen": 75})}
    money = fields["min_premium_fen"]
    assert (money.kind, money.value, money.attrs) == (
        "money",
        "0.75",
        {"min": "0.00", "step": "0.01"},
    )
    assert fields["claim_amount_fen"].attrs["max"] == "1000.00"
    assert fields["premium_rate_bp"].kind == "int"  # not money: basis points stay as they are
    form = {
        "premium_rate_bp": "100",
        "min_premium_fen": "0.5",
        "max_premium_fen": "5",
        "claim_amount_fen": "12.00",
    }
    saved, errors, _ = read_settings_form(InsuranceSettings, form, {})
    assert errors == {}
    assert saved == {
        "premium_rate_bp": 100,
        "min_premium_fen": 50,
        "max_premium_fen": 500,
        "claim_amount_fen": 1200,
    }


@pytest.mark.parametrize(("typed", "read"), [("1.005", "1.005"), ("abc", "abc"), ("-0.5", -50)])
def test_amounts_that_are_not_whole_fen_are_left_for_the_model_to_refuse(
    typed: str, read: int | str
) -> None:
    assert fen_from_yuan(typed) == read


@pytest.fixture
def insured_shop(client: TestClient, engine: Engine, factory: Factory) -> Any:
    provider = factory.account(is_provider=True)
    row = marketdata.listing(engine, provider, slug="shipping_insurance")
    owner = factory.account()
    shop = factory.shop(owner)
    installation = marketdata.installation(
        engine, shop, row, scopes=["orders:read"], settings={"min_premium_fen": 60}
    )
    sign_in(client, owner.email, "secret-pass")
    return shop, installation


def test_the_form_page_in_chinese_shows_no_raw_field_names(
    client: TestClient, insured_shop: Any
) -> None:
    shop, _ = insured_shop
    page = client.get(f"/console/shops/{shop.id}/apps/shipping_insurance", headers=ZH).text
    form = page[page.index("<fieldset") : page.index("</fieldset>")]
    labels = re.findall(r"<label>([^<]+)", form)
    assert [label.strip() for label in labels] == [
        "保费费率",
        "最低保费",
        "最高保费",
        "每次退货赔付",
    ]
    assert "Min premium fen" not in page and "in fen" not in page
    assert "每份保单的保费不低于此金额。" in form
    assert 'name="min_premium_fen" value="0.60"' in form
    assert "元，¥" in form  # noqa: RUF001 (Chinese punctuation)


def test_a_form_in_yuan_is_saved_in_fen(
    client: TestClient, factory: Factory, insured_shop: Any
) -> None:
    shop, installation = insured_shop
    url = f"/console/shops/{shop.id}/apps/shipping_insurance"
    token = csrf_from(client.get(url, headers=HTML).text)
    done = client.post(
        f"{url}/settings",
        data={
            "csrf_token": token,
            "premium_rate_bp": "150",
            "min_premium_fen": "1.50",
            "max_premium_fen": "8",
            "claim_amount_fen": "15.00",
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert factory.fetch(m.Installation, installation.id).settings == {
        "premium_rate_bp": 150,
        "min_premium_fen": 150,
        "max_premium_fen": 800,
        "claim_amount_fen": 1500,
    }
