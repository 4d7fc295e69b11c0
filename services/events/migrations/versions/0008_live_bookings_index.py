"""The booking-conflict check's own index: live (active) bookings of a space by start time.

``_check_bookings`` asks for an active booking of the space that starts before the new one ends
and after the new one's start minus the longest booking (31 days), and ends after it starts.
This partial index holds only active bookings (a cancelled activity's are left out), so the
check reads one short index range whatever the history: a year of past bookings before that
range is never walked. Its predicate is written as the query writes it (``active IS true`` /
``IS 1``), so both planners can prove the query implies it. ``ix_bookings_space_time`` stays:
the SQLite overlap triggers (0002) use it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: Union[str, Sequence[str], None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index("ix_bookings_live_space_time", "bookings", ["space_id", "starts_at", "ends_at"], unique=False,
                    postgresql_where=sa.text("active IS true"), sqlite_where=sa.text("active IS 1"))


def downgrade() -> None:
    op.drop_index("ix_bookings_live_space_time", table_name="bookings")
