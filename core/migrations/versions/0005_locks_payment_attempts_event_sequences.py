"""payment attempts recorded before the provider is called; per-resource event sequence
counters (filled from the outbox)

Revision ID: 0005_locks
Revises: 0004_access
Create Date: 2026-12-02 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005_locks"
down_revision = "0004_access"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "eventsequence",
        sa.Column("resource_type", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("resource_type", "resource_id"),
    )
    # continue every resource's numbering where the outbox left it
    op.execute(
        "INSERT INTO eventsequence (resource_type, resource_id, last_sequence) "
        "SELECT resource_type, resource_id, MAX(sequence) FROM outboxevent "
        "GROUP BY resource_type, resource_id"
    )
    op.create_table(
        "paymentattempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "succeeded", "failed", name="paymentattemptstatus"),
            nullable=False,
        ),
        sa.Column("payment_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["order.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("paymentattempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_paymentattempt_order_id"), ["order_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("paymentattempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paymentattempt_order_id"))
    op.drop_table("paymentattempt")
    sa.Enum(name="paymentattemptstatus").drop(op.get_bind(), checkfirst=True)
    op.drop_table("eventsequence")
