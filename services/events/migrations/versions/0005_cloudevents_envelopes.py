"""Stored envelopes in the shape of CloudEvents 1.0, exactly (issue 10): ``schema_version`` becomes
``schemaversion``, with ``datacontenttype`` and ``dataschema`` (services/common/envelope_migration.py).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from typing import Sequence, Union

from services.common import envelope_migration

revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    envelope_migration.upgrade("events")


def downgrade() -> None:
    envelope_migration.downgrade("events")
