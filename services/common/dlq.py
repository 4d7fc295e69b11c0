"""Looks after dead-letter queues: what is there, why, and putting it back.

    python -m services.common.dlq list  [--service registry]   # every handler's DLQ and its depth
    python -m services.common.dlq show  QUEUE [--limit 10]      # peek (messages stay in the DLQ)
    python -m services.common.dlq replay QUEUE [--limit N]      # back to the handler's queue, tries reset
    python -m services.common.dlq purge QUEUE                   # drop them (after you have read them)

``QUEUE`` is a handler's queue name with or without the ``.dlq`` suffix, e.g.
``evt-awards-award_granted--registry.on_award_granted``. Replaying is safe: handlers are
idempotent, so an event that was in fact applied is skipped.
"""
from __future__ import annotations

import services.common  # noqa: F401

import argparse
import importlib
import json
import os
import sys

from kombu import Connection

from . import config as cfg
from .consumer import TRIES_HEADER, IdempotentEventHandler


def handler_queues(service: str) -> list[str]:
    cls = importlib.import_module(f"services.{service}.service").Service
    names = []
    for attr in dir(cls):
        for entrypoint in getattr(getattr(cls, attr), "nameko_entrypoints", ()):
            if isinstance(entrypoint, IdempotentEventHandler):
                names.append(f"evt-{entrypoint.source_service}-{entrypoint.event_type}--{service}.{attr}")
    return names


def _depth(conn, queue: str):
    try:
        return conn.channel().queue_declare(queue, passive=True).message_count
    except Exception:  # noqa: BLE001 - not declared yet: the service never ran
        return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_list = sub.add_parser("list")
    p_list.add_argument("--service", choices=cfg.SERVICES, action="append")
    for name in ("show", "replay", "purge"):
        p = sub.add_parser(name)
        p.add_argument("queue")
        p.add_argument("--limit", type=int, default=10 if name == "show" else None)
    args = parser.parse_args(argv)
    uri = os.environ.get("AMQP_URI", cfg.DEFAULT_AMQP_URI)
    with Connection(uri) as conn:
        if args.command == "list":
            for service in args.service or cfg.SERVICES:
                try:
                    queues = handler_queues(service)
                except ImportError:
                    continue
                for queue in queues:
                    print(f"{queue}.dlq\t{_depth(conn, queue + '.dlq')}")
            return 0
        base = args.queue[:-4] if args.queue.endswith(".dlq") else args.queue
        dlq = conn.SimpleQueue(base + ".dlq")
        if args.command == "purge":
            print(f"purged {dlq.clear()} messages from {base}.dlq")
            return 0
        moved = 0
        while args.limit is None or moved < args.limit:
            try:
                message = dlq.get(block=False)
            except dlq.Empty:
                break
            if args.command == "show":
                # Left unacknowledged: the broker puts it back when this connection closes.
                print(json.dumps({"headers": message.headers, "body": message.payload}, ensure_ascii=False,
                                 indent=2, default=str))
                moved += 1
                continue
            headers = {k: v for k, v in (message.headers or {}).items()
                       if k not in (TRIES_HEADER, "x-culture-error", "x-culture-dead-lettered-at")}
            conn.Producer().publish(message.body, exchange="", routing_key=base, headers=headers,
                                    content_type=message.content_type,
                                    content_encoding=message.content_encoding, delivery_mode=2)
            message.ack()
            moved += 1
        if args.command == "replay":
            print(f"replayed {moved} messages from {base}.dlq to {base}")
        dlq.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
