from fastapi.testclient import TestClient


def test_unknown_route_is_a_problem(client: TestClient) -> None:
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


def test_openapi_is_served(client: TestClient) -> None:
    assert client.get("/openapi.json").json()["info"]["title"] == "Tanzi open API"


def test_problem_extra_members_cannot_replace_reserved_ones() -> None:
    from core.errors import Conflict

    body = Conflict("taken", extra={"status": "shadow", "code": "x", "limit": 3}).to_problem()
    assert body["status"] == 409
    assert body["code"] == "conflict"
    assert body["limit"] == 3
