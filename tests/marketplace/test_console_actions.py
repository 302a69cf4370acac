"""Plugins' merchant actions in the console: shown for the shop's enabled plugins, run as a
job through the plugin's scoped client, with progress and per-row results."""

from __future__ import annotations

import time

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

import core.models as m
from core.jobs.worker import start_embedded_worker
from core.plugins.installations import pause_installation
from tests.conftest import Factory
from tests.marketplace.console_helpers import (  # noqa: F401
    PLUGIN,
    enable,
    run_queued,
    settings,
    signed_in,
)
from tests.webtools import HTML, csrf_from

JSON = {"accept": "application/json"}
PRINT = f"{PLUGIN}:print_labels"


def _orders_page(client: TestClient, shop: m.Shop) -> str:
    response = client.get(f"/console/shops/{shop.id}/orders", headers=HTML)
    assert response.status_code == 200
    return response.text


def _run(
    client: TestClient, shop: m.Shop, ids: list[int], action: str = PRINT, **kw: str
) -> object:
    token = csrf_from(_orders_page(client, shop))
    return client.post(
        f"/console/shops/{shop.id}/actions",
        data={"action": action, "area": kw.get("area", "orders"), "ids": [str(i) for i in ids]},
        headers={**JSON, "x-csrf-token": token},
    )


def test_actions_show_only_for_the_shops_enabled_plugin(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    factory.order(shop)
    signed_in(client, owner)
    assert "Print labels for the selected orders" not in _orders_page(client, shop)
    enable(app, shop)  # no restart: the next request sees it
    page = _orders_page(client, shop)
    assert f'name="action" value="{PRINT}"' in page
    assert 'name="ids"' in page and "select-all" in page
    assert 'href="/apps/label_printer/help"' in page  # a link-only action
    assert "Count stock" not in page  # a products action
    assert "Sign labels" not in page  # needs a scope the plugin was not granted
    products = client.get(f"/console/shops/{shop.id}/products", headers=HTML).text
    assert f'value="{PLUGIN}:count_stock"' in products and PRINT not in products
    with Session(app.state.engine) as session:
        pause_installation(session, shop_id=shop.id, plugin_id=PLUGIN)
        session.commit()
    assert PRINT not in _orders_page(client, shop)


def test_an_action_runs_as_a_job_with_results_per_row(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    paid, _ = factory.order(shop)
    cancelled, _ = factory.order(shop, status=m.OrderStatus.cancelled)
    installation_id = enable(app, shop)
    signed_in(client, owner)
    response = _run(client, shop, [paid.id, cancelled.id])
    assert response.status_code == 202
    body = response.json()
    assert body["job"]["status"] == "queued" and body["job"]["total"] == 2
    assert body["job"]["percent"] == 0
    progress = client.get(body["progress_url"], headers=JSON).json()
    assert progress["done"] is False
    run_queued(app)
    progress = client.get(body["progress_url"], headers=JSON).json()
    assert progress["status"] == "succeeded" and progress["percent"] == 100
    assert progress["counts"] == {"succeeded": 1, "failed": 1}
    rows = {r["row"]: r for r in progress["rows"]}
    assert rows[paid.id] == {"row": paid.id, "ok": True, "message": "label for Buyer, 2 line(s)"}
    assert rows[cancelled.id]["ok"] is False
    assert f"order {cancelled.id} is cancelled" in rows[cancelled.id]["message"]
    with Session(app.state.engine) as session:
        records = session.exec(select(m.PluginRecord)).all()
        job = session.get(m.Job, progress["id"])
    # the plugin wrote through its scoped client: its own record, in this shop
    assert [(r.installation_id, r.shop_id, r.key) for r in records] == [
        (installation_id, shop.id, str(paid.id))
    ]
    assert job is not None and job.errors == [
        {"row": cancelled.id, "message": rows[cancelled.id]["message"]}
    ]
    page = client.get(body["url"], headers=HTML).text
    assert "Print labels for the selected orders" in page and 'value="100"' in page
    assert f"Row #{paid.id}: Done" in page and f"Row #{cancelled.id}: Failed" in page


def test_without_script_the_form_leads_to_the_jobs_page(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    order, _ = factory.order(shop)
    enable(app, shop)
    signed_in(client, owner)
    token = csrf_from(_orders_page(client, shop))
    response = client.post(
        f"/console/shops/{shop.id}/actions",
        data={"action": PRINT, "area": "orders", "ids": [str(order.id)], "csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"], headers=HTML).text
    assert 'http-equiv="refresh"' in page and "data-progress-url" in page
    run_queued(app)
    page = client.get(response.headers["location"], headers=HTML).text
    assert 'http-equiv="refresh"' not in page and "Finished · 1 of 1 done" in page
    assert f"Row #{order.id}: Done" in page


def test_bad_selections_are_refused(app: FastAPI, client: TestClient, factory: Factory) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    theirs, _ = factory.order(factory.shop())
    mine, _ = factory.order(shop)
    enable(app, shop)
    signed_in(client, owner)
    nothing = _run(client, shop, [])
    assert nothing.status_code == 400 and nothing.json()["errors"] == {
        "ids": "Select at least one row."
    }
    other_shop = _run(client, shop, [mine.id, theirs.id])
    assert other_shop.status_code == 400 and "ids" in other_shop.json()["errors"]
    unknown = _run(client, shop, [mine.id], action=f"{PLUGIN}:sign")
    assert unknown.status_code == 400 and "action" in unknown.json()["errors"]
    with Session(app.state.engine) as session:
        assert session.exec(select(m.Job)).all() == []


def test_an_action_needs_its_scope_granted(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    order, _ = factory.order(shop)
    enable(app, shop, scopes=["products:read"])
    signed_in(client, owner)
    assert PRINT not in _orders_page(client, shop)
    assert _run(client, shop, [order.id]).status_code == 400


def test_members_without_the_orders_area_cannot_run_or_watch(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    order, _ = factory.order(shop)
    enable(app, shop)
    clerk = factory.member(shop, areas=["products"])
    signed_in(client, owner)
    job = _run(client, shop, [order.id]).json()
    client.post("/signout", data={"csrf_token": csrf_from(_orders_page(client, shop))})
    signed_in(client, clerk)
    token = csrf_from(client.get(f"/console/shops/{shop.id}/products", headers=HTML).text)
    refused = client.post(
        f"/console/shops/{shop.id}/actions",
        data={"action": PRINT, "area": "orders", "ids": [str(order.id)]},
        headers={**JSON, "x-csrf-token": token},
    )
    assert refused.status_code == 403
    assert client.get(job["progress_url"], headers=JSON).status_code == 403
    stranger = factory.account()
    signed_in(client, stranger)
    assert client.get(job["progress_url"], headers=JSON).status_code == 404


def test_the_in_process_worker_runs_the_job(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    orders = [factory.order(shop)[0] for _ in range(3)]
    enable(app, shop)
    signed_in(client, owner)
    body = _run(client, shop, [o.id for o in orders]).json()
    stop = start_embedded_worker(app.state.settings)
    try:
        deadline = time.monotonic() + 20
        while True:
            progress = client.get(body["progress_url"], headers=JSON).json()
            if progress["done"] or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    finally:
        stop()
    assert progress["status"] == "succeeded"
    assert (progress["progress"], progress["total"], progress["percent"]) == (3, 3, 100)
    assert all(r["ok"] for r in progress["rows"])


SHEET = f"{PLUGIN}:label_sheet"


def test_a_whole_selection_action_writes_one_result_file(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    orders = [factory.order(shop)[0] for _ in range(3)]
    enable(app, shop)
    signed_in(client, owner)
    assert f'name="action" value="{SHEET}"' in _orders_page(client, shop)
    response = _run(client, shop, [o.id for o in orders], action=SHEET)
    assert response.status_code == 202
    body = response.json()
    assert body["job"]["result_url"] == ""
    run_queued(app)
    progress = client.get(body["progress_url"], headers=JSON).json()
    assert progress["status"] == "succeeded" and progress["percent"] == 100
    assert progress["counts"] == {"succeeded": 3} and progress["progress"] == 3
    assert progress["message"] == "3 label(s) on one sheet"
    assert progress["result_url"] == f"{body['url']}/result"
    with Session(app.state.engine) as session:
        files = session.exec(select(m.StoredFile)).all()
    # one file for the whole selection, private, kept for a while, owned by the shop
    assert [(f.shop_id, f.purpose, f.content_type, f.public) for f in files] == [
        (shop.id, m.FilePurpose.result, "text/csv", False)
    ]
    assert files[0].expires_at is not None
    page = client.get(body["url"], headers=HTML).text
    assert f'href="{body["url"]}/result"' in page and "Download the result" in page
    link = client.get(progress["result_url"], follow_redirects=False)
    assert link.status_code == 303
    download = client.get(link.headers["location"])
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    lines = download.text.splitlines()
    assert lines[0] == "order,recipient,lines"
    assert [line.split(",")[0] for line in lines[1:]] == [str(o.id) for o in orders]


def test_a_whole_selection_action_that_fails_keeps_no_file(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    paid, _ = factory.order(shop)
    cancelled, _ = factory.order(shop, status=m.OrderStatus.cancelled)
    enable(app, shop)
    signed_in(client, owner)
    body = _run(client, shop, [paid.id, cancelled.id], action=SHEET).json()
    run_queued(app)
    progress = client.get(body["progress_url"], headers=JSON).json()
    assert progress["status"] == "failed" and progress["result_url"] == ""
    assert f"order {cancelled.id} is cancelled" in progress["message"]
    assert client.get(f"{body['url']}/result", headers=HTML).status_code == 404
    with Session(app.state.engine) as session:
        assert session.exec(select(m.StoredFile)).all() == []


def test_another_shops_member_cannot_fetch_a_runs_result(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    order, _ = factory.order(shop)
    enable(app, shop)
    signed_in(client, owner)
    body = _run(client, shop, [order.id], action=SHEET).json()
    run_queued(app)
    stranger = factory.account()
    factory.shop(stranger)
    client.cookies.clear()
    signed_in(client, stranger)
    assert client.get(f"{body['url']}/result", follow_redirects=False).status_code == 404
