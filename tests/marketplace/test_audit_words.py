"""The audit log says what an admin did in words, in both languages, not action codes."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from core.db import session_scope
from core.services.audit import record_action
from tests.webtools import HTML, sign_in

PASSWORD = "audit-words-pass"


def _cells(page: str) -> list[str]:
    return re.findall(r'<td class="audit-action"[^>]*>([^<]*)</td>', page)


def test_actions_and_targets_read_as_words(
    client: TestClient, factory: Any, engine: Engine
) -> None:
    admin = factory.account(password=PASSWORD, is_admin=True)
    with session_scope(engine) as session:
        record_action(
            session, actor_id=admin.id, action="suspend_listing", target_type="listing", target_id=3
        )
        record_action(
            session,
            actor_id=admin.id,
            action="rerun_checks",
            target_type="listing_version",
            target_id=4,
        )
        record_action(
            session, actor_id=admin.id, action="merge_shops", target_type="shop", target_id=5
        )
    sign_in(client, admin.email, PASSWORD)
    page = client.get("/admin/audit", headers=HTML).text
    assert _cells(page) == ["Merge shops", "Ran the automated checks again", "Suspended a listing"]
    assert "Version #4" in page and "Listing #3" in page
    assert "listing_version" not in re.sub(r'title="[^"]*"', "", page)
    chinese = client.get("/admin/audit", headers={**HTML, "Accept-Language": "zh-CN"}).text
    assert _cells(chinese)[1:] == ["重新运行了自动检查", "暂停了服务"]
