"""The follower: a service's copy of another service's data, kept by following its event log.

One ``Follower`` per source, one live handler, and the service's own ``apply``::

    class Service(ServiceBase):
        session = Database(metadata)
        registry = Follower("registry", registry_copy.apply, registry_copy.TYPES)

        @registry.live                       # one queue, bound to every type above
        def on_registry_event(self, envelope):
            self.registry.apply(envelope)

``apply(session, envelope)`` changes the copy, never commits, may raise, and is idempotent on its
own: the copy sees an event live and again from a catch-up, in any order, even at once.

- **live**: the kit's idempotent consumer (inbox, ack after commit, ``.retry``, ``.dlq``) on one
  queue ``evt-<source>-follow--<service>.<method>`` bound to every followed type.
- **catch-up**: at start and every ``interval`` seconds, the source's ``events_since`` after the
  stored position, a page at a time; each page applied and the position moved in ONE transaction
  the kit commits. Events the live handler has applied already (their id in its inbox) are
  skipped (one query per page); ``rebuild()`` skips nothing. The RPC goes through nameko's in-service machinery (a ``ReplyListener``, a
  ``MethodProxy``) with a timeout: a source that is down only makes the next tick try again.
- the position (``follower_position``) moves only by the catch-up: a live event applied past a gap
  the stream lost must not make the catch-up skip that gap.
- several replicas on PostgreSQL: one catches up at a time (``pg_try_advisory_xact_lock``).
- a source that has pruned events after the position (``retention.py``): ``LogPruned``, an ERROR
  at each tick, the position stays; ``rebuild()`` is refused before it resets anything.
- on demand: ``catch_up()``, ``rebuild()`` (position to 0, the whole log again), ``position()``;
  they run their own transactions, so call them before the worker uses its session.

docs/KIT.md has the details (failures, metrics, replicas).
"""
from __future__ import annotations

import logging
import time

import eventlet
from eventlet.queue import Empty, LightQueue
from eventlet.semaphore import Semaphore
from kombu import Queue, binding
from nameko.containers import WorkerContext
from nameko.exceptions import RpcTimeout
from nameko.extensions import DependencyProvider
from nameko.rpc import MethodProxy
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .clock import utcnow
from .consumer import IdempotentEventHandler, applied_ids
from .db import Database
from .locks import advisory_lock_key, advisory_xact_lock, try_advisory_xact_lock
from .metrics import (
    FOLLOWER_APPLIED,
    FOLLOWER_CAUGHT_UP_AT,
    FOLLOWER_FAILURES,
    FOLLOWER_POSITION,
    MetricsServer,
)
from .follower_rpc import _CatchUpEntrypoint, _FollowerReplies
from .retention import LogPruned, log_pruned
from .seeding import apply_log  # noqa: F401 - kept importable from here (the demo seeds use it)

log = logging.getLogger(__name__)

#: The part of a follow queue's name where a single-type handler's queue has the event type
#: (event types always have an underscore, so no type can be named like this).
FOLLOW_QUEUE_TAG = "follow"


class SourceUnavailable(Exception):
    """The source did not answer ``events_since`` (down, unknown, slow, or a bad reply)."""


# --- the live path -----------------------------------------------------------------------------

class FollowHandler(IdempotentEventHandler):
    """``@follow(source, types)``: the kit's idempotent consumer on one queue for several types.

    Everything ``IdempotentEventHandler`` guarantees holds (inbox, ack after commit, ``.retry``,
    ``.dlq``); only the queue differs: ``evt-<source>-follow--<service>.<method>``, bound to each
    of ``types`` on ``<source>.events``. Its name does not change when a type is added (the new
    binding is made at the next start); a type removed from the list keeps its binding until the
    binding is removed on the broker (its events reach ``apply`` only if the follower still lists
    the type: ``Follower.apply`` skips the others).
    """

    def __init__(self, source_service, event_types, **kwargs):
        if isinstance(event_types, str):
            event_types = (event_types,)
        self.event_types = tuple(event_types)
        if not self.event_types:
            raise ValueError("follow: give at least one event type")
        super().__init__(source_service, FOLLOW_QUEUE_TAG, **kwargs)

    def setup(self):
        super().setup()  # the single-type queue, its .retry and .dlq: same names, kept
        one = self.queue
        self.queue = Queue(one.name, bindings=[binding(one.exchange, routing_key=t) for t in self.event_types],
                           durable=True, auto_delete=one.auto_delete, exclusive=one.exclusive)
        self.follower = next((d for d in self.container.dependencies
                              if isinstance(d, Follower) and d.source == self.source_service), None)

    def apply_rest(self, worker_ctx, envelopes: list[dict]) -> None:
        """A batch's events after its first: to the follower's ``apply_many`` at once, when it has
        one (its handler method is then run for the batch's first event only); else one by one."""
        follower = self.follower
        if follower is None or follower.apply_many_fn is None:
            return super().apply_rest(worker_ctx, envelopes)
        follower.apply_many_fn(follower.db.sessions[worker_ctx],
                               [e for e in envelopes if e.get("type") in follower.types])


follow = FollowHandler.decorator


# --- the follower ------------------------------------------------------------------------------

class Follower(DependencyProvider):
    """Keeps this service's copy of ``source``'s data: see the module docstring.

    ``Follower(source, apply, types, page_size=500, interval=30, timeout=10, apply_many=None)``;
    ``apply(session, envelope)`` applies one event of ``types`` to the copy (idempotent, never
    commits). ``apply_many(session, envelopes)``, when given, must leave the copy as ``apply`` on
    each in order would; the catch-up applies a page with it, and the live handler a batch's
    events after the first (``CONSUMER_BATCH``), so the handler method must do nothing but
    ``self.<follower>.apply(envelope)``.
    """

    replies = _FollowerReplies()

    def __init__(self, source: str, apply, types, *, page_size: int = 500, interval: float = 30.0,
                 timeout: float = 10.0, apply_many=None):
        if isinstance(types, str):
            types = (types,)
        if not 1 <= page_size <= 1000:
            raise ValueError("page_size must be within 1..1000 (events_since's limit)")
        self.source = source
        self.apply_fn = apply
        self.apply_many_fn = apply_many
        self.types = tuple(types)
        self.page_size = page_size
        self.interval = float(interval)
        self.timeout = float(timeout)
        self._thread = None
        self._running = False

    @property
    def live(self):
        """The decorator of the live handler: ``@<follower>.live`` = ``@follow(source, types)``."""
        return follow(self.source, self.types)

    # --- nameko lifecycle ---

    def setup(self):
        self.service = self.container.service_name
        self.db = next(d for d in self.container.dependencies if isinstance(d, Database))
        self.table = self.db.metadata.tables["follower_position"]
        self.inbox = self.db.metadata.tables["inbox"]
        # the inbox names of this source's live handlers: what they applied, the catch-up skips
        self.live_handlers = [f"{self.service}.{e.method_name}" for e in self.container.entrypoints
                              if isinstance(e, FollowHandler) and e.source_service == self.source]
        self.lock_key = advisory_lock_key(self.service, f"follower:{self.source}")
        self._mutex = Semaphore(1)
        self._wake = LightQueue()
        others = [d for d in self.container.dependencies
                  if isinstance(d, Follower) and d is not self and d.source == self.source]
        if others:
            raise ValueError(f"{self.service}: two followers of {self.source!r} would share one position")
        if not any(isinstance(e, FollowHandler) and e.source_service == self.source
                   for e in self.container.entrypoints):
            log.info("%s: no live handler follows %s; its copy is kept by the catch-up only",
                     self.service, self.source)
        metrics = next((d for d in self.container.dependencies if isinstance(d, MetricsServer)), None)
        if metrics is not None:
            metrics.gauge_from_db(FOLLOWER_POSITION, self._read_position, service=self.service,
                                  source=self.source)

    def start(self):
        self._running = True
        self._thread = self.container.spawn_managed_thread(self._run, identifier=f"follower-{self.source}")

    def stop(self):
        self._running = False
        self._wake.put(None)
        if self._thread is not None:
            # A page in flight finishes (at most the RPC's timeout, then one transaction).
            with eventlet.Timeout(self.timeout + 30, False):
                self._thread.wait()
            self._thread.kill()
            self._thread = None

    def kill(self):
        self._running = False
        if self._thread is not None:
            self._thread.kill()
            self._thread = None

    def get_dependency(self, worker_ctx):
        return FollowerHandle(self, worker_ctx)

    # --- what a service calls ---

    def position(self) -> int:
        """How far the catch-up has read the source's log (0: from the start)."""
        with self.db.session() as session:
            return self._read_position(session)

    def catch_up(self) -> int:
        """Apply the source's log after the stored position now; returns how many events were
        applied. Waits for a catch-up running in this process (or replica) to finish its page;
        raises ``SourceUnavailable`` when the source does not answer."""
        with self._mutex:
            return self._catch_up(wait=True)

    def rebuild(self) -> int:
        """Reset the position to 0 and apply the source's whole log; returns how many events were
        applied. The copy's rows are not deleted: ``apply`` upserts over them."""
        with self._mutex:  # first ask for the log's start: a source that pruned it refuses (LogPruned)
            self._fetch(WorkerContext(self.container, service=None, entrypoint=_CatchUpEntrypoint(self.source)), 0)
            with self.db.session() as session, session.begin():
                self._lock(session, wait=True)
                self._store(session, 0)
            log.info("%s: rebuilding its copy of %s from the start of its log", self.service, self.source)
            applied = self._catch_up(wait=True, skip_live=False)  # everything, live-applied or not
        log.info("%s: rebuilt its copy of %s: %d events applied", self.service, self.source, applied)
        return applied

    def tick(self) -> int | None:
        """One timer tick: catch up unless a catch-up runs already; never raises. Returns how
        many events were applied, or None when it skipped or failed."""
        if not self._mutex.acquire(blocking=False):
            return None  # this process is catching up already (a rebuild, an earlier tick)
        try:
            return self._catch_up(wait=False)
        except LogPruned as exc:  # it stays where it is: docs/OPERATIONS.md, "Outbox retention"
            FOLLOWER_FAILURES.labels(self.service, self.source, "pruned").inc()
            log.error("%s: %s", self.service, exc)
        except SourceUnavailable as exc:
            FOLLOWER_FAILURES.labels(self.service, self.source, "fetch").inc()
            log.warning("%s: could not read %s's event log (%s); trying again in %gs",
                        self.service, self.source, exc, self.interval)
        except Exception:  # the follower outlives a bad event and a database outage
            FOLLOWER_FAILURES.labels(self.service, self.source, "apply").inc()
            log.exception("%s: catching up with %s failed; its page was rolled back, trying again in %gs",
                          self.service, self.source, self.interval)
        finally:
            self._mutex.release()
        return None

    # --- the catch-up ---

    def _run(self):
        try:
            self.replies.wait_until_ready()
        except Exception:  # noqa: BLE001 - the container stopped before it started
            return
        while self._running:
            applied = self.tick()
            if applied:
                log.info("%s: caught up with %s: %d events applied", self.service, self.source, applied)
            try:
                self._wake.get(timeout=self.interval)
            except Empty:
                pass

    def _catch_up(self, wait: bool, skip_live: bool = True) -> int:
        """Pages until the end of the log. ``wait=False`` (ticks) gives up when another replica
        is at it; ``wait=True`` waits for its page and goes on from where it got. ``skip_live``:
        events the live handler already committed (their id in its inbox) are not applied again."""
        applied = 0
        context = WorkerContext(self.container, service=None, entrypoint=_CatchUpEntrypoint(self.source))
        while True:
            seq = self.position()
            page = self._fetch(context, seq)  # outside any transaction: the source may be slow
            items = [e for e in page["items"] if e.get("type") in self.types]
            if page["next_seq"] != seq:
                with self.db.session() as session, session.begin():
                    if not self._lock(session, wait):
                        return applied  # another replica is catching up
                    if self._read_position(session) != seq:
                        if not wait:
                            return applied  # another replica (or a rebuild) moved it
                        continue  # read the page after the new position
                    if skip_live:
                        items = self._not_applied_live(session, items)
                    if self.apply_many_fn is not None:
                        self.apply_many_fn(session, items)
                    else:
                        for envelope in items:
                            self.apply_fn(session, envelope)
                    self._store(session, page["next_seq"])
                self._committed()
                applied += len(items)
                FOLLOWER_APPLIED.labels(self.service, self.source).inc(len(items))
            if len(page["items"]) < self.page_size:
                FOLLOWER_CAUGHT_UP_AT.labels(self.service, self.source).set(time.time())
                return applied

    def _fetch(self, context, seq: int) -> dict:
        # The request expires in the source's queue when nobody waits for its reply any more, so a
        # source back from an outage does not answer a backlog of old ticks.
        method = MethodProxy(context, self.source, "events_since", self.replies, expiration=self.timeout)
        abandoned = True
        try:
            # The publish has its own bounded retries and confirm (UnknownService: no queue for
            # the source); the timeout is the wait for the reply.
            reply = method.call_async(seq, self.page_size, subscriber=self.service)  # the source keeps what we need
            with eventlet.Timeout(self.timeout, RpcTimeout(f"no answer in {self.timeout:g}s")):
                page = reply.result()
            abandoned = False
        except Exception as exc:  # the source unknown, slow or down, the broker away, its error reply
            raise log_pruned(exc, self.source, seq) or SourceUnavailable(f"{type(exc).__name__}: {exc}") from exc
        finally:
            self.replies.done(abandoned)
        try:
            items, next_seq = list(page["items"]), int(page["next_seq"])
        except (KeyError, TypeError, ValueError) as exc:
            raise SourceUnavailable(f"not an events_since page: {exc!r}") from exc
        if next_seq < seq:
            raise SourceUnavailable(f"its log went back from seq {seq} to {next_seq}")
        return {"items": items, "next_seq": next_seq}

    def _not_applied_live(self, session: Session, items: list) -> list:
        """``items`` but those the live path has applied (one query per page). The copy then has
        their effect already, and ``apply`` is idempotent: applying them again changes nothing."""
        if not items or not self.live_handlers:
            return items
        done = applied_ids(session, self.inbox, self.live_handlers, [e["id"] for e in items])
        return [e for e in items if e["id"] not in done]

    def _lock(self, session: Session, wait: bool) -> bool:
        # PostgreSQL: replicas take turns. SQLite serialises writers anyway (and runs one replica).
        if wait:
            advisory_xact_lock(session, self.lock_key)
            return True
        return try_advisory_xact_lock(session, self.lock_key)

    def _read_position(self, session: Session) -> int:
        seq = session.execute(select(self.table.c.seq).where(self.table.c.source == self.source)).scalar()
        return int(seq or 0)

    def _store(self, session: Session, seq: int) -> None:
        done = session.execute(update(self.table).where(self.table.c.source == self.source)
                               .values(seq=seq, updated_at=utcnow())).rowcount
        if not done:
            session.execute(self.table.insert().values(source=self.source, seq=seq, updated_at=utcnow()))

    def _committed(self) -> None:
        # What a worker's commit does: wake the outbox relay (an apply may emit events).
        for callback in getattr(self.db, "_after_commit", ()):
            callback()


class FollowerHandle:
    """``self.<follower>`` inside a worker."""

    def __init__(self, follower: Follower, worker_ctx):
        self._follower = follower
        self._worker_ctx = worker_ctx

    @property
    def source(self) -> str:
        return self._follower.source

    def apply(self, envelope: dict) -> None:
        """Apply a live event in this worker's transaction (the kit commits it with the inbox row).
        Types the follower does not follow are skipped."""
        follower = self._follower
        if envelope.get("type") not in follower.types:
            log.info("%s: skipping a %s event of %s it does not follow", follower.service,
                     envelope.get("type"), follower.source)
            return
        follower.apply_fn(follower.db.sessions[self._worker_ctx], envelope)

    def position(self) -> int:
        return self._follower.position()

    def catch_up(self) -> int:
        self._check_own_session()
        return self._follower.catch_up()

    def rebuild(self) -> int:
        self._check_own_session()
        return self._follower.rebuild()

    def _check_own_session(self) -> None:
        session = self._follower.db.sessions.get(self._worker_ctx)
        if session is not None and session.in_transaction():
            raise RuntimeError("catch_up()/rebuild() commit their own transactions: call them before "
                               "the worker uses its own session")
