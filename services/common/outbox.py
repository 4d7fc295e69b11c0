"""The transactional outbox and its relay.

``emit()`` writes an event into the ``outbox`` table with the caller's session, so the event
commits or rolls back with the change that caused it. On PostgreSQL it first takes a
transaction-scoped advisory lock, so events commit in ``seq`` order: a subscriber that reads the
log up to ``seq`` N never later finds an N-1 appear (``seq`` may have gaps, from rolled-back
transactions; it never goes back). ``emit_many()`` writes several events at once (one INSERT, the
same lock): each still its own envelope, numbered in the order given.

``OutboxRelay`` publishes pending rows in ``seq`` order to the ``<service>.events`` topic exchange
(routing key: the event type, as nameko's ``EventDispatcher`` does, so nameko's
``@event_handler`` subscribes to them), in the CloudEvents AMQP binding's structured mode (the
envelope as the body, content type ``application/cloudevents+json``, ``message_id`` the event's
``id``), persistent, waits for the broker's publisher confirm, then stamps ``sent_at``. A crash
after the commit and before the publish loses nothing: the rows are still pending and the relay
sends them when it runs again. A crash after the publish and before the
stamp sends the event twice; subscribers are idempotent on the envelope's ``id``. With several
replicas on PostgreSQL one relay works at a time (``pg_try_advisory_xact_lock``).
"""
from __future__ import annotations

import logging
import time
from datetime import datetime
from collections.abc import Iterable

import eventlet
from eventlet.queue import Empty, LightQueue
from kombu import Connection, Exchange
from kombu.utils import json as kombu_json
from marshmallow import Schema
from nameko.extensions import DependencyProvider
from nameko.messaging import QueueConsumer as NamekoQueueConsumer
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from .bulk import insert_rows
from .clock import to_wire, utcnow
from .db import Database
from .envelope import from_storage, new_envelope
from .locks import advisory_lock_key, advisory_xact_lock, try_advisory_xact_lock
from .metrics import OUTBOX_AGE, OUTBOX_BACKLOG, OUTBOX_PUBLISHED, MetricsServer
from .queue_consumer import CLOUDEVENTS_JSON

log = logging.getLogger(__name__)
SUBSCRIPTIONS_TIMEOUT = 30  # seconds the relay waits for the service's own consumers at start


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

    def emit(self, session: Session, event_type: str, subject: str, data: dict) -> dict:
        data = self.schemas[event_type].dump(data)
        envelope = new_envelope(self.service, event_type, subject, data)
        advisory_xact_lock(session, advisory_lock_key(self.service, "outbox"))
        seq = session.execute(
            insert(self.table).values(
                id=envelope["id"], type=event_type, subject=envelope["subject"],
                time=utcnow(), envelope={k: v for k, v in envelope.items() if k != "seq"},
            ).returning(self.table.c.seq)
        ).scalar_one()
        envelope["seq"] = seq
        return envelope

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
        items = [dict(from_storage(row.envelope), seq=row.seq) for row in rows]
        return {"items": items, "next_seq": items[-1]["seq"] if items else seq}

    def backlog(self, session: Session) -> tuple[int, float]:
        count, oldest = session.execute(
            select(func.count(), func.min(self.table.c.time)).where(self.table.c.sent_at.is_(None))
        ).one()
        if not oldest:
            return count, 0.0
        return count, max(0.0, (utcnow() - oldest).total_seconds())


class OutboxRelay(DependencyProvider):
    """Publishes the service's outbox in order, with publisher confirms (see the module doc)."""

    batch_size = 200

    def __init__(self, outbox: Outbox):
        self.outbox = outbox
        self._wake = LightQueue()
        self._thread = None
        self._running = False

    def setup(self):
        config = self.container.config
        self.enabled = str(config.get("OUTBOX_RELAY", "on")).lower() not in ("off", "0", "false", "no")
        self.poll_seconds = float(config.get("OUTBOX_POLL_SECONDS", 1.0))
        self.amqp_uri = config["AMQP_URI"]
        self.db = next(d for d in self.container.dependencies if isinstance(d, Database))
        self.db.on_commit(self.wake)
        metrics = next((d for d in self.container.dependencies if isinstance(d, MetricsServer)), None)
        if metrics is not None:
            metrics.gauge_function(OUTBOX_BACKLOG, lambda: self._backlog()[0], service=self.outbox.service)
            metrics.gauge_function(OUTBOX_AGE, lambda: self._backlog()[1], service=self.outbox.service)

    def _backlog(self):
        try:
            with self.db.session() as session:
                return self.outbox.backlog(session)
        except Exception:  # noqa: BLE001 - a scrape must not fail
            return (float("nan"), float("nan"))

    def start(self):
        if not self.enabled:
            log.warning("%s: outbox relay is off; events stay in the outbox", self.outbox.service)
            return
        self._running = True
        self._thread = self.container.spawn_managed_thread(self._run, identifier="outbox-relay")

    def stop(self):
        self._running = False
        self.wake()
        if self._thread is not None:
            self._thread.wait()
            self._thread = None

    def kill(self):
        self._running = False
        if self._thread is not None:
            self._thread.kill()
            self._thread = None

    def wake(self):
        if self._wake.qsize() == 0:
            self._wake.put(None)

    def _wait_for_subscriptions(self) -> None:
        """Publish nothing before this service's own queues are declared and consumed: an answer to
        an event it publishes (talent's showcase request, answered by events within milliseconds)
        must find its queue even on the service's very first start, when the queue is made."""
        consumers = [ext for ext in self.container.subextensions if isinstance(ext, NamekoQueueConsumer)]
        for consumer in consumers:
            with eventlet.Timeout(SUBSCRIPTIONS_TIMEOUT, False):
                consumer._consumers_ready.wait()
            if not consumer._consumers_ready.ready():
                log.warning("%s: the relay starts before the service's consumers are ready", self.outbox.service)

    def _run(self):
        self._wait_for_subscriptions()
        backoff = self.poll_seconds
        connection = None
        while self._running:
            try:
                if connection is None:
                    connection = Connection(self.amqp_uri, transport_options={"confirm_publish": True})
                    connection.ensure_connection(max_retries=3)
                while self._running and self.relay_once(connection) == self.batch_size:
                    pass  # a full batch: there may be more, go on without waiting
                backoff = self.poll_seconds
            except Exception:  # noqa: BLE001 - the relay outlives broker and database outages
                log.warning("%s: outbox relay failed, retrying in %.1fs", self.outbox.service,
                            backoff, exc_info=True)
                if connection is not None:
                    connection.release()
                    connection = None
                eventlet.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            try:
                self._wake.get(timeout=self.poll_seconds)
            except Empty:
                pass
        if connection is not None:
            connection.release()

    def relay_once(self, connection) -> int:
        """Publish one batch of pending events; returns how many were published."""
        table = self.outbox.table
        exchange = event_exchange(self.outbox.service)
        with self.db.session() as session, session.begin():
            if not try_advisory_xact_lock(session, advisory_lock_key(self.outbox.service, "relay")):
                return 0  # another replica is relaying
            rows = session.execute(
                select(table.c.seq, table.c.type, table.c.envelope)
                .where(table.c.sent_at.is_(None)).order_by(table.c.seq).limit(self.batch_size)
            ).all()
            if not rows:
                return 0
            producer = connection.Producer()
            started = time.monotonic()
            for row in rows:
                envelope = dict(from_storage(row.envelope), seq=row.seq)
                producer.publish(kombu_json.dumps(envelope), exchange=exchange, routing_key=row.type,
                                 content_type=CLOUDEVENTS_JSON, content_encoding="utf-8",
                                 message_id=envelope["id"], delivery_mode=2, declare=[exchange], retry=True,
                                 retry_policy={"max_retries": 3}, headers={"culture.seq": row.seq})
                session.execute(update(table).where(table.c.seq == row.seq).values(sent_at=utcnow()))
            OUTBOX_PUBLISHED.labels(service=self.outbox.service).inc(len(rows))
            log.debug("%s: relayed %d events in %.3fs", self.outbox.service, len(rows),
                      time.monotonic() - started)
            return len(rows)
