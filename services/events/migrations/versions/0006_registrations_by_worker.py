"""An index on ``registrations.worker_id``: a worker's own registrations (``my_registrations``)
are found by worker, across activities; the existing indexes all lead with ``activity_id``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index(op.f("ix_registrations_worker_id"), "registrations", ["worker_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_registrations_worker_id"), table_name="registrations")
