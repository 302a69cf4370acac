"""shipping fee templates: per-shop templates, products' template and weight, orders' fee

Revision ID: 0008_shipping_templates
Revises: 0007_unpaid_timeout
Create Date: 2026-12-02 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008_shipping_templates"
down_revision = "0007_unpaid_timeout"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shippingtemplate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("first_weight_g", sa.Integer(), nullable=False),
        sa.Column("first_fee_fen", sa.Integer(), nullable=False),
        sa.Column("additional_weight_g", sa.Integer(), nullable=False),
        sa.Column("additional_fee_fen", sa.Integer(), nullable=False),
        sa.Column("province_fees", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shop.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("shippingtemplate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shippingtemplate_shop_id"), ["shop_id"], unique=False)
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shipping_template_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("weight_g", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_foreign_key(
            "fk_product_shipping_template_id",
            "shippingtemplate",
            ["shipping_template_id"],
            ["id"],
        )
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shipping_fen", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.drop_column("shipping_fen")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_constraint("fk_product_shipping_template_id", type_="foreignkey")
        batch_op.drop_column("weight_g")
        batch_op.drop_column("shipping_template_id")
    with op.batch_alter_table("shippingtemplate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shippingtemplate_shop_id"))
    op.drop_table("shippingtemplate")
