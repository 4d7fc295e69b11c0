"""The idempotent consumer: ``@event_handler(source_service, event_type)``.

Over nameko's ``EventHandler`` it guarantees, for a handler ``def on_x(self, envelope)``:

- **applied once**: the envelope's ``id`` is recorded in the ``inbox`` table in the handler's own
  transaction; a redelivery of an id already there is acknowledged and skipped. Two replicas
  racing on one id: the second commit hits the inbox's primary key and is rolled back as a
  duplicate.
- **acknowledged only after the commit**: a crash before it redelivers the event.
- **no hot loop**: a failing handler is rolled back and the message goes to ``<queue>.retry``, a
  queue whose per-message TTL (``CONSUMER_RETRY_DELAY_MS``, doubled each try) dead-letters it back
  to the handler's queue; after ``CONSUMER_MAX_TRIES`` tries, or at once for a message that is not
  a valid envelope, it goes to ``<queue>.dlq`` with the error in its headers, is logged and counted
  (``culture_dead_lettered_total``), and the service keeps consuming.
- **measured**: ``culture_event_handling_seconds`` times each message from delivery to its ack,
  retry or dead letter, whatever the outcome; every series of the handler exists at 0 from setup.
- **nothing dropped unread**: a message the consumer cannot decode (not JSON, not UTF-8, nested
  too deep, a content type it does not accept) goes to ``<queue>.dlq`` at once, with
  ``x-culture-error`` saying why, counted like any dead letter (the kit's ``QueueConsumer`` hands
  it here instead of kombu's log-and-ack). Accepted: ``application/json`` and
  ``application/cloudevents+json`` (decoded as JSON; the envelope schema then decides).
- **CloudEvents over AMQP, both modes**: structured (the body is the envelope) and binary
  (``application/json`` data, the attributes as ``cloudEvents_<name>`` / ``cloudEvents:<name>``
  application properties): ``envelope.from_message`` reads either, ``ENVELOPE`` validates it, and
  the handler gets the envelope as a dict, ``seq`` None and ``schemaversion`` 1 when the producer
  sent none (``envelope.with_defaults``): it is applied once by its ``id`` all the same. An
  envelope ``ENVELOPE`` refuses is dead-lettered at once, like an undecodable message.
- **batches** (``CONSUMER_BATCH`` = N > 1, 100 in the services' config; 1 is one worker per message): the queue's
  prefetch is 2N; the deliveries waiting (up to N; in a burst, gathered for at most
  ``CONSUMER_BATCH_WAIT_MS``)
  are checked against the inbox in one query and applied by ONE worker in one transaction (the
  handler called once per event, one inbox row per event), committed once, then each acked. An id
  twice in a batch is applied once (the other copy acked as a duplicate after the commit). If any
  handler raises or the commit fails, the whole batch is rolled back and its messages are handled
  one by one exactly as with N = 1 (retries, dead letters, counts), so the others still apply.
"""
from __future__ import annotations

import logging
import sys
import time
import traceback

import eventlet
from eventlet.event import Event
from eventlet.queue import Empty, LightQueue
from kombu import Connection, Queue
from marshmallow import ValidationError
from nameko.events import EventHandler
from nameko.exceptions import ContainerBeingKilled
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from .db import Database
from .envelope import ENVELOPE, from_message, utcnow, with_defaults
from .metrics import DEAD_LETTERED, EVENT_HANDLING, EVENTS_HANDLED, start_handler_series
from .queue_consumer import QueueConsumer, decode_failure

log = logging.getLogger(__name__)
TRIES_HEADER = "x-culture-tries"


class IdempotentEventHandler(EventHandler):
    queue_consumer = QueueConsumer()  # hands undecodable messages to on_decode_error

    def __init__(self, source_service, event_type, **kwargs):
        # Each replica shares one queue per handler (SERVICE_POOL); messages stay in the queue
        # while no consumer runs.
        kwargs.setdefault("reliable_delivery", True)
        super().__init__(source_service, event_type, **kwargs)

    def setup(self):
        super().setup()
        config = self.container.config
        self.service = self.container.service_name
        self.handler_name = f"{self.service}.{self.method_name}"
        self.amqp_uri = config["AMQP_URI"]
        self.max_tries = int(config.get("CONSUMER_MAX_TRIES", 5))
        self.retry_delay_ms = int(config.get("CONSUMER_RETRY_DELAY_MS", 500))
        self.db = next(d for d in self.container.dependencies if isinstance(d, Database))
        self.inbox = self.db.metadata.tables["inbox"]
        self.retry_queue = Queue(f"{self.queue.name}.retry", durable=True, queue_arguments={
            "x-dead-letter-exchange": "", "x-dead-letter-routing-key": self.queue.name})
        self.dead_letter_queue = Queue(f"{self.queue.name}.dlq", durable=True)
        start_handler_series(self.service, self.handler_name, self.dead_letter_queue.name)
        self.batch_size = max(1, int(config.get("CONSUMER_BATCH", 1)))
        self.batch_wait = max(0.0, float(config.get("CONSUMER_BATCH_WAIT_MS", 5)) / 1000)
        self._pending = LightQueue()
        self._collector = None
        if self.batch_size > 1:
            # read by the kit's QueueConsumer: one batch applied while the next one arrives
            self.prefetch_count = 2 * self.batch_size

    def start(self):
        with self._connection() as conn:
            for queue in (self.retry_queue, self.dead_letter_queue):
                queue.bind(conn.default_channel).declare()
        if self.batch_size > 1:
            self._collector = self.container.spawn_managed_thread(
                self._collect, identifier=f"{type(self).__name__}.collect[{self.queue.name}]")
        super().start()

    def stop(self):
        super().stop()  # no more deliveries; the connection stays up until the subextensions stop
        if self._collector is not None:
            self._pending.put(None)  # apply what was delivered, then end
            with eventlet.Timeout(60, False):
                self._collector.wait()
            self._collector = None

    def kill(self):
        if self._collector is not None:
            self._collector.kill()  # unacked deliveries go back to the queue with the connection
            self._collector = None
        super().kill()

    def _connection(self):
        return Connection(self.amqp_uri, transport_options={"confirm_publish": True})

    def handle_message(self, body, message):
        started = time.perf_counter()
        try:
            envelope = with_defaults(from_message(body, message.content_type, message.headers))
            ENVELOPE.load(envelope)
        except (ValidationError, TypeError, ValueError) as exc:
            self._dead_letter(message, f"not a valid event envelope: {exc}")
            self._observe(started)
            return
        if self.batch_size > 1:
            self._pending.put((message, envelope, started))  # the collector applies it
            return
        self._handle_one(message, envelope, started)

    def _handle_one(self, message, envelope, started, done: Event | None = None):
        """One message, one worker, one transaction (``done`` is sent once it is settled)."""
        if self._already_applied(envelope["id"]):
            self._duplicate(message, started)
            if done is not None:
                done.send()
            return
        context_data = self.unpack_message_headers(message)

        def handler(worker_ctx, result, exc_info):
            try:
                return self._finish(message, envelope, worker_ctx, result, exc_info, started)
            finally:
                if done is not None:
                    done.send()
        try:
            self.container.spawn_worker(self, (envelope,), {}, context_data=context_data,
                                        handle_result=handler)
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)
            if done is not None:
                done.send()

    def _duplicate(self, message, started):
        EVENTS_HANDLED.labels(self.service, self.handler_name, "duplicate").inc()
        self.queue_consumer.ack_message(message)
        self._observe(started)

    # --- batches (CONSUMER_BATCH > 1) ---

    def _collect(self):
        """The batching handler's one green thread: gathers deliveries and applies them."""
        while True:
            item = self._pending.get()
            if item is None:
                return
            batch, last = [item], False
            deadline = time.monotonic() + self.batch_wait
            while len(batch) < self.batch_size:
                # a lone event goes at once; during a burst, wait a little for the rest
                remaining = deadline - time.monotonic() if len(batch) > 1 else 0
                try:
                    item = self._pending.get(timeout=remaining) if remaining > 0 else self._pending.get_nowait()
                except Empty:
                    break
                if item is None:
                    last = True
                    break
                batch.append(item)
            try:
                self._apply_batch(batch)
            except Exception:  # noqa: BLE001 - a bug here must not kill the container nor lose a message
                log.exception("%s: a batch of %d failed unexpectedly; requeueing what is unsettled",
                              self.handler_name, len(batch))
                for message, _, _ in batch:
                    if not message.acknowledged:
                        self.queue_consumer.requeue_message(message)
            if last:
                return

    def _apply_batch(self, batch):
        firsts, repeats = {}, []
        for item in batch:
            if item[1]["id"] in firsts:
                repeats.append(item)  # the same id twice in one batch: applied once
            else:
                firsts[item[1]["id"]] = item
        with self.db.session() as session:
            seen = applied_ids(session, self.inbox, [self.handler_name], list(firsts))
        for event_id in seen:
            message, _, started = firsts.pop(event_id)
            self._duplicate(message, started)
        todo = list(firsts.values())
        if len(todo) == 1:
            outcome = "failed"  # one event: no batch, the one-message path as is (a retried event)
        else:
            outcome = self._apply_together(todo) if todo else "applied"
        if outcome == "requeued":  # the container is being killed
            for message, _, _ in repeats:
                self.queue_consumer.requeue_message(message)
            return
        if outcome == "failed":
            # rolled back (or a lone event): each message alone, exactly as with CONSUMER_BATCH=1
            for message, envelope, started in todo + [r for r in repeats if r[1]["id"] in firsts]:
                done = Event()
                self._handle_one(message, envelope, started, done)
                done.wait()
            repeats = [r for r in repeats if r[1]["id"] not in firsts]
        for message, _, started in repeats:
            self._duplicate(message, started)

    def _apply_together(self, todo) -> str:
        """Apply ``todo`` in one worker and one transaction; ack each after the commit: "applied".
        "failed": a handler raised or the commit failed; all rolled back, nothing acked.
        "requeued": the container is being killed."""
        done = Event()

        def handle_result(worker_ctx, result, exc_info):
            try:
                if exc_info is None:
                    self.apply_rest(worker_ctx, [envelope for _, envelope, _ in todo[1:]])
                    now = utcnow()
                    self.db.sessions[worker_ctx].execute(insert(self.inbox),
                                                         [self._inbox_row(e, now) for _, e, _ in todo])
            except Exception:  # noqa: BLE001 - the batch fails, each message is retried alone
                exc_info = sys.exc_info()
            try:
                exc_info = self.db.finish(worker_ctx, exc_info)
            except Exception:  # noqa: BLE001 - a rollback that failed: not committed either
                exc_info = sys.exc_info()
            done.send(exc_info)
            return result, exc_info

        first_message, first_envelope, _ = todo[0]
        try:
            self.container.spawn_worker(self, (first_envelope,), {},
                                        context_data=self.unpack_message_headers(first_message),
                                        handle_result=handle_result)
        except ContainerBeingKilled:
            for message, _, _ in todo:
                self.queue_consumer.requeue_message(message)
            return "requeued"
        exc_info = done.wait()
        if exc_info is not None:
            log.warning("%s: a batch of %d events failed (%s); applying them one by one",
                        self.handler_name, len(todo), "".join(traceback.format_exception_only(
                            exc_info[0], exc_info[1])).strip())
            return "failed"
        EVENTS_HANDLED.labels(self.service, self.handler_name, "applied").inc(len(todo))
        for message, _, started in todo:
            self.queue_consumer.ack_message(message)
            self._observe(started)
        return "applied"

    def apply_rest(self, worker_ctx, envelopes: list[dict]) -> None:
        """A batch's events after its first (which the worker ran), in the worker's transaction:
        the handler method for each, in order."""
        method = getattr(worker_ctx.service, self.method_name)
        for envelope in envelopes:
            method(envelope)

    def on_decode_error(self, message, exc):
        """An undecodable message: straight to the DLQ (no retry can make it readable)."""
        self._dead_letter(message, f"the body could not be decoded: {decode_failure(message, exc)}")

    def _already_applied(self, event_id: str) -> bool:
        with self.db.session() as session:
            return session.execute(select(self.inbox.c.event_id).where(
                self.inbox.c.event_id == event_id, self.inbox.c.handler == self.handler_name)
            ).first() is not None

    def _inbox_row(self, envelope, now) -> dict:
        """The inbox row that records ``envelope`` as applied by this handler."""
        return {"event_id": envelope["id"], "handler": self.handler_name, "event_type": envelope["type"],
                "source": envelope["source"], "processed_at": now}

    def _observe(self, started: float) -> None:
        EVENT_HANDLING.labels(self.service, self.handler_name).observe(time.perf_counter() - started)

    def _finish(self, message, envelope, worker_ctx, result, exc_info, started):
        if exc_info is None:
            self.db.sessions[worker_ctx].execute(insert(self.inbox), [self._inbox_row(envelope, utcnow())])
        exc_info = self.db.finish(worker_ctx, exc_info)
        if exc_info is None:
            EVENTS_HANDLED.labels(self.service, self.handler_name, "applied").inc()
            self.queue_consumer.ack_message(message)
        elif isinstance(exc_info[1], IntegrityError) and self._already_applied(envelope["id"]):
            EVENTS_HANDLED.labels(self.service, self.handler_name, "duplicate").inc()
            self.queue_consumer.ack_message(message)
            exc_info = None
        else:
            EVENTS_HANDLED.labels(self.service, self.handler_name, "failed").inc()
            self._retry_or_dead_letter(message, exc_info)
        self._observe(started)
        return result, exc_info

    def _retry_or_dead_letter(self, message, exc_info):
        tries = int((message.headers or {}).get(TRIES_HEADER, 1))
        error = "".join(traceback.format_exception_only(exc_info[0], exc_info[1])).strip()
        if tries >= self.max_tries:
            self._dead_letter(message, f"failed {tries} times: {error}")
            return
        delay = self.retry_delay_ms * 2 ** (tries - 1)
        log.warning("%s: event failed (try %d of %d), retrying in %d ms: %s",
                    self.handler_name, tries, self.max_tries, delay, error)
        self._republish(message, self.retry_queue, {TRIES_HEADER: tries + 1}, expiration=delay / 1000)

    def _dead_letter(self, message, reason: str):
        log.error("%s: dead-lettering a message to %s: %s", self.handler_name,
                  self.dead_letter_queue.name, reason)
        self._republish(message, self.dead_letter_queue,
                        {"x-culture-error": reason[:1000], "x-culture-dead-lettered-at": utcnow().isoformat()})
        DEAD_LETTERED.labels(self.service, self.dead_letter_queue.name).inc()

    def _republish(self, message, queue: Queue, headers: dict, expiration=None):
        """Move ``message`` to ``queue`` (confirmed), then ack it; on failure requeue it."""
        try:
            with self._connection() as conn:
                conn.Producer().publish(
                    message.body, exchange="", routing_key=queue.name,
                    # As received: kombu reads a message without a content type as
                    # application/data in UTF-8 (and would serialize the bytes given None).
                    content_type=message.content_type or "application/data",
                    content_encoding=message.content_encoding or "utf-8",
                    headers={**(message.headers or {}), **headers}, delivery_mode=2,
                    expiration=expiration, retry=True, retry_policy={"max_retries": 3})
        except Exception:  # noqa: BLE001 - keep the message rather than lose it
            log.exception("%s: could not move a message to %s; requeueing it", self.handler_name, queue.name)
            self.queue_consumer.requeue_message(message)
            return
        self.queue_consumer.ack_message(message)


def applied_ids(session, inbox, handlers: list[str], event_ids: list[str]) -> set[str]:
    """Which of ``event_ids`` the inbox records as applied by any of ``handlers`` (one query)."""
    return set(session.execute(select(inbox.c.event_id).where(
        inbox.c.handler.in_(handlers), inbox.c.event_id.in_(event_ids))).scalars())


event_handler = IdempotentEventHandler.decorator
