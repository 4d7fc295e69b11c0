"""The outbox's retention (services/common/retention.py): ``outbox_subscribers`` (how far each
subscriber has read this service's event log) and ``outbox_pruned`` (the highest ``seq`` pruned).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
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
        "outbox_subscribers",
        sa.Column("subscriber", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subscriber", name=op.f("pk_outbox_subscribers")),
    )
    op.create_table(
        "outbox_pruned",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("pruned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox_pruned")),
    )


def downgrade() -> None:
    op.drop_table("outbox_pruned")
    op.drop_table("outbox_subscribers")
