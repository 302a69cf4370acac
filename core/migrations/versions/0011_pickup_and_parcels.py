"""orderdesk: pickup stores, an order's pickup code, parcel quantities, exchange replacement

Revision ID: 0011_pickup_and_parcels
Revises: 0010_qualification_documents
Create Date: 2026-12-07 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011_pickup_and_parcels"
down_revision = "0010_qualification_documents"
branch_labels = None
depends_on = None

_text = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "pickupstore",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("name", _text(length=60), nullable=False),
        sa.Column("province_code", _text(length=2), nullable=False),
        sa.Column("address", _text(length=300), nullable=False),
        sa.Column("hours", _text(length=100), nullable=False),
        sa.Column("phone", _text(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shop.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pickupstore", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pickupstore_shop_id"), ["shop_id"], unique=False)
    op.create_table(
        "orderpickup",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("code", _text(length=12), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("picked_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["order.id"]),
        sa.ForeignKeyConstraint(["shop_id"], ["shop.id"]),
        sa.ForeignKeyConstraint(["store_id"], ["pickupstore.id"]),
        sa.PrimaryKeyConstraint("order_id"),
    )
    with op.batch_alter_table("orderpickup", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_orderpickup_shop_id"), ["shop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_orderpickup_store_id"), ["store_id"], unique=False)
    with op.batch_alter_table("shipment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quantities", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("aftersale", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replacement_carrier_code", _text(length=32), nullable=True))
        batch_op.add_column(sa.Column("replacement_waybill", _text(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("replacement_shipped_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("aftersale", schema=None) as batch_op:
        batch_op.drop_column("replacement_shipped_at")
        batch_op.drop_column("replacement_waybill")
        batch_op.drop_column("replacement_carrier_code")
    with op.batch_alter_table("shipment", schema=None) as batch_op:
        batch_op.drop_column("quantities")
    with op.batch_alter_table("orderpickup", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orderpickup_store_id"))
        batch_op.drop_index(batch_op.f("ix_orderpickup_shop_id"))
    op.drop_table("orderpickup")
    with op.batch_alter_table("pickupstore", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pickupstore_shop_id"))
    op.drop_table("pickupstore")
