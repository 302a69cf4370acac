"""qualification documents: a qualification points at its scanned licence (image or PDF)

Revision ID: 0010_qualification_documents
Revises: 0009_storefront
Create Date: 2026-12-07 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_qualification_documents"
down_revision = "0009_storefront"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("qualification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("document_file_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_qualification_document_file_id", "stored_file", ["document_file_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("qualification", schema=None) as batch_op:
        batch_op.drop_constraint("fk_qualification_document_file_id", type_="foreignkey")
        batch_op.drop_column("document_file_id")
