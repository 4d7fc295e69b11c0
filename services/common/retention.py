"""The outbox's retention: a service's event log that does not grow forever, and never loses an
event a subscriber still has to read.

The outbox is the service's event log (``events_since``). With ``<SERVICE>_OUTBOX_RETENTION_DAYS``
set (``OUTBOX_RETENTION_DAYS`` in the nameko config; 0, the default, keeps every event), ``prune``
deletes the oldest events of the log, always a prefix in ``seq`` order, each of them

- published (``sent_at`` set): an event the relay has not sent is never removed, whatever its age;
- older than the retention (its ``time``);
- read by every subscriber seen within the retention: ``events_since(seq, limit, subscriber)``
  records ``seq`` (how far that subscriber has applied the log) in ``outbox_subscribers``; nothing
  after the lowest such ``seq`` is removed. A subscriber silent for longer than the retention is
  no longer waited for: the run that removes events it has not read logs a WARNING, counts
  ``culture_outbox_subscribers_left_behind_total`` and forgets it.

A run deletes ``batch_size`` rows per transaction, each batch deciding again under the advisory
lock ``(service, "outbox-retention")`` (on PostgreSQL replicas take turns, a batch at a time), and
keeps the highest ``seq`` removed in ``outbox_pruned``. ``events_since`` asked for a ``seq`` below
it answers ``InvalidState`` ("... pruned its event log through seq N ..."), never a page with a
silent hole. The kit's follower turns that answer into ``LogPruned``: it does not move its
position, logs an ERROR and counts ``culture_follower_failures_total{stage="pruned"}``; a rebuild
is refused before it resets anything (docs/OPERATIONS.md, "Outbox retention", says what ops do).

``ServiceBase`` declares ``OutboxRetention`` and runs ``prune()`` hourly with a ``@timer``.
"""
from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from nameko.exceptions import RemoteError
from nameko.extensions import DependencyProvider
from prometheus_client import Counter, Gauge
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from .clock import utcnow
from .db import Database
from .errors import InvalidState
from .locks import advisory_lock_key, advisory_xact_lock
from .metrics import MetricsServer

log = logging.getLogger(__name__)
PRUNE_INTERVAL = 3600  # seconds between two runs in a replica
BATCH_SIZE = 1000
SUBSCRIBER_NAME = r"[a-z][a-z0-9_-]{0,63}\Z"  # a service name (matched from the start)
_PRUNED = re.compile(r"pruned its event log through seq (\d+)")

OUTBOX_PRUNED = Counter("culture_outbox_pruned_total", "Published events removed from the event log by its retention",
                        ["service"])
OUTBOX_PRUNED_THROUGH = Gauge("culture_outbox_pruned_through_seq", "The highest seq pruned from the event log "
                              "(0: none); events_since refuses a seq below it", ["service"])
OUTBOX_OLDEST_SEQ = Gauge("culture_outbox_oldest_seq", "The oldest seq the event log holds (NaN when empty)",
                          ["service"])
LEFT_BEHIND = Counter("culture_outbox_subscribers_left_behind_total", "Subscribers silent for longer than the "
                      "retention whose unread events were pruned", ["service", "subscriber"])


class LogPruned(InvalidState):
    """A follower's source has pruned the events after the follower's position: the copy can be
    neither caught up nor rebuilt from the log. A caller of ``rebuild()`` sees ``InvalidState``."""

    def __init__(self, source: str, seq: int, through: int):
        super().__init__(f"{source} has pruned its event log through seq {through}: the events after seq {seq} "
                         "that this copy needs are gone, it cannot be caught up or rebuilt from the log "
                         "(docs/OPERATIONS.md, 'Outbox retention')")
        self.source, self.seq, self.through = source, seq, through


def log_pruned(exc: BaseException, source: str, seq: int) -> LogPruned | None:
    """``LogPruned`` when ``exc`` is ``source``'s answer to ``events_since(seq, ...)`` that it has
    pruned events after ``seq``; None for any other failure."""
    if isinstance(exc, RemoteError) and exc.exc_type == "InvalidState":
        found = _PRUNED.search(str(exc.value))
        if found:
            return LogPruned(source, seq, int(found.group(1)))
    return None


def _lock(session: Session, service: str) -> None:
    advisory_xact_lock(session, advisory_lock_key(service, "outbox-retention"))


def pruned_through(session: Session, outbox) -> int:
    """The highest ``seq`` pruned from ``outbox``'s log (0: nothing was)."""
    table = outbox.table.metadata.tables["outbox_pruned"]
    return int(session.execute(select(func.max(table.c.seq))).scalar() or 0)


def read_log(session: Session, outbox, seq: int, limit: int, subscriber: str | None = None) -> dict:
    """``events_since``: the page after ``seq`` (``Outbox.since``), or ``InvalidState`` when events
    after ``seq`` were pruned. With ``subscriber``, ``seq`` is recorded as how far it has read."""
    if subscriber is not None:
        _lock(session, outbox.service)  # not while a prune batch decides: it reads the positions
        table = outbox.table.metadata.tables["outbox_subscribers"]
        values = {"seq": seq, "seen_at": utcnow()}
        if not session.execute(update(table).where(table.c.subscriber == subscriber).values(**values)).rowcount:
            session.execute(insert(table).values(subscriber=subscriber, **values))
    page = outbox.since(session, seq, limit)
    through = pruned_through(session, outbox)  # read after the page: a prune committed in between shows
    if seq < through:  # the error rolls the recording back: a subscriber this far behind is not waited for
        raise InvalidState(f"{outbox.service} has pruned its event log through seq {through}: the events "
                           f"after seq {seq} are gone; ask from seq {through} or later")
    return page


def prune(open_session, outbox, keep: timedelta, *, now: datetime | None = None,
          batch_size: int = BATCH_SIZE) -> int:
    """Delete the oldest events of ``outbox``'s log that the module's rules allow, ``batch_size``
    rows per transaction (``open_session()`` gives each its session); returns how many."""
    now = now or utcnow()
    older_than = now - keep
    tables = outbox.table.metadata.tables
    table, subscribers, pruned = outbox.table, tables["outbox_subscribers"], tables["outbox_pruned"]
    removed, highest, left_behind = 0, None, []
    while True:
        with open_session() as session, session.begin():
            _lock(session, outbox.service)
            waiting_for = session.execute(select(func.min(subscribers.c.seq))
                                          .where(subscribers.c.seen_at >= older_than)).scalar()
            rows = session.execute(select(table.c.seq, table.c.time, table.c.sent_at)
                                   .order_by(table.c.seq).limit(batch_size)).all()
            last = None
            for row in rows:
                if row.sent_at is None or row.time >= older_than or (waiting_for is not None and row.seq > waiting_for):
                    break
                last = row.seq
            batch = 0
            if last is not None:
                highest = last
                batch = session.execute(delete(table).where(table.c.seq <= last)).rowcount
                session.execute(delete(pruned))
                session.execute(insert(pruned).values(seq=last, pruned_at=now))
            more = last is not None and len(rows) == batch_size and last == rows[-1].seq
            if not more:
                left_behind = _forget_left_behind(session, subscribers, older_than, pruned_through(session, outbox))
        removed += batch
        OUTBOX_PRUNED.labels(outbox.service).inc(batch)
        if not more:
            break
    for subscriber, seq, seen_at in left_behind:
        LEFT_BEHIND.labels(outbox.service, subscriber).inc()
        log.warning("%s: subscriber %s, silent since %s at seq %d, is no longer waited for: events it has not "
                    "read were pruned; it must be restored (docs/OPERATIONS.md, 'Outbox retention')",
                    outbox.service, subscriber, seen_at.isoformat(), seq)
    if removed:
        log.info("%s: pruned %d events from its event log (through seq %d): published, older than %g days, "
                 "read by every subscriber", outbox.service, removed, highest, keep / timedelta(days=1))
    return removed


def _forget_left_behind(session: Session, subscribers, older_than: datetime, through: int) -> list:
    rows = session.execute(select(subscribers.c.subscriber, subscribers.c.seq, subscribers.c.seen_at)
                           .where(subscribers.c.seen_at < older_than, subscribers.c.seq < through)).all()
    if rows:
        session.execute(delete(subscribers).where(subscribers.c.subscriber.in_([r.subscriber for r in rows])))
    return [tuple(r) for r in rows]


class OutboxRetention(DependencyProvider):
    """The retention of the service's outbox (the class's ``outbox``), with the config's
    ``OUTBOX_RETENTION_DAYS``; its gauges on the service's ``MetricsServer``. ``prune()`` is one run
    of the job (``ServiceBase`` calls it hourly)."""

    def setup(self):
        self.days = float(self.container.config.get("OUTBOX_RETENTION_DAYS") or 0)
        self.outbox = getattr(self.container.service_cls, "outbox", None)
        self.db = next((d for d in self.container.dependencies if isinstance(d, Database)), None)
        metrics = next((d for d in self.container.dependencies if isinstance(d, MetricsServer)), None)
        if self.outbox is not None and self.db is not None and metrics is not None:
            service = self.outbox.service
            metrics.gauge_from_db(OUTBOX_PRUNED_THROUGH, lambda s: pruned_through(s, self.outbox), service=service)
            metrics.gauge_from_db(OUTBOX_OLDEST_SEQ, lambda s: s.execute(select(func.min(self.outbox.table.c.seq)))
                                  .scalar(), service=service)

    def get_dependency(self, worker_ctx):
        return self

    def prune(self, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int | None:
        """Prune now; returns how many events were removed (0 with no retention set), None when
        the run failed (logged; the next run tries again)."""
        if not self.days or self.outbox is None or self.db is None:
            return 0
        try:
            return prune(self.db.session, self.outbox, timedelta(days=self.days), now=now, batch_size=batch_size)
        except Exception:  # noqa: BLE001 - the job outlives a database outage
            log.exception("%s: pruning the event log failed; the next run tries again", self.outbox.service)
            return None
