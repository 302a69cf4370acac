"""Qualifications in the console and the admin console: a licence submitted with its
document (image or PDF, streamed, refused when it is neither), its review status, and the
admin's review with the document previewed through signed links."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, func, select

import core.models as m
from core.models.files import StoredFile
from tests.conftest import Factory
from tests.webtools import HTML, csrf_from, sign_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def _signed_in(client: TestClient, account: m.Account) -> TestClient:
    sign_in(client, account.email, "secret-pass")
    return client


def _files(factory: Factory) -> int:
    with Session(factory.engine) as session:
        return int(session.exec(select(func.count()).select_from(StoredFile)).one())


def _upload_token(client: TestClient, shop: m.Shop) -> str:
    page = client.get(f"/console/shops/{shop.id}/qualifications", headers=HTML).text
    found = re.search(r'id="qualification-upload"[^>]*data-csrf="([^"]+)"', page)
    assert found, "no submit form"
    return found.group(1)


def _submit(
    client: TestClient,
    shop: m.Shop,
    token: str,
    body: bytes,
    *,
    kind: str = "food_licence",
    number: str = "JY13101010001",
    lang: str = "en",
) -> object:
    return client.post(
        f"/console/shops/{shop.id}/qualifications",
        params={"kind": kind, "document_number": number, "filename": "licence.jpg"},
        content=body,
        headers={"X-CSRF-Token": token, "Accept": "application/json", "Accept-Language": lang},
    )


def test_a_licence_is_submitted_with_an_image_and_shows_under_review(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    _signed_in(client, owner)
    token = _upload_token(client, shop)
    sent = _submit(client, shop, token, _jpeg())
    assert sent.status_code == 201, sent.text  # type: ignore[attr-defined]
    qualification = factory.fetch(m.Qualification, sent.json()["id"])  # type: ignore[attr-defined]
    assert qualification.status == m.QualificationStatus.pending
    document = factory.fetch(StoredFile, qualification.document_file_id)
    assert (document.purpose, document.public, document.content_type) == (
        "document",
        False,
        "image/jpeg",
    )
    page = client.get(f"/console/shops/{shop.id}/qualifications", headers=HTML).text
    assert "Under review" in page and "JY13101010001" in page
    link = client.get(
        f"/console/shops/{shop.id}/qualifications/{qualification.id}/document",
        follow_redirects=False,
    )
    assert link.status_code == 303 and "/files/signed/" in link.headers["location"]
    assert client.get(link.headers["location"]).content[:3] == b"\xff\xd8\xff"
    # the document is private: no public URL serves it
    assert client.get(f"/api/v1/files/{document.id}/{document.sha256}.jpg").status_code == 404
    api = client.get(f"/api/v1/shops/{shop.id}/qualifications", headers=factory.headers(owner))
    assert api.json()["items"][0]["document_file_id"] == document.id


def test_a_pdf_is_accepted_and_other_files_are_refused_with_nothing_left(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    _signed_in(client, owner)
    token = _upload_token(client, shop)
    before = _files(factory)

    svg = _submit(client, shop, token, b"<svg xmlns='http://www.w3.org/2000/svg'/>", lang="zh-CN")
    assert svg.status_code == 415  # type: ignore[attr-defined]
    assert "PDF" in svg.json()["message"]  # type: ignore[attr-defined]
    truncated = _submit(client, shop, token, _jpeg()[:300])
    assert truncated.status_code == 422  # type: ignore[attr-defined]
    assert truncated.json()["code"] == "invalid_image"  # type: ignore[attr-defined]
    unknown = _submit(client, shop, token, PDF, kind="weapons_licence")
    assert unknown.status_code == 422  # type: ignore[attr-defined]
    assert unknown.json()["fields"] == {"kind": "Choose the kind of licence."}  # type: ignore[attr-defined]
    short = _submit(client, shop, token, PDF, number="x")
    assert set(short.json()["fields"]) == {"document_number"}  # type: ignore[attr-defined]
    assert _files(factory) == before

    pdf = _submit(client, shop, token, PDF)
    assert pdf.status_code == 201  # type: ignore[attr-defined]
    assert _files(factory) == before + 1
    duplicate = _submit(client, shop, token, PDF)
    assert duplicate.status_code == 409  # type: ignore[attr-defined]
    assert "already has this licence" in duplicate.json()["message"]  # type: ignore[attr-defined]
    assert _files(factory) == before + 1


def test_a_member_without_the_data_area_sees_no_form_and_gets_403(
    client: TestClient, factory: Factory
) -> None:
    shop = factory.shop()
    clerk = factory.member(shop, areas=["products"])
    _signed_in(client, clerk)
    page = client.get(f"/console/shops/{shop.id}/qualifications", headers=HTML)
    assert page.status_code == 200 and 'id="qualification-upload"' not in page.text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert token
    refused = _submit(client, shop, token.group(1), PDF)
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert _files(factory) == 0


def test_the_admin_previews_the_document_approves_and_rejects_with_a_reason(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner, name="Tea corner")
    admin = factory.account(is_admin=True)
    _signed_in(client, owner)
    token = _upload_token(client, shop)
    image_id = _submit(client, shop, token, _jpeg()).json()["id"]  # type: ignore[attr-defined]
    pdf_id = _submit(client, shop, token, PDF, kind="cosmetics_licence").json()["id"]  # type: ignore[attr-defined]

    client.cookies.clear()
    _signed_in(client, owner)
    assert client.get("/admin/qualifications", headers=HTML).status_code == 403

    client.cookies.clear()
    _signed_in(client, admin)
    page = client.get("/admin/qualifications", headers=HTML).text
    assert 'href="/admin/qualifications" aria-current="page"' in page
    assert f'src="/admin/qualifications/{image_id}/preview"' in page
    assert f'href="/admin/qualifications/{pdf_id}/document">Open the PDF' in page
    preview = client.get(f"/admin/qualifications/{image_id}/preview")
    assert preview.status_code == 200
    assert preview.headers["cache-control"] == "private, no-store"
    assert Image.open(io.BytesIO(preview.content)).size[0] <= 400  # the thumbnail
    pdf = client.get(f"/admin/qualifications/{pdf_id}/document")
    assert pdf.content == PDF and pdf.headers["content-type"] == "application/pdf"

    token = csrf_from(page)
    approved = client.post(
        f"/admin/qualifications/{image_id}/approve",
        data={"csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )
    assert approved.status_code == 303
    assert factory.fetch(m.Qualification, image_id).status == m.QualificationStatus.approved
    no_reason = client.post(
        f"/admin/qualifications/{pdf_id}/reject",
        data={"csrf_token": token, "reason": "  "},
        headers=HTML,
    )
    assert no_reason.status_code == 400 and "Say why it is rejected" in no_reason.text
    rejected = client.post(
        f"/admin/qualifications/{pdf_id}/reject",
        data={"csrf_token": token, "reason": "The scan is unreadable"},
        headers=HTML,
        follow_redirects=False,
    )
    assert rejected.status_code == 303
    with Session(factory.engine) as session:
        actions = session.exec(
            select(m.AuditLogEntry.action).where(m.AuditLogEntry.target_type == "qualification")
        ).all()
    assert sorted(actions) == ["approve_qualification", "reject_qualification"]

    client.cookies.clear()
    _signed_in(client, owner)
    page = client.get(
        f"/console/shops/{shop.id}/qualifications", headers={**HTML, "Accept-Language": "zh-CN"}
    ).text
    assert "已通过" in page and "The scan is unreadable" in page
