"""product services' host: SKU compare-at price and barcode, products found by external_ref,
uploaded files

Revision ID: 0009_importhost
Revises: 0008_shipping_templates
Create Date: 2026-12-07 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009_importhost"
down_revision = "0008_shipping_templates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sku", schema=None) as batch_op:
        batch_op.add_column(sa.Column("compare_at_fen", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("barcode", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.create_index(
            "ix_product_shop_external_ref", ["shop_id", "external_ref"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TYPE filepurpose ADD VALUE IF NOT EXISTS 'upload'")


def downgrade() -> None:
    # PostgreSQL cannot drop an enum value; 'upload' stays in the type, unused.
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index("ix_product_shop_external_ref")
    with op.batch_alter_table("sku", schema=None) as batch_op:
        batch_op.drop_column("barcode")
        batch_op.drop_column("compare_at_fen")
