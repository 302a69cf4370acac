"""support: platform customer-service tickets (messages, screenshots), guides and progress

Revision ID: 0014_support
Revises: 0013_product_batches
Create Date: 2026-12-07 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0014_support"
down_revision = "0013_product_batches"
branch_labels = None
depends_on = None

_text = sqlmodel.sql.sqltypes.AutoString
_CATEGORY = sa.Enum(
    "account",
    "products",
    "orders",
    "logistics",
    "payments",
    "services",
    "rules",
    "other",
    name="ticketcategory",
)
_STATUS = sa.Enum("open", "in_progress", "answered", "closed", name="ticketstatus")
_COURSE = sa.Enum(
    "opening", "products", "orders", "logistics", "services", "rules", name="guidecourse"
)


def upgrade() -> None:
    op.create_table(
        "support_ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=False),
        sa.Column("category", _CATEGORY, nullable=False),
        sa.Column("subject", _text(length=120), nullable=False),
        sa.Column("description", _text(length=5000), nullable=False),
        sa.Column("page_path", _text(length=300), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("status", _STATUS, nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("respond_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shop.id"]),
        sa.ForeignKeyConstraint(["opened_by_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["order_id"], ["order.id"]),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"]),
        sa.ForeignKeyConstraint(["assignee_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("support_ticket", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_support_ticket_shop_id"), ["shop_id"])
        batch_op.create_index(batch_op.f("ix_support_ticket_status"), ["status"])
        batch_op.create_index(batch_op.f("ix_support_ticket_assignee_id"), ["assignee_id"])
    op.create_table(
        "ticket_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("from_platform", sa.Boolean(), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("body", _text(length=5000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["support_ticket.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ticket_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_message_ticket_id"), ["ticket_id"])
    op.create_table(
        "ticket_screenshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("thumbnail_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["support_ticket.id"]),
        sa.ForeignKeyConstraint(["file_id"], ["stored_file.id"]),
        sa.ForeignKeyConstraint(["thumbnail_id"], ["stored_file.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", "file_id"),
    )
    with op.batch_alter_table("ticket_screenshot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_screenshot_ticket_id"), ["ticket_id"])
    op.create_table(
        "guide",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", _text(length=80), nullable=False),
        sa.Column("course", _COURSE, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("page_key", _text(length=40), nullable=False),
        sa.Column("title_zh", _text(length=120), nullable=False),
        sa.Column("title_en", _text(length=120), nullable=False),
        sa.Column("body_zh", _text(length=20000), nullable=False),
        sa.Column("body_en", _text(length=20000), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    with op.batch_alter_table("guide", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guide_course"), ["course"])
        batch_op.create_index(batch_op.f("ix_guide_page_key"), ["page_key"])
    op.create_table(
        "guide_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("guide_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["guide_id"], ["guide.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "guide_id"),
    )
    with op.batch_alter_table("guide_progress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guide_progress_account_id"), ["account_id"])
        batch_op.create_index(batch_op.f("ix_guide_progress_guide_id"), ["guide_id"])


def downgrade() -> None:
    for table, indexes in (
        ("guide_progress", ("guide_id", "account_id")),
        ("guide", ("page_key", "course")),
        ("ticket_screenshot", ("ticket_id",)),
        ("ticket_message", ("ticket_id",)),
        ("support_ticket", ("assignee_id", "status", "shop_id")),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in indexes:
                batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
    for enum in (_COURSE, _STATUS, _CATEGORY):
        enum.drop(op.get_bind(), checkfirst=True)
