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
from kombu.serialization import loads

from . import config as cfg
from .consumer import TRIES_HEADER, IdempotentEventHandler
from .queue_consumer import CLOUDEVENTS_JSON


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


ACCEPTED = ["application/json", CLOUDEVENTS_JSON]
SHOWN_BYTES = 2000


def _readable(body: bytes, props: dict):
    """The body decoded when it can be; else why not, its size and its first bytes as text."""
    try:
        if (props.get("application_headers") or {}).get("compression"):
            raise ValueError("compressed")
        return loads(body, props.get("content_type"), props.get("content_encoding") or "utf-8", accept=ACCEPTED)
    except Exception as exc:  # noqa: BLE001 - an undecodable dead letter is shown, not fatal
        raw = body if isinstance(body, bytes) else str(body).encode()
        return {"undecodable": f"{type(exc).__name__}: {str(exc)[:200]}", "bytes": len(raw),
                "start": raw[:SHOWN_BYTES].decode("utf-8", errors="replace")}


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
        channel, dlq = conn.default_channel, base + ".dlq"
        if args.command == "purge":
            print(f"purged {channel.queue_purge(dlq) or 0} messages from {dlq}")
            return 0
        moved = 0
        while args.limit is None or moved < args.limit:
            # Read raw (basic_get on the AMQP channel, nothing decoded or decompressed): a dead
            # letter may be a body nobody can decode, and that is the one an operator must see.
            message = channel.basic_get(queue=dlq, no_ack=False)
            if message is None:
                break
            props = message.properties
            headers = props.get("application_headers") or {}
            if args.command == "show":
                # Left unacknowledged: the broker puts it back when this connection closes.
                print(json.dumps({"headers": headers, "content_type": props.get("content_type"),
                                  "body": _readable(message.body, props)}, ensure_ascii=False, indent=2,
                                 default=str))
                moved += 1
                continue
            kept = {k: v for k, v in headers.items()
                    if k not in (TRIES_HEADER, "x-culture-error", "x-culture-dead-lettered-at")}
            conn.Producer().publish(message.body, exchange="", routing_key=base, headers=kept,
                                    content_type=props.get("content_type"),
                                    content_encoding=props.get("content_encoding"), delivery_mode=2)
            channel.basic_ack(message.delivery_tag)
            moved += 1
        if args.command == "replay":
            print(f"replayed {moved} messages from {dlq} to {base}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
