"""webhook secret rotation: the OAuth client keeps its previous secret for an overlap

Secrets already stored are left as they are: their HMAC key does not change with the move
to Standard Webhooks (see ``sdk.remote.signing.secret_key``), only how they are spelled to
the provider (``sdk.remote.standard_secret``).

Revision ID: 0003_webhook_rotation
Revises: 0002
Create Date: 2026-12-02 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003_webhook_rotation"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("oauthclient", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "previous_webhook_secret",
                sqlmodel.sql.sqltypes.AutoString(length=200),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column("previous_webhook_secret_until", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("oauthclient", schema=None) as batch_op:
        batch_op.drop_column("previous_webhook_secret_until")
        batch_op.drop_column("previous_webhook_secret")
