"""The metrics port of a running service, scraped over HTTP as Prometheus and Kubernetes do: every
RPC's and every handler's series at 0 before anything happens, each handled event timed, the
probes (``/livez``, ``/readyz``, ``/healthz``) and a 404 for any other path. On a real RabbitMQ and
on SQLite and PostgreSQL, with a small service of the kit's own (a new name per test: the
process's metrics registry outlives a container)."""
from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
import uuid

import pytest
from kombu import Connection
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import MetaData

from services.common import config as cfg
from services.common.base import ServiceBase
from services.common.consumer import event_handler
from services.common.db import Database, make_engine
from services.common.entrypoints import rpc
from services.common.envelope import new_envelope
from services.common.errors import Conflict
from services.common.metrics import MetricsServer
from services.common.outbox import event_exchange
from services.common.tables import add_kit_tables
from tests.support.waiting import wait_for

metadata = MetaData()
add_kit_tables(metadata)

#: What a dashboard divides by: the contract's errors and the kit's InternalError.
ERRORS = ("ValidationFailed", "NotFound", "Conflict", "InvalidState", "Unauthorized", "Forbidden", "InternalError")
SOURCE = "probesrc"


def probe_service(name):
    class Probe(ServiceBase):
        db = Database(metadata)
        metrics = MetricsServer()

        @rpc
        def ping(self):
            return "pong"

        @rpc
        def refuse(self):
            raise Conflict("refused")

        @event_handler(SOURCE, "thing_made")
        def on_thing_made(self, envelope):
            if envelope["data"].get("fail"):
                raise RuntimeError("this handler cannot apply it")

    Probe.name = name
    return Probe


def quiet_service(name):
    """No AMQP entrypoint: it starts whatever its broker URI says, and its probes tell."""
    class Quiet:
        db = Database(metadata)
        metrics = MetricsServer()

    Quiet.name = name
    return Quiet


@pytest.fixture
def service_name():
    return f"probe{uuid.uuid4().hex[:8]}"


@pytest.fixture
def url(empty_database, service_name):
    url = empty_database(service_name)
    engine = make_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    return url


def config_for(amqp_uri, url):
    config = cfg.service_config("kit", env={})
    config.update(AMQP_URI=amqp_uri, DATABASE_URL=url, METRICS_PORT=0, CONSUMER_MAX_TRIES=2,
                  CONSUMER_RETRY_DELAY_MS=50)
    return config


def start(container_factory, cls, amqp_uri, url):
    container = container_factory(cls, config_for(amqp_uri, url))
    container.start()
    return next(d for d in container.extensions if isinstance(d, MetricsServer)).port


def get(port, path, method="GET"):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def scrape(port) -> dict:
    """``{(sample name, frozenset of labels): value}`` of the service's ``/metrics``."""
    status, _, body = get(port, "/metrics")
    assert status == 200
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(body.decode()) for s in family.samples}


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def publish(amqp_uri, body):
    with Connection(amqp_uri) as conn:
        conn.Producer().publish(body, exchange=event_exchange(SOURCE), routing_key="thing_made",
                                serializer="json", declare=[event_exchange(SOURCE)])


def thing(**data):
    return dict(new_envelope(SOURCE, "thing_made", str(uuid.uuid4()), data), seq=1)


def test_every_rpc_and_handler_has_its_series_at_zero_before_any_call(container_factory, rabbit_config, url,
                                                                         service_name, client):
    port = start(container_factory, probe_service(service_name), rabbit_config["AMQP_URI"], url)
    samples = scrape(port)
    for method in ("ping", "refuse", "health", "events_since"):
        rpc_labels = {"service": service_name, "method": method}
        assert value(samples, "culture_rpc_requests_total", **rpc_labels) == 0, method
        assert value(samples, "culture_rpc_latency_seconds_count", **rpc_labels) == 0, method
        for error in ERRORS:
            assert value(samples, "culture_rpc_errors_total", error=error, **rpc_labels) == 0, (method, error)
    handler = {"service": service_name, "handler": f"{service_name}.on_thing_made"}
    for outcome in ("applied", "duplicate", "failed"):
        assert value(samples, "culture_events_handled_total", outcome=outcome, **handler) == 0, outcome
    assert value(samples, "culture_event_handling_seconds_count", **handler) == 0
    assert value(samples, "culture_dead_lettered_total", service=service_name,
                 queue=f"evt-{SOURCE}-thing_made--{service_name}.on_thing_made.dlq") == 0

    with pytest.raises(Exception) as err:
        client.call(service_name, "refuse")
    assert err.value.exc_type == "Conflict"
    samples = scrape(port)
    refuse = {"service": service_name, "method": "refuse"}
    assert value(samples, "culture_rpc_requests_total", **refuse) == 1
    assert {e: value(samples, "culture_rpc_errors_total", error=e, **refuse) for e in ERRORS} == {
        e: (1 if e == "Conflict" else 0) for e in ERRORS}


def test_each_handled_event_is_timed_whatever_its_outcome(container_factory, rabbit_config, url, service_name):
    amqp_uri = rabbit_config["AMQP_URI"]
    port = start(container_factory, probe_service(service_name), amqp_uri, url)
    handler = {"service": service_name, "handler": f"{service_name}.on_thing_made"}
    dlq = {"service": service_name, "queue": f"evt-{SOURCE}-thing_made--{service_name}.on_thing_made.dlq"}
    handled = lambda outcome: value(scrape(port), "culture_events_handled_total", outcome=outcome, **handler)  # noqa: E731

    good = thing(name="书法展")
    publish(amqp_uri, good)
    wait_for(lambda: handled("applied") == 1, what="the event to be applied")
    publish(amqp_uri, good)                        # again: a duplicate
    publish(amqp_uri, {"not": "an envelope"})      # dead-lettered at once
    publish(amqp_uri, thing(fail=True))            # fails twice (CONSUMER_MAX_TRIES=2), then dead-lettered
    wait_for(lambda: value(scrape(port), "culture_dead_lettered_total", **dlq) == 2
             and handled("duplicate") == 1 and handled("failed") == 2, what="every message to be settled")

    samples = scrape(port)
    # applied 1 + duplicate 1 + not an envelope 1 + two failed tries = 5 messages handled, each timed.
    assert value(samples, "culture_event_handling_seconds_count", **handler) == 5
    assert value(samples, "culture_event_handling_seconds_bucket", le="+Inf", **handler) == 5
    assert value(samples, "culture_event_handling_seconds_sum", **handler) > 0


def test_the_metrics_port_answers_its_own_paths_only(container_factory, rabbit_config, url, service_name):
    port = start(container_factory, probe_service(service_name), rabbit_config["AMQP_URI"], url)
    status, headers, body = get(port, "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert b"culture_rpc_requests_total" in body
    assert get(port, "/livez")[::2] == (200, b'{"process": "ok"}')
    for path in ("/nope", "/", "/metrics/", "/livez/x", "/readyz.json", "/healthz/"):
        assert get(port, path)[0] == 404, path
    status, headers, _ = get(port, "/metrics", method="POST")
    assert (status, headers["Allow"]) == (405, "GET, HEAD")
    assert get(port, "/readyz", method="HEAD")[::2] == (200, b"")
    assert get(port, "/healthz")[::2] == get(port, "/readyz")[::2] == (
        200, json.dumps({"database": "ok", "broker": "ok"}).encode())


def test_readyz_is_200_only_while_the_database_and_the_broker_answer(container_factory, rabbit_config, url,
                                                                       service_name, backend, tmp_path, client):
    amqp_uri = rabbit_config["AMQP_URI"]
    port = start(container_factory, probe_service(service_name), amqp_uri, url)
    status, _, body = get(port, "/readyz")
    assert (status, json.loads(body)) == (200, {"database": "ok", "broker": "ok"})
    # The health() RPC makes the same check.
    assert client.call(service_name, "health") == {"service": service_name, "version": "0.1.0",
                                                   "database": "ok", "broker": "ok"}

    # The broker: nothing listens where the service's AMQP_URI points.
    closed = f"amqp://guest:guest@127.0.0.1:{closed_port()}/"
    port = start(container_factory, quiet_service(f"{service_name}b"), closed, url)
    status, _, body = get(port, "/readyz")
    assert (status, json.loads(body)) == (503, {"database": "ok", "broker": "error"})
    assert get(port, "/healthz")[0] == 503
    assert get(port, "/livez")[0] == 200           # the process serves: liveness does not restart it

    # The database: a PostgreSQL server that does not answer, an SQLite file that cannot be opened.
    gone = (f"postgresql+psycopg2://postgres@127.0.0.1:{closed_port()}/gone" if backend == "postgres"
            else f"sqlite:///{tmp_path}")          # a directory, not a database file
    port = start(container_factory, quiet_service(f"{service_name}c"), amqp_uri, gone)
    status, _, body = get(port, "/readyz")
    assert (status, json.loads(body)) == (503, {"database": "error", "broker": "ok"})
    assert get(port, "/livez")[0] == 200


def test_a_database_lost_while_serving_fails_readyz_and_health(container_factory, rabbit_config, postgres,
                                                                service_name, client):
    url = postgres.empty()
    engine = make_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    port = start(container_factory, probe_service(service_name), rabbit_config["AMQP_URI"], url)
    assert get(port, "/readyz")[0] == 200
    postgres.drop(url)
    status, _, body = get(port, "/readyz")
    assert (status, json.loads(body)) == (503, {"database": "error", "broker": "ok"})
    assert client.call(service_name, "health")["database"] == "error"
