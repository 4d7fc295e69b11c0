"""Stored envelopes in the shape of CloudEvents 1.0, exactly (issue 10): ``schema_version`` becomes
``schemaversion``, with ``datacontenttype`` and ``dataschema`` (services/common/envelope_migration.py).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from typing import Sequence, Union

from services.common import envelope_migration

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    envelope_migration.upgrade("registry")


def downgrade() -> None:
    envelope_migration.downgrade("registry")
