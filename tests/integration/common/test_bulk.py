"""The kit's ``insert_rows`` on both databases: the rows it writes read back exactly as SQLAlchemy's own
insert of the same values would (timestamps, JSON, booleans, floats, NULLs, reserved words as
column names), in list order when asked, returning what was asked, refusing what it cannot store."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Integer, MetaData, String, Table, insert, select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from services.common.bulk import insert_rows
from services.common.tables import SeqType, UTCDateTime

metadata = MetaData()
parents = Table("parents", metadata, Column("id", String(36), primary_key=True))
things = Table(
    "things", metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("parent_id", String(36), ForeignKey("parents.id"), nullable=True),
    Column("name", String(100), nullable=False),
    Column("by", String(20), nullable=True),       # a reserved word on PostgreSQL
    Column("order", Integer, nullable=True),       # and on both
    Column("at", UTCDateTime(), nullable=True),
    Column("payload", JSON, nullable=True),
    Column("flag", Boolean, nullable=True),
    Column("score", Float, nullable=True),
)
PLUS8 = timezone(timedelta(hours=8))


@pytest.fixture
def service_name():
    return "kit"


@pytest.fixture
def engine(kit_engine):
    return kit_engine("kitbulk", metadata)


def row(i: int) -> dict:
    return {"parent_id": None, "name": f"物{i} \"quoted\" \t tab \\ backslash", "by": f"评委{i}" if i % 3 else None,
            "order": i, "at": datetime(2026, 5, 1, 19, 30, 15, 123456, tzinfo=PLUS8) + timedelta(minutes=i),
            "payload": {"i": i, "nested": {"list": [1, 2.5, None, True, "文"]}, "empty": {}},
            "flag": i % 2 == 0, "score": 100 / 7 + i if i % 4 else None}


def read(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r)[1:] for r in conn.execute(select(things).order_by(things.c.seq))]


def test_rows_read_back_as_sqlalchemys_own_insert_writes_them_in_list_order(engine):
    rows = [row(i) for i in range(1, 2501)]  # more than one batch of SQLAlchemy's executemany
    with Session(engine) as session:
        session.execute(insert(things), rows)
        session.commit()
    expected = read(engine)
    with engine.begin() as conn:
        conn.execute(things.delete())
    with Session(engine) as session:
        returned = insert_rows(session, things, rows, returning=(things.c.seq, things.c.order), ordered=True)
        session.commit()
    assert read(engine) == expected
    assert read(engine)[0][4] == datetime(2026, 5, 1, 11, 31, 15, 123456, tzinfo=timezone.utc)  # the same instant
    by_order = {order: seq for seq, order in returned}
    assert sorted(by_order) == list(range(1, 2501))
    assert [by_order[i] for i in range(1, 2501)] == sorted(by_order.values()), "sequence values in list order"


def test_nothing_to_insert_and_no_returning(engine):
    with Session(engine) as session:
        assert insert_rows(session, things, []) == []
        assert insert_rows(session, things, [row(1)]) == []
        session.commit()
    assert len(read(engine)) == 1


def test_pending_objects_are_flushed_first_and_the_rows_commit_with_the_session(engine):
    with Session(engine) as session:
        session.execute(insert(parents).values(id="p1"))
        insert_rows(session, things, [dict(row(1), parent_id="p1")])
        session.rollback()
    assert read(engine) == []


@pytest.mark.parametrize("value", [
    {"at": datetime(2026, 5, 1, 19, 30)},                            # naive: which instant?
    {"payload": {"when": datetime.now(timezone.utc).date()}},        # not JSON
])
def test_what_it_cannot_store_is_refused_and_nothing_is_written(engine, value):
    with Session(engine) as session:
        with pytest.raises((ValueError, TypeError, StatementError)):  # SQLAlchemy wraps it on SQLite
            insert_rows(session, things, [row(1), dict(row(2), **value)])
        session.rollback()
    assert read(engine) == []


def test_postgresql_refuses_a_float_that_is_not_finite(engine, backend):
    if backend != "postgres":
        pytest.skip("SQLite stores what the driver binds (NaN becomes NULL), as SQLAlchemy's insert does")
    with Session(engine) as session, pytest.raises(ValueError):
        insert_rows(session, things, [dict(row(1), score=math.inf)])
