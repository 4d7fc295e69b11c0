"""The transactional outbox and its relay.

``emit()`` writes an event into the ``outbox`` table with the caller's session, so the event
commits or rolls back with the change that caused it. The row is written when the transaction
commits (the session's ``before_commit``), as its last statement before the ``COMMIT``: on
PostgreSQL that statement also takes a transaction-scoped advisory lock, so events commit in
``seq`` order: a subscriber that reads the log up to ``seq`` N never later finds an N-1 appear
(``seq`` may have gaps, from rolled-back transactions; it never goes back). Taking that lock last
keeps the time it is held, which every writer of the service waits on, to two round trips (the
insert and the ``COMMIT``), not the whole rest of the write (the audit row, the use case's own
later statements); and it can never be held while another lock is awaited. A savepoint rolled back
(``begin_nested``) takes the events emitted inside it with it; a rolled-back transaction writes
none. The envelope ``emit`` returns gets its ``seq`` when the row is written (``write_pending``
writes the session's events at once, e.g. to know their ``seq`` before the commit).

``emit_many()`` queues several events the same way; ``write_many()`` writes envelopes from
``prepare_many()`` at once (a bulk use case overlapping its writes), after the session's pending
ones: each still its own envelope, numbered in the order given.

``OutboxRelay`` (``relay.py``, importable from here too) publishes pending rows in ``seq`` order to
the ``<service>.events`` topic exchange in the CloudEvents AMQP binding's structured mode, a batch
at a time with the batch's publisher confirms waited for once, then stamps the confirmed rows
``sent_at`` in one UPDATE. A crash after the commit and before the publish loses nothing: the rows
are still pending and the relay sends them when it runs again. A crash, a nack or a lost connection
after the publish and before the stamp sends the events again; subscribers are idempotent on the
envelope's ``id``. With several replicas on PostgreSQL one relay works at a time
(``pg_try_advisory_xact_lock``).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import partial
from itertools import groupby
from operator import itemgetter

from kombu import Exchange
from marshmallow import Schema
from sqlalchemy import bindparam, event, func, insert, select
from sqlalchemy.orm import Session, SessionTransaction

from . import audit
from .bulk import insert_rows
from .clock import to_wire, utcnow
from .db import PENDING, PENDING_AUDIT, PENDING_WRITES, hold_for_commit, is_postgres
from .envelope import from_storage, new_envelope
from .locks import advisory_lock_key, advisory_xact_lock
from .query import Prepared

_EMITTED = ("id", "type", "subject", "time", "envelope")  # the columns an event's row is written with


def stored_envelope(row) -> dict:
    """The envelope of an outbox row (``seq``, ``envelope``) as it leaves the service: in the current
    shape (``envelope.from_storage``), with its ``seq``."""
    return dict(from_storage(row.envelope), seq=row.seq)


def event_exchange(service: str) -> Exchange:
    # The same exchange nameko's EventDispatcher declares, so nameko subscribers bind to it.
    return Exchange(f"{service}.events", type="topic", durable=True, auto_delete=False, delivery_mode=2)


class Outbox:
    """Writes a service's events: ``emit(session, event_type, subject, data)``, or many at once with
    ``emit_many(session, [(event_type, subject, data), ...])``.

    ``schemas`` maps every event type the service publishes to the marshmallow schema that dumps
    its ``data``; emitting an unknown type is a programming error (``KeyError``) and writes nothing.
    """

    def __init__(self, service: str, metadata, schemas: dict[str, Schema]):
        self.service = service
        self.table = metadata.tables["outbox"]
        self.schemas = schemas
        self._lock = advisory_lock_key(service, "outbox")
        self._insert = Prepared(self._build_insert)
        self._with_audit: dict = {}  # audit_log table -> Prepared: its row and one event (PostgreSQL)

    def emit(self, session: Session, event_type: str, subject: str, data: dict) -> dict:
        """Queues the event in ``session``'s transaction (written at its commit; see the module).
        The data is dumped, and an unknown type refused, here and now."""
        return self.emit_many(session, [(event_type, subject, data)])[0]

    def emit_many(self, session: Session, events: Iterable[tuple[str, str, dict]]) -> list[dict]:
        """``emit`` for each ``(event_type, subject, data)``: each event its own envelope (its own id;
        the batch's one ``time``), ``seq`` ascending in the order given. An unknown type queues none
        of them (``KeyError``)."""
        envelopes = self.prepare_many(events)
        if envelopes:
            hold_for_commit(session, PENDING_WRITES, self, envelopes)
        return envelopes

    def _write(self, session: Session, envelopes: list[dict], ahead: list = ()) -> None:
        """Writes the audit rows ``ahead`` (``[(audit_log table, [row])]``), then the envelopes, now,
        and numbers them: one statement (with the lock) for one event; on PostgreSQL one statement
        for one audit row and one event."""
        if len(envelopes) > 1:
            _write_audit(session, ahead)
            self._insert_many(session, envelopes)
            return
        envelope = envelopes[0]
        params = {"id": envelope["id"], "type": envelope["type"], "subject": envelope["subject"],
                  "time": datetime.fromisoformat(envelope["time"]),
                  "envelope": {k: v for k, v in envelope.items() if k != "seq"}, "lock": self._lock}
        insert_event = self._insert
        if len(ahead) == 1 and len(ahead[0][1]) == 1 and is_postgres(session):
            table, (row,) = ahead[0]
            insert_event = self._with_audit.get(table)
            if insert_event is None:
                insert_event = self._with_audit[table] = Prepared(partial(self._build_insert, audit_table=table))
            params.update(row)
        else:
            _write_audit(session, ahead)
        envelope["seq"] = insert_event.execute(session, params).scalar_one()

    def _build_insert(self, dialect_name: str, audit_table=None):
        """One row, its ``seq`` returned; on PostgreSQL the outbox's advisory lock is taken by the
        same statement (its ``FROM``, evaluated before the row and its ``seq`` are made): one round
        trip instead of two. With ``audit_table`` (PostgreSQL only) the statement first inserts the
        audit row, and the lock is taken per row that insert returns: after the row is in, so a
        wait on another transaction's row with the same call id is never made holding the lock."""
        table = self.table
        values = [bindparam(name, type_=table.c[name].type) for name in _EMITTED]
        if dialect_name == "postgresql":
            lock = select(func.pg_advisory_xact_lock(bindparam("lock")))
            if audit_table is not None:
                audit_row = audit.statement(audit_table).returning(audit_table.c.id).cte("audit_row")
                lock = lock.select_from(audit_row)
            source = select(*values).select_from(lock.subquery("outbox_lock"))
        else:
            source = select(*values)
        return insert(table).from_select(list(_EMITTED), source).returning(table.c.seq)

    def prepare_many(self, events: Iterable[tuple[str, str, dict]]) -> list[dict]:
        """The envelopes ``emit_many`` writes, without their ``seq``: no I/O, so a bulk use case may
        make them while its other writes run in the database (talent's ``close_round``)."""
        wire_time = to_wire(utcnow())  # written at once: one time for the batch
        return [new_envelope(self.service, event_type, subject, self.schemas[event_type].dump(data),
                             time=wire_time) for event_type, subject, data in events]

    def write_many(self, session: Session, envelopes: list[dict]) -> list[dict]:
        """Writes envelopes from ``prepare_many`` (in their order) now and numbers them, after the
        events the session holds for the commit (written first, so the order stays the order of
        emission). The outbox's lock is taken now and held to the commit."""
        if envelopes:
            write_pending(session)
            self._insert_many(session, envelopes)
        return envelopes

    def _insert_many(self, session: Session, envelopes: list[dict]) -> None:
        now = datetime.fromisoformat(envelopes[0]["time"])  # the time prepare_many gave them
        advisory_xact_lock(session, self._lock)
        table = self.table
        seq_of = dict(insert_rows(session, table, [
            {"id": e["id"], "type": e["type"], "subject": e["subject"], "time": now,
             "envelope": {k: v for k, v in e.items() if k != "seq"}} for e in envelopes],
            returning=(table.c.id, table.c.seq), ordered=True))
        previous = 0
        for envelope in envelopes:
            envelope["seq"] = seq_of[envelope["id"]]
            if envelope["seq"] <= previous:
                raise RuntimeError(f"{self.service}: outbox rows numbered out of order ({envelope['seq']} after "
                                   f"{previous}); roll the transaction back")
            previous = envelope["seq"]

    def since(self, session: Session, seq: int, limit: int) -> dict:
        """The event log after ``seq``, in order: ``{"items": [...], "next_seq": N}``."""
        rows = session.execute(
            select(self.table.c.seq, self.table.c.envelope)
            .where(self.table.c.seq > seq).order_by(self.table.c.seq).limit(limit)
        ).all()
        items = [stored_envelope(row) for row in rows]
        return {"items": items, "next_seq": items[-1]["seq"] if items else seq}

    def backlog(self, session: Session) -> tuple[int, float]:
        count, oldest = session.execute(
            select(func.count(), func.min(self.table.c.time)).where(self.table.c.sent_at.is_(None))
        ).one()
        if not oldest:
            return count, 0.0
        return count, max(0.0, (utcnow() - oldest).total_seconds())


# Events emitted and not yet written, per session: ``session.info[PENDING_WRITES]`` is a list of
# ``(outbox, transaction emitted in, envelopes)``, ``session.info[PENDING_AUDIT]`` of ``(audit_log
# table, transaction, [row])`` (``audit.record``). Written by ``write_pending`` (at the outermost
# commit, or when asked); dropped with a savepoint or transaction rolled back.

def _grouped(entries) -> list[tuple]:
    """Held entries as ``(writer, items)``, one per run of entries with the same writer, in order."""
    return [(writer, [item for _, _, items in run for item in items])
            for writer, run in groupby(entries, key=itemgetter(0))]


def _write_audit(session: Session, ahead) -> None:
    for table, rows in ahead:
        audit.write(session, table, rows)


def write_pending(session: Session) -> None:
    """Writes what ``session`` holds for its commit: its audit rows first (an insert that may wait on
    another request's row with the same call id, so it is made before any lock of the outbox is
    taken), then its events in the order they were emitted (one statement per outbox and run of
    events: with one event, the insert that also takes the lock; on PostgreSQL one audit row and
    one event are that one statement)."""
    ahead = _grouped(session.info.pop(PENDING_AUDIT, ()))
    for outbox, envelopes in _grouped(session.info.pop(PENDING_WRITES, ())):
        outbox._write(session, envelopes, ahead)
        ahead = ()
    _write_audit(session, ahead)


@event.listens_for(Session, "before_commit")
def _write_at_commit(session: Session) -> None:
    if session.get_nested_transaction() is None and any(session.info.get(key) for key in PENDING):
        write_pending(session)  # (not at a savepoint's commit: at the outermost one)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, rolled_back: SessionTransaction) -> None:
    for key in PENDING:
        pending = session.info.get(key)
        if pending:
            pending[:] = [entry for entry in pending if not _within(entry[1], rolled_back)]


@event.listens_for(Session, "after_transaction_end")
def _drop_at_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended: committed (written), or not
        for key in PENDING:
            session.info.pop(key, None)


def _within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


def __getattr__(name: str):
    # ``OutboxRelay`` lives in ``relay.py`` (it imports this module); imported from here as before.
    if name == "OutboxRelay":
        from .relay import OutboxRelay

        return OutboxRelay
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
