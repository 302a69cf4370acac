"""storefront: the web origins each shop's storefront answers CORS for

Revision ID: 0009_storefront
Revises: 0008_shipping_templates
Create Date: 2026-12-07 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009_storefront"
down_revision = "0008_shipping_templates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "storefrontorigin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shop.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_id", "origin"),
    )
    with op.batch_alter_table("storefrontorigin", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_storefrontorigin_shop_id"), ["shop_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("storefrontorigin", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_storefrontorigin_shop_id"))
    op.drop_table("storefrontorigin")
