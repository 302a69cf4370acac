"""carrier accounts (sealed credentials, soft unbinding) and the e-waybills issued on them

Revision ID: 0009_carriers
Revises: 0008_shipping_templates
Create Date: 2026-12-07 18:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009_carriers"
down_revision = "0008_shipping_templates"
branch_labels = None
depends_on = None

_str = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "carrieraccount",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("carrier_code", _str(length=32), nullable=False),
        sa.Column("account_no_masked", _str(length=80), nullable=False),
        sa.Column("account_no_sealed", _str(length=1000), nullable=False),
        sa.Column("secret_sealed", _str(length=2000), nullable=False),
        sa.Column("branch", _str(length=80), nullable=False),
        sa.Column("sender", sa.JSON(), nullable=False),
        sa.Column("status", _str(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unbound_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["shop_id"], ["shop.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("carrieraccount", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_carrieraccount_shop_id"), ["shop_id"], unique=False)
    op.create_table(
        "waybill",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("carrier_code", _str(length=32), nullable=False),
        sa.Column("waybill_no", _str(length=40), nullable=False),
        sa.Column("routing_code", _str(length=40), nullable=False),
        sa.Column("sort_code", _str(length=40), nullable=False),
        sa.Column("destination", _str(length=80), nullable=False),
        sa.Column("status", _str(length=16), nullable=False),
        sa.Column("request_key", _str(length=120), nullable=False),
        sa.Column("active_key", _str(length=60), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["carrieraccount.id"]),
        sa.ForeignKeyConstraint(["order_id"], ["order.id"]),
        sa.ForeignKeyConstraint(["shop_id"], ["shop.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("active_key"),
    )
    with op.batch_alter_table("waybill", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_waybill_shop_id"), ["shop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_waybill_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_waybill_order_id"), ["order_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("waybill", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_waybill_order_id"))
        batch_op.drop_index(batch_op.f("ix_waybill_account_id"))
        batch_op.drop_index(batch_op.f("ix_waybill_shop_id"))
    op.drop_table("waybill")
    with op.batch_alter_table("carrieraccount", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_carrieraccount_shop_id"))
    op.drop_table("carrieraccount")
