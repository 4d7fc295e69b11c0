"""The lean read: one ``SELECT``, answered with no transaction to open or end.

``read_rows(session, stmt, **params)`` runs a prepared ``SELECT`` (a module-level statement with
named ``bindparam``s, compiled once per database) on a pooled connection of its own, outside the
worker's session: no ``BEGIN`` (on SQLite no ``BEGIN IMMEDIATE`` and its write lock), no
``COMMIT``, nothing written and no one woken; on PostgreSQL the statement runs in autocommit, so
the driver sends no ``BEGIN`` and the pool no ``ROLLBACK`` either. One statement reads one
consistent snapshot; a read of several statements that must agree uses the session.

The rows come as the driver returns them (no SQLAlchemy type processing: a JSON column is text on
SQLite, parsed on PostgreSQL). Call it before the worker's session holds a connection: SQLite has
one per process.
"""
from __future__ import annotations

_COMPILED: dict = {}


def _compiled(stmt, dialect):
    """``stmt`` compiled for ``dialect`` (once): its SQL, its parameter names in order (a positional
    driver's) or None, and the values of the parameters the statement holds itself (a literal
    SQLAlchemy made a parameter, e.g. ``column.concat("")``'s)."""
    key = (stmt, dialect.name)
    found = _COMPILED.get(key)
    if found is None:
        compiled = stmt.compile(dialect=dialect)
        names = list(compiled.positiontup) if compiled.positional else None
        found = _COMPILED[key] = (compiled.string, names, compiled.params)
    return found


def read_rows(session, stmt, **params) -> list[tuple]:
    """The rows of ``stmt`` (a ``SELECT``) with ``params``, read outside any transaction."""
    engine = session.get_bind()
    sql, names, held = _compiled(stmt, engine.dialect)
    params = {**held, **params}
    conn = engine.raw_connection()
    try:
        dbapi = conn.dbapi_connection
        postgres = engine.dialect.name == "postgresql"
        if postgres:
            dbapi.autocommit = True
        try:
            cursor = dbapi.cursor()
            cursor.execute(sql, [params[n] for n in names] if names is not None else params)
            rows = cursor.fetchall()
            cursor.close()
        finally:
            if postgres:
                dbapi.autocommit = False
    finally:
        conn.close()
    return rows
