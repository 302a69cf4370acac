"""Job heartbeats: a running job's record shows it is alive, so a dead worker's job is re-queued

Revision ID: 0019_jobsweep
Revises: 0018_guarantee
Create Date: 2026-12-07 22:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_jobsweep"
down_revision = "0018_guarantee"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.drop_column("heartbeat_at")
