"""An activity's registration counters: ``confirmed_count``, ``waitlisted_count`` and
``last_queue_seq`` (the last arrival's number) on ``activities``.

``register`` takes the activity's row lock with the ``UPDATE`` that numbers the newcomer
(``RETURNING`` the counts it decides on) instead of a ``SELECT ... FOR UPDATE`` and an aggregate
over the activity's registrations. Only ``services/events/usecases/counters.py`` changes them, in
the transaction that changes the registrations they count. Filled here from the rows.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: Union[str, Sequence[str], None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = ("confirmed_count", "waitlisted_count", "last_queue_seq")


def upgrade() -> None:
    for name in COLUMNS:  # plain ALTER TABLE on both databases (SQLite >= 3.35 drops columns too)
        op.add_column("activities", sa.Column(name, sa.Integer(), nullable=False, server_default=sa.text("0")))
    op.execute(
        "UPDATE activities SET "
        "confirmed_count = (SELECT count(*) FROM registrations r WHERE r.activity_id = activities.id"
        " AND r.status = 'confirmed'), "
        "waitlisted_count = (SELECT count(*) FROM registrations r WHERE r.activity_id = activities.id"
        " AND r.status = 'waitlisted'), "
        "last_queue_seq = (SELECT coalesce(max(r.queue_seq), 0) FROM registrations r"
        " WHERE r.activity_id = activities.id)")


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_column("activities", name)
