"""stored files: a content type as long as a MIME type may be (XLSX's is 65 characters,
longer than the 60 the column held, so PostgreSQL refused every XLSX upload)

Revision ID: 0016_imports
Revises: 0015_orders
Create Date: 2026-12-07 21:40:00
"""

from __future__ import annotations

import sqlmodel
from alembic import op

revision = "0016_imports"
down_revision = "0015_orders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stored_file", schema=None) as batch_op:
        batch_op.alter_column(
            "content_type",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=60),
            type_=sqlmodel.sql.sqltypes.AutoString(length=255),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("stored_file", schema=None) as batch_op:
        batch_op.alter_column(
            "content_type",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=255),
            type_=sqlmodel.sql.sqltypes.AutoString(length=60),
            existing_nullable=False,
        )
