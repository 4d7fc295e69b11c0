"""The database's own guard against double booking: no two active bookings of one space, and no
two active slots of one lecturer, overlap in time.

PostgreSQL: exclusion constraints over half-open tstzranges (btree_gist). SQLite: triggers that
abort the insert or update. Either way two replicas racing past the service's own check cannot
both commit.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

GUARDS = (("bookings", "space_id", "booking overlaps another booking of the same space"),
          ("lecturer_slots", "lecturer_id", "the lecturer is booked elsewhere at that time"))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        for table, key, _ in GUARDS:
            op.execute(f"ALTER TABLE {table} ADD CONSTRAINT ex_{table}_no_overlap EXCLUDE USING gist "
                       f"({key} WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE (active)")
        return
    for table, key, message in GUARDS:
        clash = (f"EXISTS (SELECT 1 FROM {table} o WHERE o.{key} = NEW.{key} AND o.active AND o.id != NEW.id "
                 f"AND o.starts_at < NEW.ends_at AND o.ends_at > NEW.starts_at)")
        op.execute(f"CREATE TRIGGER {table}_no_overlap_insert BEFORE INSERT ON {table} "
                   f"WHEN NEW.active AND {clash} BEGIN SELECT RAISE(ABORT, '{message}'); END")
        op.execute(f"CREATE TRIGGER {table}_no_overlap_update BEFORE UPDATE OF {key}, starts_at, ends_at, active "
                   f"ON {table} WHEN NEW.active AND {clash} BEGIN SELECT RAISE(ABORT, '{message}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _, _ in GUARDS:
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT ex_{table}_no_overlap")
        return
    for table, _, _ in GUARDS:
        op.execute(f"DROP TRIGGER {table}_no_overlap_insert")
        op.execute(f"DROP TRIGGER {table}_no_overlap_update")
