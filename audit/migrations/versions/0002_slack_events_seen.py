"""The Slack channel's seen-event ledger joins the migrated schema.

Revision ID: 0002
Revises: 0001

Before migrations the Slack channel created ``slack_events_seen`` itself on first use, so a store
adopted at the baseline may hold it already (then it is checked, not created again).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("slack_events_seen"):
        return  # made by the channel before migrations; audit.migrate verifies it after upgrading
    op.create_table(
        "slack_events_seen",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("slack_events_seen")
