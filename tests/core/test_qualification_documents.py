"""A licence's scan through the API: uploaded (image or PDF, private), claimed by the
qualification that names it, refused for another shop's file; an unclaimed scan expires."""

from __future__ import annotations

import io
from datetime import timedelta

from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, col, select

from core.models.base import utcnow
from core.models.files import StoredFile
from tests.conftest import Factory

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (5, 6, 7)).save(out, format="PNG")
    return out.getvalue()


def _rows(factory: Factory, file_id: int) -> list[StoredFile]:
    with Session(factory.engine) as session:
        return list(
            session.exec(
                select(StoredFile).where(
                    (col(StoredFile.id) == file_id) | (col(StoredFile.original_id) == file_id)
                )
            ).all()
        )


def test_a_scan_is_uploaded_then_claimed_by_the_qualification(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    headers = factory.headers(owner)
    url = f"/api/v1/shops/{shop.id}/qualifications"

    image = client.post(url + "/documents", content=_png(), headers=headers)
    assert image.status_code == 201, image.text
    body = image.json()
    assert (body["content_type"], body["width"], body["height"]) == ("image/png", 120, 80)
    rows = _rows(factory, body["id"])
    assert len(rows) == 2  # the scan and its preview
    assert all(not r.public and r.expires_at is not None for r in rows)  # until claimed

    submitted = client.post(
        url,
        headers=headers,
        json={"kind": "food_licence", "document_number": "JY1310", "document_file_id": body["id"]},
    )
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["document_file_id"] == body["id"]
    assert all(r.expires_at is None for r in _rows(factory, body["id"]))

    pdf = client.post(url + "/documents", content=PDF, headers=headers)
    assert pdf.status_code == 201 and pdf.json()["content_type"] == "application/pdf"
    link = client.post(f"/api/v1/shops/{shop.id}/files/{pdf.json()['id']}/link", headers=headers)
    assert client.get(link.json()["url"]).content == PDF


def test_scans_are_refused_when_not_an_image_or_pdf_or_not_the_shops(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    other_owner = factory.account()
    other = factory.shop(other_owner)
    headers = factory.headers(owner)

    html = client.post(
        f"/api/v1/shops/{shop.id}/qualifications/documents",
        content=b"<!doctype html><p>not a scan",
        headers=headers,
    )
    assert html.status_code == 415
    assert html.json()["errors"][0]["field"] == "body"
    with Session(factory.engine) as session:
        assert session.exec(select(StoredFile)).first() is None

    theirs = client.post(
        f"/api/v1/shops/{other.id}/qualifications/documents",
        content=PDF,
        headers=factory.headers(other_owner),
    ).json()["id"]
    borrowed = client.post(
        f"/api/v1/shops/{shop.id}/qualifications",
        headers=headers,
        json={"kind": "food_licence", "document_number": "JY1310", "document_file_id": theirs},
    )
    assert borrowed.status_code == 422
    assert borrowed.json()["code"] == "unknown_document"
    assert borrowed.json()["errors"][0]["field"] == "body.document_file_id"

    clerk = factory.member(shop, areas=["products"])
    assert (
        client.post(
            f"/api/v1/shops/{shop.id}/qualifications/documents",
            content=PDF,
            headers=factory.headers(clerk),
        ).status_code
        == 403
    )


def test_an_expired_scan_cannot_be_claimed(client: TestClient, factory: Factory) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    headers = factory.headers(owner)
    file_id = client.post(
        f"/api/v1/shops/{shop.id}/qualifications/documents", content=PDF, headers=headers
    ).json()["id"]
    with Session(factory.engine) as session:
        row = session.get(StoredFile, file_id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(minutes=1)
        session.add(row)
        session.commit()
    late = client.post(
        f"/api/v1/shops/{shop.id}/qualifications",
        headers=headers,
        json={"kind": "food_licence", "document_number": "JY1310", "document_file_id": file_id},
    )
    assert late.status_code == 422 and late.json()["code"] == "unknown_document"
