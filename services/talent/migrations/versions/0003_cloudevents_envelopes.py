"""Stored envelopes in the shape of CloudEvents 1.0, exactly (issue 10): ``schema_version`` becomes
``schemaversion``, with ``datacontenttype`` and ``dataschema`` (services/common/envelope_migration.py).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
from typing import Sequence, Union

from services.common import envelope_migration

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    envelope_migration.upgrade("talent")


def downgrade() -> None:
    envelope_migration.downgrade("talent")
