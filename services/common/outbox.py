"""The transactional outbox and its relay.

``emit()`` writes an event into the ``outbox`` table with the caller's session, so the event
commits or rolls back with the change that caused it. On PostgreSQL it first takes a
transaction-scoped advisory lock (in the same statement as the insert), so events commit in
``seq`` order: a subscriber that reads the log up to ``seq`` N never later finds an N-1 appear
(``seq`` may have gaps, from rolled-back transactions; it never goes back). ``emit_many()`` writes several events at once (one INSERT, the
same lock): each still its own envelope, numbered in the order given.

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

from kombu import Exchange
from marshmallow import Schema
from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from .bulk import insert_rows
from .clock import to_wire, utcnow
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

    def emit(self, session: Session, event_type: str, subject: str, data: dict) -> dict:
        data = self.schemas[event_type].dump(data)
        envelope = new_envelope(self.service, event_type, subject, data)
        seq = self._insert.execute(session, {
            "id": envelope["id"], "type": event_type, "subject": envelope["subject"], "time": utcnow(),
            "envelope": {k: v for k, v in envelope.items() if k != "seq"}, "lock": self._lock}).scalar_one()
        envelope["seq"] = seq
        return envelope

    def _build_insert(self, dialect_name: str):
        """One row, its ``seq`` returned; on PostgreSQL the outbox's advisory lock is taken by the
        same statement (its ``FROM``, evaluated before the row and its ``seq`` are made): one round
        trip instead of two."""
        table = self.table
        values = [bindparam(name, type_=table.c[name].type) for name in _EMITTED]
        if dialect_name == "postgresql":
            lock = select(func.pg_advisory_xact_lock(bindparam("lock"))).subquery("outbox_lock")
            source = select(*values).select_from(lock)
        else:
            source = select(*values)
        return insert(table).from_select(list(_EMITTED), source).returning(table.c.seq)

    def emit_many(self, session: Session, events: Iterable[tuple[str, str, dict]]) -> list[dict]:
        """``emit`` for each ``(event_type, subject, data)``, in one INSERT: each event its own envelope
        (its own id; the batch's one ``time``), the same advisory lock (taken once: it is held until
        the transaction ends either way), ``seq`` ascending in the order given. An unknown type
        writes none of them (``KeyError``). ``prepare_many`` + ``write_many``."""
        return self.write_many(session, self.prepare_many(events))

    def prepare_many(self, events: Iterable[tuple[str, str, dict]]) -> list[dict]:
        """The envelopes ``emit_many`` writes, without their ``seq``: no I/O, so a bulk use case may
        make them while its other writes run in the database (talent's ``close_round``)."""
        wire_time = to_wire(utcnow())  # written at once: one time for the batch
        return [new_envelope(self.service, event_type, subject, self.schemas[event_type].dump(data),
                             time=wire_time) for event_type, subject, data in events]

    def write_many(self, session: Session, envelopes: list[dict]) -> list[dict]:
        """Writes envelopes from ``prepare_many`` (in their order) and numbers them."""
        if not envelopes:
            return []
        now = datetime.fromisoformat(envelopes[0]["time"])  # the time prepare_many gave them
        advisory_xact_lock(session, advisory_lock_key(self.service, "outbox"))
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
        return envelopes

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


def __getattr__(name: str):
    # ``OutboxRelay`` lives in ``relay.py`` (it imports this module); imported from here as before.
    if name == "OutboxRelay":
        from .relay import OutboxRelay

        return OutboxRelay
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
