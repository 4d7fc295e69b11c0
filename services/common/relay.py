"""The outbox's relay: ``OutboxRelay``, one green thread per service container.

It reads pending rows in ``seq`` order, a batch (``batch_size``) at a time, publishes each to the
``<service>.events`` topic exchange (routing key: the event type, as nameko's ``EventDispatcher``
does) in the CloudEvents AMQP binding's structured mode (the envelope as the body, content type
``application/cloudevents+json``, ``message_id`` the event's ``id``, persistent, header
``culture.seq``), on one channel in publisher-confirm mode, and then waits **once** for the
broker's confirms of the whole batch (``_Publisher``: the confirms are counted by delivery tag,
acks and nacks, ``multiple`` or not, in whatever order they come). Only the rows the broker
confirmed, as a prefix in ``seq`` order, are then stamped ``sent_at``, with one ``UPDATE ... WHERE
seq IN (...)``. A nack, a confirm that does not come within ``CONFIRM_TIMEOUT`` or a connection lost
mid-batch stamps the confirmed prefix and leaves the rest pending: the relay reconnects and sends
them again, in order (at least once; subscribers are idempotent on the envelope's ``id``). A crash
after the commit and before the publish loses nothing (the rows are pending); a crash after the
publish and before the stamp sends the events again.

Transactions: on PostgreSQL a batch is one transaction: ``pg_try_advisory_xact_lock`` (among
replicas one relays at a time, in order), read, publish, wait for the confirms, stamp, commit. On
SQLite (one connection per process, which every worker of the service waits for) the read is one
short transaction and the stamp another; the publishing and the confirm wait hold no connection.
"""
from __future__ import annotations

import logging
import time

import eventlet
from amqp import Message
from eventlet.queue import Empty, LightQueue
from kombu import Connection
from kombu.utils import json as kombu_json
from nameko.extensions import DependencyProvider
from nameko.messaging import QueueConsumer as NamekoQueueConsumer
from sqlalchemy import bindparam, select, update

from .clock import utcnow
from .db import Database, is_postgres
from .locks import advisory_lock_key, try_advisory_xact_lock
from .metrics import OUTBOX_AGE, OUTBOX_BACKLOG, OUTBOX_PUBLISHED, MetricsServer
from .outbox import Outbox, event_exchange, stored_envelope
from .queue_consumer import CLOUDEVENTS_JSON

log = logging.getLogger("services.common.outbox")
SUBSCRIPTIONS_TIMEOUT = 30  # seconds the relay waits for the service's own consumers at start
CONFIRM_TIMEOUT = 30.0  # seconds a batch waits for its publisher confirms before it reconnects


class Nacked(Exception):
    """The broker refused (nacked) a published event; it stays pending and is sent again."""


class _Publisher:
    """One broker connection and its channel in publisher-confirm mode (``confirm.select``).

    RabbitMQ numbers a confirm-mode channel's publishes 1, 2, 3, ... (the delivery tag) and confirms
    each with an ``ack`` or a ``nack``, one tag or every tag up to it (``multiple``), not necessarily
    in publish order. ``publish_batch`` publishes without waiting, then drains the connection until
    every tag of the batch is answered."""

    def __init__(self, amqp_uri: str, service: str):
        self.exchange = event_exchange(service)
        self.connection = Connection(amqp_uri)  # no transport-level confirm_publish: we wait per batch
        self.connection.ensure_connection(max_retries=3)
        self.channel = self.connection.default_channel
        self.exchange(self.channel).declare()
        self.channel.confirm_select()
        self.next_tag = 1  # the delivery tag of the channel's next publish
        self.outstanding: set[int] = set()
        self.nacked: set[int] = set()
        self.channel.events["basic_ack"].add(self._on_ack)
        self.channel.events["basic_nack"].add(self._on_nack)

    def _settle(self, tag: int, multiple: bool) -> set[int]:
        settled = {t for t in self.outstanding if t <= tag} if multiple else ({tag} & self.outstanding)
        self.outstanding -= settled
        return settled

    def _on_ack(self, tag, multiple):
        self._settle(tag, multiple)

    def _on_nack(self, tag, multiple):
        self.nacked |= self._settle(tag, multiple)

    def publish_batch(self, rows) -> tuple[int, Exception | None]:
        """Publish ``rows`` (seq order) and wait once for their confirms. Returns how many of them,
        from the first, the broker confirmed, and the error that stopped the rest (None: all)."""
        first = self.next_tag
        self.outstanding, self.nacked = set(), set()
        error = None
        try:
            for row in rows:
                envelope = stored_envelope(row)
                message = Message(kombu_json.dumps(envelope).encode("utf-8"), content_type=CLOUDEVENTS_JSON,
                                  content_encoding="utf-8", message_id=envelope["id"], delivery_mode=2,
                                  application_headers={"culture.seq": row.seq})
                self.outstanding.add(self.next_tag)
                self.next_tag += 1
                self.channel.basic_publish(message, exchange=self.exchange.name, routing_key=row.type)
            deadline = time.monotonic() + CONFIRM_TIMEOUT
            while self.outstanding:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{len(self.outstanding)} publisher confirms did not come within "
                                       f"{CONFIRM_TIMEOUT:g}s")
                self.connection.drain_events(timeout=remaining)
        except Exception as exc:  # noqa: BLE001 - the caller stamps what was confirmed, then raises
            error = exc
        confirmed = 0
        for tag in range(first, first + len(rows)):
            if tag in self.outstanding or tag in self.nacked or tag >= self.next_tag:
                break
            confirmed += 1
        if error is None and confirmed < len(rows):
            error = Nacked(f"the broker nacked {len(self.nacked)} of {len(rows)} events")
        return confirmed, error

    def release(self) -> None:
        try:
            self.connection.release()
        except Exception:  # noqa: BLE001 - a dead connection is released all the same
            log.debug("releasing the relay's connection failed", exc_info=True)


class OutboxRelay(DependencyProvider):
    """Publishes the service's outbox in order, with publisher confirms (see the module doc)."""

    batch_size = 200

    def __init__(self, outbox: Outbox):
        self.outbox = outbox
        table = outbox.table  # the relay's two statements, built once
        self._pending = (select(table.c.seq, table.c.type, table.c.envelope).where(table.c.sent_at.is_(None))
                         .order_by(table.c.seq).limit(bindparam("n")))
        self._sent = (update(table).where(table.c.seq.in_(bindparam("seqs", expanding=True)))
                      .values(sent_at=bindparam("now")))
        self._wake = LightQueue()
        self._thread = None
        self._running = False

    def setup(self):
        config = self.container.config
        self.enabled = str(config.get("OUTBOX_RELAY", "on")).lower() not in ("off", "0", "false", "no")
        self.poll_seconds = float(config.get("OUTBOX_POLL_SECONDS", 1.0))
        self.batch_interval = max(0.0, float(config.get("OUTBOX_BATCH_INTERVAL_MS", 50)) / 1000)
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
        publisher = None
        batch_started = 0.0
        while self._running:
            try:
                if publisher is None:
                    publisher = _Publisher(self.amqp_uri, self.outbox.service)
                batch_started = time.monotonic()
                while self._running and self.relay_once(publisher) == self.batch_size:
                    pass  # a full batch: there may be more, go on without waiting
                backoff = self.poll_seconds
            except Exception:  # noqa: BLE001 - the relay outlives broker and database outages
                log.warning("%s: outbox relay failed, retrying in %.1fs", self.outbox.service,
                            backoff, exc_info=True)
                if publisher is not None:
                    publisher.release()
                    publisher = None
                eventlet.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            try:
                self._wake.get(timeout=self.poll_seconds)
            except Empty:
                pass
            # Woken again within OUTBOX_BATCH_INTERVAL_MS of the last batch (a busy service): let
            # the commits of that moment gather into one batch (one read, one confirm wait, one
            # stamp) instead of relaying each on its own. A quiet service's event goes at once.
            since = time.monotonic() - batch_started
            if since < self.batch_interval and self._running:
                eventlet.sleep(self.batch_interval - since)
        if publisher is not None:
            publisher.release()

    def relay_once(self, publisher: _Publisher) -> int:
        """Publish one batch of pending events; returns how many were published (confirmed and
        stamped). Raises, after stamping the confirmed prefix, when the rest could not be sent."""
        started = time.monotonic()
        with self.db.session() as session:
            hold = is_postgres(session)  # PostgreSQL: one transaction, its lock held to the stamp
            with session.begin():
                if not try_advisory_xact_lock(session, advisory_lock_key(self.outbox.service, "relay")):
                    return 0  # another replica is relaying
                rows = session.execute(self._pending, {"n": self.batch_size}).all()
                if not rows:
                    return 0
                if hold:
                    confirmed, error = publisher.publish_batch(rows)
                    self._stamp(session, rows[:confirmed])
            if not hold:  # SQLite: the connection went back between the read and this stamp
                confirmed, error = publisher.publish_batch(rows)
                if confirmed:
                    with session.begin():
                        self._stamp(session, rows[:confirmed])
        OUTBOX_PUBLISHED.labels(service=self.outbox.service).inc(confirmed)
        log.debug("%s: relayed %d of %d events in %.3fs", self.outbox.service, confirmed, len(rows),
                  time.monotonic() - started)
        if error is not None:
            raise error
        return confirmed

    def _stamp(self, session, rows) -> None:
        if rows:
            session.execute(self._sent, {"seqs": [row.seq for row in rows], "now": utcnow()})
