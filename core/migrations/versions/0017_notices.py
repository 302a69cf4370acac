"""notices: notifications keep a text key's params and the page they are about

Revision ID: 0017_notices
Revises: 0016_imports
Create Date: 2026-12-07 21:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0017_notices"
down_revision = "0016_imports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("params", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(
            sa.Column(
                "link",
                sqlmodel.sql.sqltypes.AutoString(length=300),
                nullable=False,
                server_default="",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("link")
        batch.drop_column("params")
