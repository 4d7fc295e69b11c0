"""Candidates' status unindexed, and room on PostgreSQL pages for a status change in place.

Closing a round moves every entrant on or out (10,000 at once). With ``status`` indexed, every one
of those rewrites added an entry to each of the table's indexes; unindexed, and with a fill factor
of 70 leaving room on each page, PostgreSQL can make them heap-only (HOT) updates that touch no
index. Every query on status also names the campaign (indexed), so the status index did not serve
them. The fill factor applies to pages written from now on (``VACUUM FULL candidates`` rewrites the
existing ones, if ever wanted).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""
from typing import Sequence, Union

from alembic import op

revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.drop_index('ix_candidates_status')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE candidates SET (fillfactor = 70)')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE candidates RESET (fillfactor)')
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.create_index('ix_candidates_status', ['status'], unique=False)
