"""Bad input is a 422 naming the field, never a 500, on every route the app has.

The cases are built from ``app.routes`` and the OpenAPI document, so a new route or a new
body field is covered the day it is added: an integer path or query parameter set past the
database's range, and each string and integer field of each JSON body set to a lone
surrogate or an out-of-range integer, while the rest of the body is valid.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from core.api.storable_input import (
    DB_INT_MAX,
    StorableModelField,
    request_fields,
    route_dependants,
)
from core.settings import Settings
from tests.conftest import Factory
from tests.routes import api_routes
from tests.webtools import sign_in

HUGE_ID = 99999999999999999999
LONE_SURROGATE = "\ud83c"
#: Samples for the string patterns the schemas use (a value that matches each).
PATTERN_SAMPLES = {
    r"^[a-z][a-z0-9_]*$": "abc",
    r"^[a-z][a-z0-9_]+$": "abc",
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$": "someone@example.com",
    r"^\+?[0-9][0-9 -]{3,18}[0-9]$": "13800000000",
    r"^[0-9]{8,40}$": "12345678",
    r"^[0-9 +-]*$": "021 5555 0000",
    r"^[A-Za-z0-9_.:-]+$": "move-1:in",
    r"^[A-Za-z0-9_-]+$": "a-1",
}
#: Routes that only an installation's OAuth token reaches: a person's token is refused
#: before the body is read. The schemathesis run and their own tests cover their input.
INSTALLATION_ONLY = re.compile(r"^/api/v1/installation/")

Path = tuple[str | int, ...]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Rate limits off: one caller sends a request to every route and field."""
    settings.rate_limit_enabled = False
    return settings


@pytest.fixture
def caller(factory: Factory) -> tuple[dict[str, str], int]:
    """A merchant who is also admin and provider, so every guard lets the request reach
    validation; returns their bearer headers and shop id."""
    owner = factory.account(is_admin=True, is_provider=True)
    shop = factory.shop(owner)
    return factory.headers(owner), shop.id


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def sample(schema: dict[str, Any], spec: dict[str, Any]) -> Any:
    """A valid value for ``schema`` with every optional property filled in."""
    schema = _resolve(schema, spec)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if _resolve(s, spec).get("type") != "null"]
            return sample(options[0], spec)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        value = {name: sample(sub, spec) for name, sub in props.items()}
        extra = schema.get("additionalProperties")
        if not props and isinstance(extra, dict) and extra:
            value = {"key": sample(extra, spec)}
        return value
    if kind == "array":
        return [sample(schema.get("items", {}), spec)] * max(schema.get("minItems", 1), 1)
    if kind == "string":
        if schema.get("format") == "date-time":
            return "2030-01-01T00:00:00Z"
        if "pattern" in schema:
            return PATTERN_SAMPLES[schema["pattern"]]
        return "x" * max(schema.get("minLength", 1), 1)
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return float(max(schema.get("minimum", 1), 1))
    if kind == "boolean":
        return True
    return "x"


def leaves(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every scalar inside ``value`` with its path."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path, value


def replaced(value: Any, path: Path, new: Any) -> Any:
    """A deep copy of ``value`` with the item at ``path`` set to ``new``."""
    copy = json.loads(json.dumps(value))
    target = copy
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = new
    return copy


def field_name(loc: Path) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def operations(app: FastAPI) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, ops in app.openapi()["paths"].items():
        for method, op in ops.items():
            yield method.upper(), path, op


def fill_path(path: str, shop_id: int, override: dict[str, Any] | None = None) -> str:
    override = override or {}

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in override:
            return str(override[name])
        return str(shop_id) if name == "shop_id" else "1"

    return re.sub(r"\{([^}]+)\}", value, path)


def send(client: TestClient, method: str, url: str, headers: dict[str, str], body: Any) -> Any:
    # json.dumps escapes a lone surrogate as \\ud83c, which is what a client sends on the wire.
    return client.request(
        method,
        url,
        headers={**headers, "content-type": "application/json"},
        content=json.dumps(body) if body is not None else None,
    )


def refusal_mismatch(response: Any, field: str, case: str) -> str | None:
    """``None`` when ``response`` is a 422 problem naming ``field``, else what went wrong."""
    if response.status_code != 422:
        return f"{case}: {response.status_code} {response.text[:200]}"
    if response.headers["content-type"] != "application/problem+json":
        return f"{case}: {response.headers['content-type']}"
    fields = [err["field"] for err in response.json()["errors"]]
    return None if field in fields else f"{case}: 422 for {fields}, not {field}"


def test_every_request_field_of_every_route_has_the_storage_check(app: FastAPI) -> None:
    unguarded = [
        f"{field.name}"
        for dependant in route_dependants(app.routes)
        for field in request_fields(dependant)
        if not isinstance(field, StorableModelField)
    ]
    assert unguarded == []
    assert len(list(route_dependants(app.routes))) >= 50


def test_out_of_range_integer_in_every_path_and_query_parameter_is_422(
    app: FastAPI, client: TestClient, caller: tuple[dict[str, str], int]
) -> None:
    headers, shop_id = caller
    checked = 0
    wrong: list[str | None] = []
    for method, path, op in operations(app):
        if INSTALLATION_ONLY.match(path):
            continue
        body = None
        if "application/json" in op.get("requestBody", {}).get("content", {}):
            body = sample(op["requestBody"]["content"]["application/json"]["schema"], app.openapi())
        for param in op.get("parameters", []):
            if _resolve(param.get("schema", {}), app.openapi()).get(
                "type"
            ) != "integer" and not any(
                s.get("type") == "integer" for s in param.get("schema", {}).get("anyOf", [])
            ):
                continue
            where, name = param["in"], param["name"]
            if where == "path":
                url = fill_path(path, shop_id, {name: HUGE_ID})
            elif where == "query":
                url = f"{fill_path(path, shop_id)}?{name}={HUGE_ID}"
            else:
                continue
            response = send(client, method, url, headers, body)
            wrong.append(refusal_mismatch(response, f"{where}.{name}", f"{method} {url}"))
            checked += 1
    assert [w for w in wrong if w] == []
    assert checked >= 60


def test_page_routes_refuse_an_out_of_range_id_without_a_server_error(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    owner = factory.account(is_admin=True, is_provider=True)
    shop_id = factory.shop(owner).id
    sign_in(client, owner.email, "secret-pass")
    page = client.get("/console", headers={"accept": "text/html"}).text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token is not None
    headers = {"accept": "text/html", "x-csrf-token": token.group(1)}
    checked = 0
    wrong: list[str] = []
    for route in api_routes(app.routes):
        if route.path.startswith("/api/") or "{" not in route.path:
            continue
        ints = [
            f.name
            for f in route.dependant.path_params
            + [p for d in route.dependant.dependencies for p in d.path_params]
            if f.field_info.annotation is int
        ]
        for name in ints:
            url = fill_path(route.path, shop_id, {name: HUGE_ID}).replace("{path}", "x")
            for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
                response = client.request(method, url, headers=headers, follow_redirects=False)
                if response.status_code != 422:
                    wrong.append(f"{method} {url}: {response.status_code}")
                checked += 1
    assert wrong == []
    assert checked >= 10


def test_lone_surrogate_or_huge_integer_in_every_body_field_is_422(
    app: FastAPI, client: TestClient, caller: tuple[dict[str, str], int]
) -> None:
    headers, shop_id = caller
    spec = app.openapi()
    checked = 0
    wrong: list[str | None] = []
    for method, path, op in operations(app):
        content = op.get("requestBody", {}).get("content", {})
        if "application/json" not in content or INSTALLATION_ONLY.match(path):
            continue
        body = sample(content["application/json"]["schema"], spec)
        url = fill_path(path, shop_id)
        for where, value in leaves(body):
            if isinstance(value, bool) or not isinstance(value, str | int) or not where:
                continue
            bad = LONE_SURROGATE if isinstance(value, str) else DB_INT_MAX + 1
            response = send(client, method, url, headers, replaced(body, where, bad))
            case = f"{method} {path} {where}"
            wrong.append(refusal_mismatch(response, field_name(("body", *where)), case))
            checked += 1
    assert [w for w in wrong if w] == []
    assert checked >= 60


def test_lone_surrogate_in_the_fields_the_issue_names_is_422(
    client: TestClient, caller: tuple[dict[str, str], int], factory: Factory
) -> None:
    headers, shop_id = caller
    category = factory.category()
    product = {
        "category_id": category.id,
        "title": "Tea",
        "description": "Green tea",
        "skus": [{"code": "TEA-1", "price_fen": 100, "stock": 5, "options": {"size": "S"}}],
    }
    url = f"/api/v1/shops/{shop_id}/products"
    assert send(client, "POST", url, headers, product).status_code == 201
    for where in [
        ("title",),
        ("description",),
        ("skus", 0, "code"),
        ("skus", 0, "options", "size"),
    ]:
        response = send(
            client, "POST", url, headers, replaced(product, where, "a" + LONE_SURROGATE)
        )
        assert refusal_mismatch(response, field_name(("body", *where)), str(where)) is None
    nul = send(client, "POST", url, headers, replaced(product, ("title",), "a\x00b"))
    assert nul.status_code == 422
