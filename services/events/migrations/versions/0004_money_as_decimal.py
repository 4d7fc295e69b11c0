"""A lecture's ``federation_cost`` is money: ``NUMERIC(12, 2)`` (yuan, exact to the fen), no longer a
float.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _alter(old, new, **kwargs) -> None:
    # SQLite keeps the column as it is: it stores a NUMERIC column's fractional values as REAL
    # just the same, and rebuilding the table would mean dropping ``lectures`` while orders point at
    # it. SQLAlchemy's Numeric type gives the Decimal on both databases (services/common/alembic_env.py
    # tells the schema check that the two are one type on SQLite).
    if op.get_bind().dialect.name == "sqlite":
        return
    op.alter_column("lectures", "federation_cost", existing_type=old, type_=new, existing_nullable=False, **kwargs)


def upgrade() -> None:
    _alter(sa.Float(), sa.Numeric(12, 2), postgresql_using="ROUND(federation_cost::numeric, 2)")


def downgrade() -> None:
    _alter(sa.Numeric(12, 2), sa.Float())
