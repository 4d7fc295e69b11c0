"""The follower's catch-up RPC: nameko's in-service reply listener, able to forget a call its
caller gave up on, and the stand-in entrypoint a catch-up's ``WorkerContext`` needs
(``follower.py`` uses them)."""
from __future__ import annotations

import eventlet
from nameko.rpc import ReplyListener

from .queue_consumer import QueueConsumer


class _FollowerReplies(ReplyListener):
    """nameko's reply listener (one reply queue per container, shared by its followers), able to
    forget a call its caller gave up on (timed out, or the source's queue does not exist)."""

    queue_consumer = QueueConsumer()  # the kit's: the container's one consumer connection

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._calls = {}

    def get_reply_event(self, correlation_id):
        self._calls[eventlet.getcurrent()] = correlation_id
        return super().get_reply_event(correlation_id)

    def done(self, abandoned: bool) -> None:
        correlation_id = self._calls.pop(eventlet.getcurrent(), None)
        if abandoned and correlation_id is not None:
            self._reply_events.pop(correlation_id, None)

    def wait_until_ready(self) -> None:
        # The reply queue is consumed once the container's queue consumer is ready; a request
        # sent before that could have its reply dropped.
        self.queue_consumer._consumers_ready.wait()


class _CatchUpEntrypoint:
    """What a WorkerContext needs of an entrypoint: a name for the call ids of the requests."""

    def __init__(self, source: str):
        self.method_name = f"follow_{source}"
