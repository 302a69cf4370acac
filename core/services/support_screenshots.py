"""A ticket's screenshots: images the shop attaches, kept private to the shop and platform.

An upload is sniffed and decoded like every image (:func:`core.files.service.save_image`),
re-encoded without metadata, with a thumbnail, as private ``document`` files of the
ticket's shop; they are read only through short-lived signed links handed out after the
caller was checked (a member of the shop, or a platform admin).
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.errors import LimitExceeded, NotFound
from core.files.service import save_image
from core.files.store import FileStore, StagedFile
from core.models import StoredFile, SupportTicket, TicketScreenshot
from core.models.files import FilePurpose
from core.settings import Settings

#: The most screenshots one ticket keeps.
MAX_SCREENSHOTS = 6


def add_screenshot(
    session: Session,
    store: FileStore,
    written: list[str],
    settings: Settings,
    *,
    ticket: SupportTicket,
    staged: StagedFile,
    filename: str | None = None,
) -> TicketScreenshot:
    """Keep the staged upload as a screenshot of ``ticket`` (the caller commits, inside
    :func:`core.files.service.written_files`). The staged file is always removed.

    :raises LimitExceeded: the ticket has :data:`MAX_SCREENSHOTS` already.
    :raises UnsupportedFileType: not a JPEG, PNG or WebP image (415).
    :raises InvalidImage: an image that does not decode whole (422).
    """
    count = session.exec(
        select(func.count())
        .select_from(TicketScreenshot)
        .where(TicketScreenshot.ticket_id == ticket.id)
    ).one()
    if count >= MAX_SCREENSHOTS:
        staged.discard()
        raise LimitExceeded(
            f"A ticket keeps at most {MAX_SCREENSHOTS} screenshots.",
            limit="ticket_screenshots",
            maximum=MAX_SCREENSHOTS,
            field="body",
        )
    image, thumbnail = save_image(
        session,
        store,
        written,
        shop_id=ticket.shop_id,
        staged=staged,
        purpose=FilePurpose.document,
        filename=filename,
        max_pixels=settings.image_max_pixels,
        field="body",
        public=False,
    )
    row = TicketScreenshot(ticket_id=ticket.id, file_id=image.id, thumbnail_id=thumbnail.id)  # type: ignore[arg-type]
    session.add(row)
    session.flush()
    return row


def ticket_screenshots(session: Session, *, ticket_id: int) -> list[TicketScreenshot]:
    """The ticket's screenshots in the order they were added."""
    return list(
        session.exec(
            select(TicketScreenshot)
            .where(TicketScreenshot.ticket_id == ticket_id)
            .order_by(col(TicketScreenshot.id))
        )
    )


def screenshot_file(
    session: Session, *, ticket: SupportTicket, screenshot_id: int, thumbnail: bool = False
) -> StoredFile:
    """The stored image (or its thumbnail) of one of ``ticket``'s screenshots; a screenshot
    of another ticket is not found."""
    row = session.get(TicketScreenshot, screenshot_id)
    if row is None or row.ticket_id != ticket.id:
        raise NotFound("The screenshot was not found.", code="file_not_found")
    file_id = row.thumbnail_id if thumbnail and row.thumbnail_id else row.file_id
    file = session.get(StoredFile, file_id)
    if file is None or file.shop_id != ticket.shop_id:
        raise NotFound("The screenshot was not found.", code="file_not_found")
    return file
