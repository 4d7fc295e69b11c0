"""The command line of a service's demo seed that reads from services already running:
``seeding.main(service, doc, seed, argv)`` parses ``--url``, opens the service's database and a
``ClusterRpcProxy`` (an operator's tool, like any client; a running service follows the others'
logs through the kit instead), calls ``seed(session, rpc)``, commits, and logs what it wrote.
``apply_log`` fills a copy from another service's log before the copy's service runs (also
importable from ``follower``)."""
from __future__ import annotations

import argparse
import logging
import os

from sqlalchemy.orm import Session

from . import config as cfg
from .db import make_engine


def main(service: str, doc: str, seed, argv=None) -> None:
    import eventlet

    eventlet.monkey_patch()
    from nameko.standalone.rpc import ClusterRpcProxy

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--url", help=f"database URL (default: {service.upper()}_DATABASE_URL or var/{service}.db)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    log = logging.getLogger(f"{service}.seed")
    amqp = {"AMQP_URI": os.environ.get("AMQP_URI", cfg.DEFAULT_AMQP_URI)}
    engine = make_engine(args.url or cfg.database_url(service))
    with ClusterRpcProxy(amqp, timeout=30) as rpc, Session(engine) as session:
        counts = seed(session, rpc)
        session.commit()
    engine.dispose()
    log.info("seeded %s" % counts if counts else f"{service} already has data: demo seed skipped")


def apply_log(session: Session, fetch, apply, types=None, page_size: int = 500) -> int:
    """Apply a source's whole log with ``apply``, read through ``fetch(seq, limit)`` (its
    ``events_since``), in ``session``, without moving any follower's position: for a demo seed that
    needs the copy before its service runs (the service's follower then reads the log again, which
    changes nothing, the applies being idempotent). Only ``types``, when given, as a follower would.
    Returns how many events were applied."""
    seq, applied = 0, 0
    while True:
        page = fetch(seq, page_size)
        for envelope in page["items"]:
            if types is None or envelope["type"] in types:
                apply(session, envelope)
                applied += 1
        seq = page["next_seq"]
        if len(page["items"]) < page_size:
            return applied
