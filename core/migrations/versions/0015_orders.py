"""batch order processing: the merchant's note and coloured flag on an order

Revision ID: 0015_orders
Revises: 0014_support
Create Date: 2026-12-07 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0015_orders"
down_revision: str | None = "0014_support"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "merchant_note",
                sqlmodel.sql.sqltypes.AutoString(length=500),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column("merchant_flag", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.drop_column("merchant_flag")
        batch_op.drop_column("merchant_note")
