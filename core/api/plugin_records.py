"""REST routes: the calling installation and the records it keeps (``client.records`` over HTTP).

A service's token is bound to one installation; these routes act on that installation
only, so they take no shop id and need no scope, exactly like the in-process client's
``records``. A personal token is refused (people read a plugin's records through
``/shops/{shop_id}/installations/{plugin_id}/records/{collection}``). The rules (names,
sizes) are :mod:`core.services.plugin_records`, shared with the in-process client.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from core.api.deps import PageParams, PrincipalDep, ReadSessionDep, SessionDep
from core.api.pagination import Page
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.models import Installation, PluginRecord
from core.schemas.aftersales import as_utc
from core.schemas.installations import PluginRecordPublic
from core.schemas.plugin_records import (
    CounterIncrement,
    CounterValue,
    OwnInstallationPublic,
    RecordWrite,
)
from core.services import plugin_records as service

router = APIRouter(tags=["installation records"])

RECORDS = "/installation/records/{collection}"
RECORD = RECORDS + "/{key:path}"
COUNTER = "/installation/counters/{collection}/{key:path}"


def get_own_installation(principal: PrincipalDep, session: ReadSessionDep) -> Installation:
    """The installation the caller's service token is bound to."""
    if principal.installation_id is None:
        raise PermissionDenied(
            "Only a service's token, bound to one installation, has an installation of its own.",
            code="installation_token_required",
        )
    row = session.get(Installation, principal.installation_id)
    session.commit()  # end the read transaction in this thread (see get_session)
    session.expunge_all()  # from the read session: a write route may add it to its own
    if row is None:
        raise NotFound("The token's installation was not found.")
    return row


OwnInstallation = Annotated[Installation, Depends(get_own_installation)]


def _public(row: PluginRecord) -> PluginRecordPublic:
    return PluginRecordPublic(
        id=row.id or 0,
        collection=row.collection,
        key=row.key,
        data=dict(row.data),
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
    )


def _encode_key(key: str) -> str:
    return base64.urlsafe_b64encode(f"key:{key}".encode()).decode().rstrip("=")


def _decode_key(cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raw = ""
    kind, _, key = raw.partition(":")
    if kind != "key":
        raise InvalidInput("The cursor is not one this API gave out.", field="query.cursor")
    return key


def _not_found(collection: str, key: str) -> NotFound:
    return NotFound(
        f"There is no record '{key}' in collection '{collection}'.", code="record_not_found"
    )


@router.get("/installation", summary="The installation the caller's token is bound to")
def get_installation(installation: OwnInstallation) -> OwnInstallationPublic:
    assert installation.id is not None
    return OwnInstallationPublic(
        id=installation.id,
        shop_id=installation.shop_id,
        plugin_id=installation.plugin_id,
        version=installation.version,
        status=installation.status.value,
        granted_scopes=list(installation.granted_scopes),
    )


@router.get(RECORDS, summary="The installation's records of one collection, by key")
def list_records(
    collection: str,
    installation: OwnInstallation,
    session: ReadSessionDep,
    page: PageParams,
    after_key: Annotated[
        str | None, Query(max_length=200, description="Start after this key")
    ] = None,
) -> Page[PluginRecordPublic]:
    """Ordered by key; ``next_cursor`` (or the last key as ``after_key``) gives the next page."""
    cursor, limit = page
    start = _decode_key(cursor) if cursor else after_key
    rows = service.list_records(
        session,
        installation_id=installation.id or 0,
        collection=collection,
        limit=limit,
        after_key=start,
    )
    next_cursor = None
    if len(rows) == limit and service.list_records(
        session,
        installation_id=installation.id or 0,
        collection=collection,
        limit=1,
        after_key=rows[-1].key,
    ):
        next_cursor = _encode_key(rows[-1].key)
    return Page(items=[_public(r) for r in rows], next_cursor=next_cursor)


@router.get(RECORD, summary="One record")
def get_record(
    collection: str, key: str, installation: OwnInstallation, session: ReadSessionDep
) -> PluginRecordPublic:
    row = service.get_record(
        session, installation_id=installation.id or 0, collection=collection, key=key
    )
    if row is None:
        raise _not_found(collection, key)
    return _public(row)


@router.put(RECORD, summary="Create or replace a record (201 when it was created)")
def put_record(
    collection: str,
    key: str,
    body: RecordWrite,
    response: Response,
    installation: OwnInstallation,
    session: SessionDep,
    if_absent: Annotated[
        bool, Query(description="Leave an existing record as it is and return it")
    ] = False,
) -> PluginRecordPublic:
    row, created = service.put_record(
        session,
        installation_id=installation.id or 0,
        shop_id=installation.shop_id,
        collection=collection,
        key=key,
        data=body.data,
        if_absent=if_absent,
    )
    out = _public(row)
    session.commit()
    if created:
        response.status_code = status.HTTP_201_CREATED
    return out


@router.delete(
    RECORD, status_code=status.HTTP_204_NO_CONTENT, response_class=Response, summary="Delete"
)
def delete_record(
    collection: str, key: str, installation: OwnInstallation, session: SessionDep
) -> Response:
    if not service.delete_record(
        session, installation_id=installation.id or 0, collection=collection, key=key
    ):
        raise _not_found(collection, key)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(COUNTER, summary="Add to a counter inside a record, within 0..ceiling, atomically")
def increment_counter(
    collection: str,
    key: str,
    body: CounterIncrement,
    installation: OwnInstallation,
    session: SessionDep,
) -> CounterValue:
    """The record is created as ``{field: 0}`` when absent. ``value`` is ``null`` and
    nothing changes when the step would take the counter below 0 or past ``ceiling``;
    concurrent calls never pass the ceiling together."""
    value = service.increment_counter(
        session,
        installation_id=installation.id or 0,
        shop_id=installation.shop_id,
        collection=collection,
        key=key,
        field=body.field,
        by=body.by,
        ceiling=body.ceiling,
    )
    session.commit()
    return CounterValue(value=value)
