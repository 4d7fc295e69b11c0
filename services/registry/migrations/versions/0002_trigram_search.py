"""Trigram indexes for text search on PostgreSQL: ``ILIKE '%...%'`` on venue names and addresses and
group names uses them instead of scanning the table (a rare match at 100,000 venues: ~200 ms ->
under 1 ms). pg_trgm is a trusted extension: the database owner may create it. SQLite: nothing
(its text search scans; it is the development database).

The indexes are not in the models (they exist on one dialect only); alembic's comparison skips
names ending in ``_trgm`` (services/common/alembic_env.py).

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

INDEXES = (("venues", "name"), ("venues", "address"), ("groups", "name"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column in INDEXES:
        op.execute(f"CREATE INDEX ix_{table}_{column}_trgm ON {table} USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in INDEXES:
        op.execute(f"DROP INDEX ix_{table}_{column}_trgm")
