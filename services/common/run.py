"""Runs services in the foreground: ``python -m services.common.run registry [events ...]``.

Green (eventlet) from the first line, logs to stderr, stops gracefully on SIGTERM/SIGINT (running
workers finish, the outbox relay stops after its batch). Each service's config comes from the
environment (``services.common.config``).
"""
from __future__ import annotations

import services.common  # noqa: F401  (silences eventlet's banner before eventlet is imported)

import eventlet
import eventlet.event

eventlet.monkey_patch()

import argparse  # noqa: E402
import importlib  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402

from nameko.containers import ServiceContainer  # noqa: E402

from . import config as cfg  # noqa: E402
from .gcpause import freeze_startup_objects  # noqa: E402


def service_class(service: str):
    return importlib.import_module(f"services.{service}.service").Service


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("services", nargs="+", choices=cfg.SERVICES)
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log = logging.getLogger("culture.run")
    containers = [ServiceContainer(service_class(s), cfg.service_config(s)) for s in args.services]
    for container in containers:
        container.start()
        log.info("%s started (metrics port %s)", container.service_name,
                 container.config.get("METRICS_PORT"))
    log.info("%d startup objects frozen out of the garbage collector's passes", freeze_startup_objects())

    stopping = eventlet.event.Event()

    def _stop(signum, _frame):
        log.info("signal %s: stopping", signum)
        if not stopping.ready():
            stopping.send(True)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    waiters = [eventlet.spawn(c.wait) for c in containers]
    watcher = eventlet.spawn(lambda: [w.wait() for w in waiters])
    while not stopping.ready() and not watcher.dead:
        eventlet.sleep(0.5)
    for container in containers:
        container.stop()
    log.info("stopped")


if __name__ == "__main__":
    main()
