"""unpaid-order timeout: a shop setting, minutes before an unpaid order is cancelled

Existing shops get the default of 30 minutes.

Revision ID: 0007_unpaid_timeout
Revises: 0006_files
Create Date: 2026-12-02 04:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_unpaid_timeout"
down_revision = "0006_files"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shop", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("unpaid_cancel_minutes", sa.Integer(), nullable=False, server_default="30")
        )


def downgrade() -> None:
    with op.batch_alter_table("shop", schema=None) as batch_op:
        batch_op.drop_column("unpaid_cancel_minutes")
