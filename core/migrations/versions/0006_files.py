"""files: stored files owned by a shop, and product images

Revision ID: 0006_files
Revises: 0005_locks
Create Date: 2026-12-02 04:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006_files"
down_revision = "0005_locks"
branch_labels = None
depends_on = None

_PURPOSE = sa.Enum(
    "product_image", "shop_icon", "thumbnail", "document", "result", name="filepurpose"
)


def upgrade() -> None:
    op.create_table(
        "stored_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("purpose", _PURPOSE, nullable=False),
        sa.Column("storage_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("original_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["original_id"], ["stored_file.id"]),
        sa.ForeignKeyConstraint(["shop_id"], ["shop.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("storage_key"),
    )
    op.create_index(op.f("ix_stored_file_original_id"), "stored_file", ["original_id"])
    op.create_index(op.f("ix_stored_file_shop_id"), "stored_file", ["shop_id"])
    op.create_table(
        "product_image",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("thumbnail_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_main", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["stored_file.id"]),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"]),
        sa.ForeignKeyConstraint(["shop_id"], ["shop.id"]),
        sa.ForeignKeyConstraint(["thumbnail_id"], ["stored_file.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("product_id", "file_id"),
    )
    op.create_index(op.f("ix_product_image_product_id"), "product_image", ["product_id"])
    op.create_index(op.f("ix_product_image_shop_id"), "product_image", ["shop_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_product_image_shop_id"), table_name="product_image")
    op.drop_index(op.f("ix_product_image_product_id"), table_name="product_image")
    op.drop_table("product_image")
    op.drop_index(op.f("ix_stored_file_original_id"), table_name="stored_file")
    op.drop_index(op.f("ix_stored_file_shop_id"), table_name="stored_file")
    op.drop_table("stored_file")
    _PURPOSE.drop(op.get_bind(), checkfirst=True)
