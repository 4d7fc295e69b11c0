"""Search at 100,000 venues (issue 11): composite indexes that serve a filter and the name order at
once, and on SQLite a trigram full-text index of venue names and addresses.

* ``(type|district|status, name, id)``: the first page of ``type = X`` is the index's first entries
  for X, not a sort of every X. They replace the one-column indexes on those columns.
  ``(district, type, name, id)`` for both together (names often start with district and type).
* ``(org_path, name, id)`` (``varchar_pattern_ops`` on PostgreSQL, so it serves ``LIKE 'prefix%'``
  as the one-column ``ix_venues_org_path`` did, which it replaces): a subtree is a range of it.
* SQLite only: ``venues_fts``, an FTS5 table with the trigram tokenizer over ``name`` and ``address``
  (SQLite >= 3.34), kept in step by the triggers below, so every write (the use cases, a bulk load,
  a migration) updates it in its own transaction. It only narrows a text search: the search still
  applies its ``LIKE`` to the venues it finds. A row is found for a change by its old name's
  trigrams (or, for a name under three characters, by a scan), so the index needs no link to
  ``venues``' rowid, which ``VACUUM`` may renumber. The table and its shadow tables are not in the
  models (alembic's comparison skips names with ``_fts``: services/common/alembic_env.py).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0007"
down_revision: Union[str, Sequence[str], None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COMPOSITE = ("type", "district", "status")
PATTERN_OPS = {"org_path": "varchar_pattern_ops"}

_FORGET_OLD = """
    DELETE FROM venues_fts WHERE rowid IN (
        SELECT rowid FROM venues_fts WHERE venues_fts MATCH 'name : "' || replace(old.name, '"', '""') || '"')
        AND id = old.id;
    DELETE FROM venues_fts WHERE length(old.name) < 3 AND id = old.id;
"""
_REMEMBER_NEW = "INSERT INTO venues_fts (id, name, address) VALUES (new.id, new.name, new.address);"
SQLITE_TEXT = (
    "CREATE VIRTUAL TABLE venues_fts USING fts5(id UNINDEXED, name, address, tokenize = 'trigram')",
    "INSERT INTO venues_fts (id, name, address) SELECT id, name, address FROM venues",
    f"CREATE TRIGGER venues_fts_insert AFTER INSERT ON venues BEGIN {_REMEMBER_NEW} END",
    f"CREATE TRIGGER venues_fts_update AFTER UPDATE OF id, name, address ON venues BEGIN {_FORGET_OLD} "
    f"{_REMEMBER_NEW} END",
    f"CREATE TRIGGER venues_fts_delete AFTER DELETE ON venues BEGIN {_FORGET_OLD} END",
)


def upgrade() -> None:
    for column in COMPOSITE:
        op.drop_index(f"ix_venues_{column}", table_name="venues")
        op.create_index(f"ix_venues_{column}_name_id", "venues", [column, "name", "id"])
    op.create_index("ix_venues_district_type_name_id", "venues", ["district", "type", "name", "id"])
    op.drop_index("ix_venues_org_path", table_name="venues", postgresql_ops=PATTERN_OPS)
    op.create_index("ix_venues_org_path_name_id", "venues", ["org_path", "name", "id"], postgresql_ops=PATTERN_OPS)
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TEXT:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER venues_fts_{trigger}")
        op.execute("DROP TABLE venues_fts")
    op.drop_index("ix_venues_org_path_name_id", table_name="venues", postgresql_ops=PATTERN_OPS)
    op.create_index("ix_venues_org_path", "venues", ["org_path"], postgresql_ops=PATTERN_OPS)
    op.drop_index("ix_venues_district_type_name_id", table_name="venues")
    for column in COMPOSITE:
        op.drop_index(f"ix_venues_{column}_name_id", table_name="venues")
        op.create_index(f"ix_venues_{column}", "venues", [column])
