"""Prometheus metrics, and the HTTP endpoint that serves them.

Every service answers on its metrics port (``<SERVICE>_METRICS_PORT``; 0 picks a free port), GET
or HEAD (another method: 405; another path: 404):

- ``/metrics``: Prometheus text format;
- ``/livez``: 200 while the process serves; checks nothing else (a liveness probe);
- ``/readyz``: 200 when the database answers and the broker can be reached, else 503; the JSON
  body names each check (``health.check``, the same as the ``health()`` RPC); a readiness probe.
  ``/healthz`` is the same, for probes written before ``/readyz``.

The kit's metrics carry a ``service`` label; services add domain gauges with
``MetricsServer.gauge_function``. The series of every RPC (per contract error) and every event
handler (per outcome) exist at 0 from the container's setup (``start_rpc_series``,
``start_handler_series``): a rate or an error ratio is 0, not empty, before the first call.
"""
from __future__ import annotations

import json
import logging

import eventlet
import eventlet.wsgi
from nameko.extensions import DependencyProvider
from prometheus_client import REGISTRY, Counter, Gauge, Histogram, make_wsgi_app

from . import health
from .db import Database
from .errors import ERROR_NAMES

log = logging.getLogger(__name__)

RPC_REQUESTS = Counter("culture_rpc_requests_total", "RPC calls handled", ["service", "method"])
RPC_ERRORS = Counter("culture_rpc_errors_total", "RPC calls that returned an error",
                     ["service", "method", "error"])
# 7.5 and 15 ms: a write that must answer within 10 ms is read between buckets, not guessed in 10-25 ms
RPC_LATENCY = Histogram("culture_rpc_latency_seconds", "RPC handling time, commit included",
                        ["service", "method"],
                        buckets=(.001, .0025, .005, .0075, .01, .015, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
OUTBOX_BACKLOG = Gauge("culture_outbox_backlog", "Outbox events not yet published", ["service"])
OUTBOX_AGE = Gauge("culture_outbox_oldest_age_seconds",
                   "Age of the oldest unpublished outbox event (0 when none)", ["service"])
OUTBOX_PUBLISHED = Counter("culture_outbox_published_total", "Events published by the relay", ["service"])
EVENTS_HANDLED = Counter("culture_events_handled_total", "Events applied by idempotent handlers",
                         ["service", "handler", "outcome"])
OUTCOMES = ("applied", "duplicate", "failed")
EVENT_HANDLING = Histogram("culture_event_handling_seconds",
                           "Time from an event's delivery to its ack, retry or dead letter (commit included)",
                           ["service", "handler"],
                           buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
DEAD_LETTERED = Counter("culture_dead_lettered_total", "Messages sent to a dead-letter queue",
                        ["service", "queue"])
FOLLOWER_POSITION = Gauge("culture_follower_position",
                          "How far a follower's catch-up has read its source's event log (seq)",
                          ["service", "source"])
FOLLOWER_APPLIED = Counter("culture_follower_caught_up_total", "Events applied by a follower's catch-up",
                           ["service", "source"])
FOLLOWER_FAILURES = Counter("culture_follower_failures_total",
                            "Follower catch-ups that failed (stage: fetch = the source did not answer, "
                            "apply = an event or the database failed)", ["service", "source", "stage"])
FOLLOWER_CAUGHT_UP_AT = Gauge("culture_follower_last_caught_up_timestamp_seconds",
                              "When this replica's follower last reached the end of its source's log",
                              ["service", "source"])


def start_rpc_series(service: str, method: str) -> None:
    """An RPC's series at 0: requests, latency, and errors of each name the kit maps to."""
    RPC_REQUESTS.labels(service, method)
    RPC_LATENCY.labels(service, method)
    for error in ERROR_NAMES:
        RPC_ERRORS.labels(service, method, error)


def start_handler_series(service: str, handler: str, dead_letter_queue: str) -> None:
    """An event handler's series at 0: each outcome, the handling time, its dead-letter queue."""
    for outcome in OUTCOMES:
        EVENTS_HANDLED.labels(service, handler, outcome)
    EVENT_HANDLING.labels(service, handler)
    DEAD_LETTERED.labels(service, dead_letter_queue)


PROBES = ("/livez", "/readyz", "/healthz")


def _reply(start_response, status: str, body: bytes, content_type: str, *headers):
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))), *headers])
    return [body]


def _http_app(readiness):
    metrics_app = make_wsgi_app(REGISTRY)

    def app(environ, start_response):
        path = environ.get("PATH_INFO")
        if path != "/metrics" and path not in PROBES:
            return _reply(start_response, "404 Not Found", b"not found\n", "text/plain")
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _reply(start_response, "405 Method Not Allowed", b"GET or HEAD\n", "text/plain",
                          ("Allow", "GET, HEAD"))
        if path == "/metrics":
            return metrics_app(environ, start_response)
        checks = {"process": "ok"} if path == "/livez" else readiness()
        status = "200 OK" if health.is_ready(checks) else "503 Service Unavailable"
        return _reply(start_response, status, json.dumps(checks).encode(), "application/json")

    return app


class MetricsServer(DependencyProvider):
    """Serves ``/metrics``, ``/livez``, ``/readyz`` (and ``/healthz``) on the service's metrics port."""

    def __init__(self):
        self.port = None
        self._server_thread = None
        self._gauges = []

    def gauge_function(self, gauge, fn, **labels):
        """Have ``gauge`` read ``fn()`` at scrape time (``fn`` must be cheap and must not raise)."""
        self._gauges.append((gauge, fn, labels))

    def gauge_from_db(self, gauge, read, **labels):
        """Have ``gauge`` show ``read(session)`` at scrape time, on a session of the service's
        database (NaN when the database does not answer: a scrape never fails)."""
        db = next(d for d in self.container.dependencies if isinstance(d, Database))

        def value() -> float:
            try:
                with db.session() as session:
                    result = read(session)
                return float("nan") if result is None else float(result)
            except Exception:  # noqa: BLE001
                return float("nan")

        self.gauge_function(gauge, value, **labels)

    def start(self):
        for gauge, fn, labels in self._gauges:
            (gauge.labels(**labels) if labels else gauge).set_function(fn)
        port = self.container.config.get("METRICS_PORT")
        if port is None or int(port) < 0:
            return
        db = next((d for d in self.container.dependencies if isinstance(d, Database)), None)
        amqp_uri = self.container.config["AMQP_URI"]
        sock = eventlet.listen(("0.0.0.0", int(port)))
        self.port = sock.getsockname()[1]
        log.info("%s metrics on http://0.0.0.0:%s/metrics", self.container.service_name, self.port)
        self._server_thread = self.container.spawn_managed_thread(
            lambda: eventlet.wsgi.server(sock, _http_app(lambda: health.check(db, amqp_uri)), log_output=False),
            identifier="metrics-server")

    def stop(self):
        if self._server_thread is not None:
            self._server_thread.kill()
            self._server_thread = None

    def kill(self):
        self.stop()
