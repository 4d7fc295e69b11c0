"""The kit's lean reads, on both databases: a worker that wrote nothing is not committed and wakes
nobody (``Database.finish``), whatever path a write took it is committed; ``read_rows`` answers a
``SELECT`` with no transaction of the worker's."""
from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, insert, select, text

from services.common.db import Database, wrote
from services.common.reads import read_rows

metadata = MetaData()
things = Table("things", metadata, Column("id", Integer, primary_key=True), Column("name", String(20)))
BY_ID = select(things.c.name).where(things.c.id == bindparam("id"))


@pytest.fixture
def service_name():
    return "kit"


@pytest.fixture
def db(empty_database):
    class Container:
        config = {"DATABASE_URL": empty_database("lean")}

    container = Container()  # the provider keeps a weak reference to it
    database = Database(metadata).bind(container, "session")
    database.setup()
    metadata.create_all(database.engine)
    with database.engine.begin() as conn:
        conn.execute(insert(things), [{"id": 1, "name": "one"}])
    woken = []
    database.on_commit(lambda: woken.append(1))
    database.woken = woken
    yield database
    database.stop()


def finish(db, work):
    """``work(session)`` as a worker, then the kit's finish; returns what the worker returned."""
    ctx = object()
    session = db.get_dependency(ctx)
    result = work(session)
    assert db.finish(ctx, None) is None
    db.worker_teardown(ctx)
    return result


def names(db):
    with db.engine.connect() as conn:
        return conn.execute(select(things.c.name).order_by(things.c.id)).scalars().all()


def test_a_read_is_rolled_back_and_wakes_nobody(db):
    assert finish(db, lambda s: s.execute(select(things.c.name)).scalars().all()) == ["one"]
    assert db.woken == []


@pytest.mark.parametrize("how", ["core", "text", "driver"])
def test_a_write_by_any_path_is_committed_and_wakes_the_relay(db, how):
    def work(session):
        session.execute(select(things.c.name)).all()
        if how == "core":
            session.execute(insert(things).values(id=2, name="two"))
        elif how == "text":
            session.execute(text("INSERT INTO things (id, name) VALUES (2, 'two')"))
        else:
            session.connection().exec_driver_sql("INSERT INTO things (id, name) VALUES (2, 'two')")
        assert wrote(session)

    finish(db, work)
    assert names(db) == ["one", "two"]
    assert db.woken == [1]


def test_the_write_flag_starts_clean_in_every_transaction(db):
    finish(db, lambda s: s.execute(insert(things).values(id=2, name="two")))
    assert db.woken == [1]
    finish(db, lambda s: s.execute(select(things.c.name)).all())  # same pooled connection, a read
    assert db.woken == [1]


def test_read_rows_reads_committed_rows_outside_the_workers_transaction(db):
    def work(session):
        rows = read_rows(session, BY_ID, id=1)
        assert not session.in_transaction()
        return rows

    assert [tuple(r) for r in finish(db, work)] == [("one",)]
    assert read_rows(db.sessionmaker(), BY_ID, id=99) == []
    finish(db, lambda s: s.execute(things.update().values(name="uno")))
    assert [tuple(r) for r in read_rows(db.sessionmaker(), BY_ID, id=1)] == [("uno",)]  # right after the commit
    assert db.woken == [1]
