"""The kit's ``follower_position`` table replaces ``sync_state``: how far a follower's catch-up has
read another service's event log, one row per source (services/common/follower.py). The registry
copy's position moves over (``sync_state['registry']`` -> ``follower_position['registry']``), so
the catch-up goes on from where it was instead of re-reading the registry's whole log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "follower_position",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_follower_position")),
    )
    op.execute("INSERT INTO follower_position (source, seq, updated_at) "
               "SELECT source, seq, updated_at FROM sync_state WHERE source = 'registry'")
    op.drop_table("sync_state")


def downgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_sync_state")),
    )
    op.execute("INSERT INTO sync_state (source, seq, updated_at) "
               "SELECT source, seq, updated_at FROM follower_position WHERE source = 'registry'")
    op.drop_table("follower_position")
