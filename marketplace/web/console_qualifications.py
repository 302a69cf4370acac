"""The shop's qualifications page: submit a licence with its document, see the review.

The document (a JPEG, PNG or WebP image, or a PDF) is sent by the page's script as the raw
request body with the ``X-CSRF-Token`` header, the licence's kind and number in the query,
so it streams into the file store under the size limit like any upload. The kind and number
are checked before a byte is read; the document and the qualification are committed
together, or neither is (:func:`core.files.service.written_files`). Documents stay private:
members allowed to change the shop open them through short-lived signed links.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from core.api.deps import ReadSessionDep, SessionDep, SettingsDep
from core.api.files import get_file_store, receive_body, signed_link
from core.errors import InvalidInput, NotFound, TanziError
from core.files.service import written_files
from core.files.store import FileStore, StagedFile
from core.models import Account, Qualification
from core.services import qualification_documents as documents
from core.services import qualifications as service
from core.services.categories import known_qualification_kinds
from core.settings import Settings
from marketplace.web.console_access import console_context, member_access
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.templating import gettext_for, render
from marketplace.web.upload_refusals import upload_refusal
from sdk.scopes import Scope

router = web_router(tags=["merchant console"])

PAGE = "/console/shops/{shop_id}/qualifications"
NUMBER_MIN, NUMBER_MAX = 4, 64


def kind_labels(request: Request) -> dict[str, str]:
    """The words for the platform's licence kinds (others show their code)."""
    _ = gettext_for(request)
    return {
        "food_licence": _("Food business licence"),
        "cosmetics_licence": _("Cosmetics licence"),
        "publication_licence": _("Publication business licence"),
    }


@router.get(PAGE)
def qualifications_page(
    shop_id: int, request: Request, session: ReadSessionDep, account: RequireAccount
) -> Response:
    """The shop's licences with their review status, and the form to submit one."""
    access = member_access(session, account, shop_id, Scope.shop_read)
    rows = list(
        session.exec(
            select(Qualification)
            .where(Qualification.shop_id == shop_id)
            .order_by(col(Qualification.id).desc())
        )
    )
    kinds = sorted(known_qualification_kinds(session))
    session.commit()
    settings = request.app.state.settings
    return render(
        request,
        "console/qualifications.html",
        console_context(
            access,
            "qualifications",
            qualifications=rows,
            kinds=kinds,
            kind_labels=kind_labels(request),
            can_write=access.can(Scope.shop_write),
            max_mb=settings.upload_max_bytes // (1024 * 1024),
        ),
    )


def _check_form(session: Session, account: Account, shop_id: int, kind: str, number: str) -> None:
    """The guard, then the kind and number, before the document is read."""
    member_access(session, account, shop_id, Scope.shop_write)
    if kind not in known_qualification_kinds(session):
        raise InvalidInput("Choose the kind of licence.", field="query.kind")
    if not NUMBER_MIN <= len(number) <= NUMBER_MAX:
        raise InvalidInput("Enter the licence's number.", field="query.document_number")
    session.commit()


def _submit(
    session: Session,
    store: FileStore,
    settings: Settings,
    account: Account,
    shop_id: int,
    kind: str,
    number: str,
    staged: StagedFile,
    filename: str,
) -> Qualification:
    access = member_access(session, account, shop_id, Scope.shop_write)
    with written_files(store) as written:
        document = documents.store_document(
            session, store, written, settings, shop_id=shop_id, staged=staged, filename=filename
        )
        qualification = service.submit_qualification(
            session,
            shop=access.shop,
            kind=kind,
            document_number=number,
            document_file_id=document.id,
        )
        session.commit()
    return qualification


@router.post(PAGE)
async def submit_qualification_page(
    shop_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    account: RequireAccount,
) -> Response:
    """Submit a licence: the body is its document, ``kind`` and ``document_number`` in the
    query (sent by the page's script); refusals come back as problem JSON with messages."""
    store = get_file_store(request)
    kind = request.query_params.get("kind", "").strip()
    number = request.query_params.get("document_number", "").strip()
    filename = request.query_params.get("filename", "")[:200]
    _ = gettext_for(request)
    try:
        await run_in_threadpool(_check_form, session, account, shop_id, kind, number)
        staged = await receive_body(request, store, settings)
        qualification = await run_in_threadpool(
            _submit, session, store, settings, account, shop_id, kind, number, staged, filename
        )
    except TanziError as exc:
        fields = {
            "query.kind": {"kind": _("Choose the kind of licence.")},
            "query.document_number": {
                "document_number": _("Enter the licence's number (4 to 64 characters).")
            },
            "body.kind": {
                "kind": _("This shop already has this licence under review or approved.")
            },
        }.get(exc.field or "")
        return upload_refusal(
            request,
            exc,
            accepted=_("Send the licence as a JPEG, PNG or WebP image, or as a PDF."),
            fields=fields,
        )
    return JSONResponse(
        {"id": qualification.id, "status": qualification.status.value}, status_code=201
    )


@router.get(PAGE + "/{qualification_id}/document")
def qualification_document(
    shop_id: int,
    qualification_id: int,
    session: ReadSessionDep,
    settings: SettingsDep,
    account: RequireAccount,
) -> Response:
    """The licence's document, through a fresh signed link (members who may change the
    shop, as for the API's links to documents)."""
    member_access(session, account, shop_id, Scope.shop_write)
    qualification = service.get_qualification(session, qualification_id=qualification_id)
    if qualification.shop_id != shop_id or qualification.document_file_id is None:
        raise NotFound(f"Qualification {qualification_id} has no document.")
    file = documents.documents_by_id(session, [qualification.document_file_id]).get(
        qualification.document_file_id
    )
    session.commit()
    if file is None:
        raise NotFound("The document was not found.", code="file_not_found")
    return RedirectResponse(signed_link(settings, file).url, status_code=303)
