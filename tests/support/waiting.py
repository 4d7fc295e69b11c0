"""Waiting in tests for what happens elsewhere (a service's worker, the broker, a follower)."""
from __future__ import annotations

import time

import eventlet
from kombu import Connection


def wait_for(predicate, timeout: float = 15.0, what: str = "condition", tolerate: tuple = ()):
    """``predicate()``'s first truthy value, polled every 50 ms (green: the services under test run
    meanwhile); an exception of a type in ``tolerate`` counts as "not yet"."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except tolerate:
            value = None
        if value:
            return value
        eventlet.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def queue_depth(amqp_uri: str, name: str) -> int:
    """How many messages wait in queue ``name``."""
    with Connection(amqp_uri) as conn:
        return conn.default_channel.queue_declare(name, passive=True).message_count
