"""交易保障: guarantee criteria, per-cycle assessments, listings restricted to certified shops

Revision ID: 0018_guarantee
Revises: 0017_notices
Create Date: 2026-12-07 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_guarantee"
down_revision = "0017_notices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "guaranteecriteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("min_orders", sa.Integer(), nullable=False),
        sa.Column("ship_within_hours", sa.Integer(), nullable=False),
        sa.Column("min_on_time_pct", sa.Integer(), nullable=False),
        sa.Column("min_answered_pct", sa.Integer(), nullable=False),
        sa.Column("max_lapsed", sa.Integer(), nullable=False),
        sa.Column("max_cancel_pct", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "guaranteeassessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("shipments_due", sa.Integer(), nullable=False),
        sa.Column("shipped_on_time", sa.Integer(), nullable=False),
        sa.Column("aftersales_due", sa.Integer(), nullable=False),
        sa.Column("answered_in_time", sa.Integer(), nullable=False),
        sa.Column("merchant_cancelled", sa.Integer(), nullable=False),
        sa.Column("certified", sa.Boolean(), nullable=False),
        sa.Column("failed", sa.JSON(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shop.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_id", "cycle"),
    )
    op.create_index("ix_guaranteeassessment_shop_id", "guaranteeassessment", ["shop_id"])
    op.create_index("ix_guaranteeassessment_cycle", "guaranteeassessment", ["cycle"])
    with op.batch_alter_table("listing", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "certified_shops_only", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("listing", schema=None) as batch_op:
        batch_op.drop_column("certified_shops_only")
    op.drop_index("ix_guaranteeassessment_cycle", table_name="guaranteeassessment")
    op.drop_index("ix_guaranteeassessment_shop_id", table_name="guaranteeassessment")
    op.drop_table("guaranteeassessment")
    op.drop_table("guaranteecriteria")
