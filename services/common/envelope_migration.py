"""The data migration of issue 10 ("CloudEvents 1.0, exactly"), one revision in each service:
every envelope stored in ``outbox`` gets the shape ``envelope.new_envelope`` writes now.

``upgrade(service)``: ``schema_version`` N becomes ``schemaversion`` N, with ``datacontenttype``
``application/json`` and ``dataschema`` ``urn:culture:schema:<service>:<type>:N``; rows already in
that shape are left alone. ``downgrade(service)`` undoes it. One UPDATE each, in the migration's
transaction, with the database's own JSON functions (PostgreSQL: ``jsonb``, whose text keeps the
keys but not their order; SQLite: JSON1). The SQL is written out here on purpose: this revision
must keep doing what it did when the envelope changes again.
"""
from __future__ import annotations

from alembic import op
from sqlalchemy import text

UPGRADE = {
    "postgresql": """
        UPDATE outbox SET envelope = ((envelope::jsonb - 'schema_version') || jsonb_build_object(
            'datacontenttype', 'application/json',
            'dataschema', 'urn:culture:schema:' || :service || ':' || type || ':' || (envelope->>'schema_version'),
            'schemaversion', envelope->'schema_version'))::json
        WHERE envelope->'schema_version' IS NOT NULL""",
    "sqlite": """
        UPDATE outbox SET envelope = json_set(json_remove(envelope, '$.schema_version'),
            '$.datacontenttype', 'application/json',
            '$.dataschema', 'urn:culture:schema:' || :service || ':' || type || ':'
                            || json_extract(envelope, '$.schema_version'),
            '$.schemaversion', json_extract(envelope, '$.schema_version'))
        WHERE json_type(envelope, '$.schema_version') IS NOT NULL""",
}
DOWNGRADE = {
    "postgresql": """
        UPDATE outbox SET envelope = ((envelope::jsonb - 'schemaversion' - 'datacontenttype' - 'dataschema')
            || jsonb_build_object('schema_version', envelope->'schemaversion'))::json
        WHERE envelope->'schemaversion' IS NOT NULL""",
    "sqlite": """
        UPDATE outbox SET envelope = json_set(
            json_remove(envelope, '$.schemaversion', '$.datacontenttype', '$.dataschema'),
            '$.schema_version', json_extract(envelope, '$.schemaversion'))
        WHERE json_type(envelope, '$.schemaversion') IS NOT NULL""",
}


def _run(statements: dict, service: str) -> None:
    bind = op.get_bind()
    bind.execute(text(statements[bind.dialect.name]), {"service": service})


def upgrade(service: str) -> None:
    _run(UPGRADE, service)


def downgrade(service: str) -> None:
    _run(DOWNGRADE, service)
