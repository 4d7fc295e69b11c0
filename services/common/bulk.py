"""Many rows into one table in one go: ``insert_rows(session, table, rows)``, and ``upsert_rows``
for a batch of versioned snapshots (a copy of another service's data).

For a use case that writes thousands of rows at once (talent's ``close_round``: a result, a stage
and an event for each of 10,000 candidates), in the caller's transaction, on both databases:

- PostgreSQL: ONE statement whose rows come from ONE parameter, a JSON array the server unpacks
  (``INSERT ... SELECT ... FROM json_to_recordset(:rows)``). SQLAlchemy's executemany renders
  batches of 1,000 rows of named parameters that psycopg2 then formats value by value: for 10,000
  rows about 8x the client CPU and twice the time.
- SQLite: the driver's own ``executemany`` with each column's SQLAlchemy bind processing applied
  (what SQLAlchemy's executemany does, without its per-row bookkeeping: about half the CPU).
- anything else: SQLAlchemy's executemany.

The values are what the table's columns take through SQLAlchemy: ``str``, ``int``, ``float``,
``bool``, ``None``, aware ``datetime`` (stored as the same instant, as ``tables.UTCDateTime`` does;
a naive one is refused) and, for JSON columns, ``dict`` / ``list``; on PostgreSQL a float that is
not finite is refused (JSON has no NaN). Every row has the same keys. The session's pending
changes are flushed first, so rows may refer to objects added just before.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from operator import itemgetter

from sqlalchemy import Column, Table, bindparam, insert, text
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: Sequence[dict], *, returning: Sequence[Column] = (),
                ordered: bool = False) -> list:
    """Inserts ``rows`` (dicts with the same keys: column names) into ``table``.

    ``returning``: columns of the new rows to return, one row each (in no particular order: map them
    by a key you supplied). ``ordered``: the rows are inserted in list order, so that keys the
    database generates (a sequence) ascend with it. Returns ``[]`` without ``returning``.
    """
    if not rows:
        return []
    session.flush()
    dialect = session.get_bind().dialect
    names = list(rows[0])
    if dialect.name == "postgresql":
        return _postgres(session, dialect, table, names, rows, returning, ordered)
    if dialect.name == "sqlite":
        return _sqlite(session, dialect, table, names, rows, returning)
    if returning:
        return session.execute(insert(table).returning(*returning, sort_by_parameter_order=ordered), rows).all()
    session.execute(insert(table), list(rows))
    return []


def _postgres(session, dialect, table, names, rows, returning, ordered) -> list:
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(n) for n in names)
    definitions = ", ".join(f"{quote(n)} {table.c[n].type.compile(dialect=dialect)}" for n in names)
    if ordered:  # INSERT ... SELECT ... ORDER BY: the rows (and their sequence values) in list order
        source = (f"ROWS FROM (json_to_recordset(CAST(:rows AS json)) AS ({definitions})) "
                  f"WITH ORDINALITY AS x({columns}, insert_rows_position) ORDER BY insert_rows_position")
    else:
        source = f"json_to_recordset(CAST(:rows AS json)) AS x({definitions})"
    sql = f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({columns}) SELECT {columns} FROM {source}"
    if returning:
        sql += " RETURNING " + ", ".join(quote(c.name) for c in returning)
    stmt = text(sql).columns(*returning) if returning else text(sql)
    result = session.execute(stmt, {"rows": json.dumps(rows, default=_JsonValues(), allow_nan=False,
                                                       ensure_ascii=False, separators=(",", ":"))})
    return result.all() if returning else []


class _JsonValues(dict):
    """``json.dumps``' ``default``: an aware datetime as ISO 8601 with its offset (each distinct one
    formatted once: a batch often repeats one "now"); anything else it cannot store is refused."""

    def __call__(self, value):
        if isinstance(value, datetime):
            text_ = self.get(value)
            if text_ is None:
                if value.tzinfo is None or value.utcoffset() is None:
                    raise ValueError("naive datetime: store aware datetimes only")
                text_ = self[value] = value.isoformat()
            return text_
        raise TypeError(f"insert_rows cannot store a {type(value).__name__}: {value!r}")


def _is_datetime(column: Column) -> bool:
    type_ = column.type
    type_ = getattr(type_, "impl_instance", type_)  # a TypeDecorator (UTCDateTime): what it stores as
    try:
        return type_.python_type is datetime
    except NotImplementedError:
        return False


def _memo(processor):
    """A datetime column's bind processing, done once per distinct value (a batch often repeats one
    "now")."""
    done: dict = {}

    def process(value):
        try:
            return done[value]
        except KeyError:
            done[value] = result = processor(value)
            return result
    return process


def _sqlite(session, dialect, table, names, rows, returning) -> list:
    quote = dialect.identifier_preparer.quote
    target = dialect.identifier_preparer.format_table(table)
    get = itemgetter(*names) if len(names) > 1 else (lambda r, n=names[0]: (r[n],))
    processed = [(i, _memo(p) if _is_datetime(table.c[n]) else p) for i, n in enumerate(names)
                 for p in [table.c[n].type.bind_processor(dialect)] if p is not None]
    if processed:  # apply the columns' bind processing (datetimes, JSON, booleans), column by column
        values = [list(get(r)) for r in rows]
        for i, process in processed:
            for v in values:
                v[i] = process(v[i])
        values = list(map(tuple, values))
    else:
        values = [get(r) for r in rows]
    before = None
    if returning:
        # executemany returns no rows. The kit's SQLite transactions hold the write lock from their
        # start (BEGIN IMMEDIATE; a deferred one fails rather than interleave) and a new rowid is
        # above every rowid before it: the new rows are those past the largest rowid seen now.
        before = session.execute(text(f"SELECT coalesce(max(rowid), 0) FROM {target}")).scalar()
    session.connection().exec_driver_sql(
        f"INSERT INTO {target} ({', '.join(quote(n) for n in names)}) VALUES ({', '.join('?' for _ in names)})",
        values)  # executemany, in list order
    if not returning:
        return []
    return session.execute(text(f"SELECT {', '.join(quote(c.name) for c in returning)} FROM {target} "
                                f"WHERE rowid > :before").columns(*returning), {"before": before}).all()


def upsert_rows(session: Session, table: Table, rows: Sequence[dict], *, key: str, newer: str) -> list[str]:
    """Inserts ``rows`` into ``table``, or updates the row of the same ``key`` when the row's
    ``newer`` column (a version) is below the new one; returns the keys written (inserted or
    updated). The rows are written in ``key`` order (concurrent writers lock rows in one order).

    PostgreSQL: ONE statement (``INSERT ... SELECT ... FROM json_to_recordset(:rows) ON CONFLICT
    (key) DO UPDATE ... WHERE version < EXCLUDED.version RETURNING key``), as ``insert_rows``.
    Elsewhere: the same upsert row by row. The statement is built once per table and columns."""
    if not rows:
        return []
    session.flush()
    rows = sorted(rows, key=itemgetter(key))
    dialect = session.get_bind().dialect
    stmt = _upsert_statement(dialect, table, tuple(rows[0]), key, newer)
    if dialect.name == "postgresql":
        return list(session.execute(stmt, {"rows": json.dumps(
            rows, default=_JsonValues(), allow_nan=False, ensure_ascii=False, separators=(",", ":"))}).scalars())
    return [k for row in rows for k in session.execute(stmt, row).scalars()]


_UPSERTS: dict = {}


def _upsert_statement(dialect, table: Table, names: tuple, key: str, newer: str):
    cache_key = (dialect.name, table, names, key, newer)
    stmt = _UPSERTS.get(cache_key)
    if stmt is not None:
        return stmt
    quote = dialect.identifier_preparer.quote
    target = dialect.identifier_preparer.format_table(table)
    columns = ", ".join(quote(n) for n in names)
    updates = ", ".join(f"{quote(n)} = EXCLUDED.{quote(n)}" for n in names if n != key)
    conflict = (f" ON CONFLICT ({quote(key)}) DO UPDATE SET {updates} "
                f"WHERE {target}.{quote(newer)} < EXCLUDED.{quote(newer)} RETURNING {quote(key)}")
    if dialect.name == "postgresql":
        definitions = ", ".join(f"{quote(n)} {table.c[n].type.compile(dialect=dialect)}" for n in names)
        stmt = text(f"INSERT INTO {target} ({columns}) SELECT {columns} "
                    f"FROM json_to_recordset(CAST(:rows AS json)) AS x({definitions}){conflict}")
    else:
        stmt = text(f"INSERT INTO {target} ({columns}) VALUES ({', '.join(':' + n for n in names)}){conflict}"
                    ).bindparams(*[bindparam(n, type_=table.c[n].type) for n in names])
    _UPSERTS[cache_key] = stmt
    return stmt
