"""The kit's queue consumer: no message is thrown away because it cannot be read.

nameko's ``QueueConsumer`` inherits kombu's ``ConsumerMixin.on_decode_error``, which logs "Can't
decode message body" and acks: a body that is not JSON, not UTF-8, nested deeper than the JSON
decoder goes (``RecursionError``), of a content type the consumer does not accept, or with a
compression header it cannot undo was gone, uncounted, and an RPC caller waited for its timeout.

The kit's ``QueueConsumer`` (a nameko ``SharedExtension``: one per container, one connection,
shared by the kit's entrypoints — ``@rpc`` through ``RpcConsumer`` here, ``@event_handler``
directly) guarantees:

- **every undecodable message goes to the provider whose queue it came from**: each kombu
  consumer it builds calls that provider's ``on_decode_error(message, exc)`` (in a managed
  thread, like a decoded message). The idempotent event handler dead-letters the message to its
  ``<queue>.dlq`` with the reason; the RPC consumer answers the caller ``ValidationFailed`` (an
  unknown method: ``MethodNotFound``, as nameko would). Either way the message is settled once and
  consuming goes on. A hook that fails (the broker went away while it moved or answered the
  message) requeues the message rather than lose it. A provider without the hook gets kombu's
  behaviour (logged, acked).
- **a prefetch per provider**: a provider with a ``prefetch_count`` attribute (the idempotent
  event handler when it applies batches, ``CONSUMER_BATCH``) gets that prefetch on its queue; the
  others get the container's (``max_workers``), as in nameko.
- **accepted content types**: the container's (``serializer`` / ``ACCEPT`` config: JSON) and
  ``application/cloudevents+json`` (CloudEvents structured mode), registered with kombu as JSON,
  so such a body is decoded and handled like ``application/json``.

The kit's ``RpcConsumer`` (nameko's, consuming through this queue consumer) also guarantees
**every RPC request gets an answer it can read**: the reply is encoded with the container's
serializer whatever content type the request claimed, encoded once (in JSON, a stored
document, ``rawjson.RawJSON``, goes in as its text) (nameko's ``Responder`` answers in the
request's own type: a pickled reply to a pickle request, a ``KeyError`` for a type kombu has no
serializer for), and a request without ``reply_to`` is logged and acked (nameko's ``Responder``
raised ``KeyError`` in a managed thread, which kills the container). The reply goes out as
nameko's ``Publisher`` sends it (``ReplyPublisher``: kombu's producer pool, publisher confirms,
persistent, kombu's retries), without parsing the broker's URI again for every reply.
"""
from __future__ import annotations

import logging
import sys
from functools import partial

import kombu.serialization
from kombu import Connection
from kombu.pools import producers
from kombu.utils import json as kombu_json
from nameko.constants import (AMQP_SSL_CONFIG_KEY, AMQP_URI_CONFIG_KEY, DEFAULT_RETRY_POLICY, DEFAULT_SERIALIZER,
                              DEFAULT_TRANSPORT_OPTIONS, LOGIN_METHOD_CONFIG_KEY, PERSISTENT,
                              SERIALIZER_CONFIG_KEY)
from nameko.exceptions import MethodNotFound, UnserializableValueError, serialize
from nameko.messaging import QueueConsumer as NamekoQueueConsumer
from nameko.rpc import RpcConsumer as NamekoRpcConsumer
from nameko.rpc import get_rpc_exchange

from . import rawjson
from .envelope import CLOUDEVENTS_JSON

log = logging.getLogger(__name__)

kombu.serialization.register("cloudevents_json", kombu_json.dumps, kombu_json.loads,
                             content_type=CLOUDEVENTS_JSON, content_encoding="utf-8")


def decode_failure(message, exc: BaseException) -> str:
    """Why ``message`` could not be read, in one short line (for headers, logs and replies)."""
    cause = exc.__cause__ or exc.__context__
    reason = f"{type(exc).__name__}: {exc}"
    if cause is not None and type(cause).__name__ not in reason:
        reason = f"{reason} ({type(cause).__name__})"
    size = len(message.body) if message.body is not None else 0
    return f"content type {message.content_type or 'none'}, {size} bytes: {reason[:300]}"


class QueueConsumer(NamekoQueueConsumer):
    @property
    def accept(self):
        accept = list(self.container.accept)
        return accept if CLOUDEVENTS_JSON in accept else accept + [CLOUDEVENTS_JSON]

    def get_consumers(self, consumer_cls, channel):
        """nameko's, with a decode-error callback per provider (kombu's is one per mixin)."""
        for provider in self._providers:
            consumer = consumer_cls(
                queues=[provider.queue], callbacks=[partial(self.handle_message, provider)],
                accept=self.accept, on_decode_error=partial(self.on_provider_decode_error, provider))
            # A provider may ask for its own prefetch (a batching event handler: CONSUMER_BATCH).
            # basic.qos applies to the consumers started after it on the channel, so each consumer
            # starts right after its own qos (kombu's later consume() is then a no-op).
            consumer.qos(prefetch_count=getattr(provider, "prefetch_count", None) or self.prefetch_count)
            consumer.consume()
            self._consumers[provider] = consumer
        return self._consumers.values()

    def on_provider_decode_error(self, provider, message, exc):
        hook = getattr(provider, "on_decode_error", None)
        if hook is None:
            return self.on_decode_error(message, exc)
        self.container.spawn_managed_thread(
            partial(self._settle_undecodable, hook, message, exc),
            identifier=f"{type(provider).__name__}.on_decode_error[{message.delivery_info.get('routing_key')}]")

    def _settle_undecodable(self, hook, message, exc):
        try:
            hook(message, exc)
        except Exception:  # noqa: BLE001 - a hook's bug must not kill the container; keep the message
            log.exception("could not settle an undecodable message; requeueing it")
            self.requeue_message(message)


class ReplyPublisher:
    """What nameko's ``Publisher`` does for a reply (a producer from kombu's pool, publisher
    confirms, persistent, kombu's retry policy), with the pool's key (a kombu ``Connection``, parsed
    from the URI) made once per container instead of once per reply."""

    def __init__(self, amqp_uri: str, ssl=None, login_method=None):
        options = dict(DEFAULT_TRANSPORT_OPTIONS, confirm_publish=True)
        self.key = Connection(amqp_uri, transport_options=options, ssl=ssl, login_method=login_method)

    def publish(self, body, **kwargs) -> None:
        with producers[self.key].acquire(block=True) as producer:
            producer.publish(body, headers={}, delivery_mode=PERSISTENT, mandatory=False,
                             retry=True, retry_policy=DEFAULT_RETRY_POLICY, **kwargs)


class Responder:
    """nameko's, but the reply is always in the container's serializer, encoded once (nameko
    encodes the result to try it, then the reply again, in the request's own content type)."""

    def __init__(self, publisher: ReplyPublisher, exchange, serializer: str, message):
        self.publisher, self.exchange, self.serializer, self.message = publisher, exchange, serializer, message

    def send_response(self, result, exc_info):
        error = serialize(exc_info[1]) if exc_info is not None else None
        try:
            content_type, content_encoding, body = self._encode({"result": result, "error": error})
        except Exception:  # noqa: BLE001 - as nameko: the error below always serializes
            exc_info = sys.exc_info()
            result, error = None, serialize(UnserializableValueError(result))
            content_type, content_encoding, body = self._encode({"result": result, "error": error})
        self.publisher.publish(body, content_type=content_type, content_encoding=content_encoding,
                               exchange=self.exchange, routing_key=self.message.properties["reply_to"],
                               correlation_id=self.message.properties.get("correlation_id"))
        return result, exc_info

    def _encode(self, reply):
        if self.serializer == "json":  # the kit's: stored JSON (``rawjson.RawJSON``) goes in as it is
            return "application/json", "utf-8", rawjson.dumps(reply)
        return kombu.serialization.dumps(reply, self.serializer)


class RpcConsumer(NamekoRpcConsumer):
    queue_consumer = QueueConsumer()

    def setup(self):
        super().setup()
        config = self.container.config
        self._replies = ReplyPublisher(config[AMQP_URI_CONFIG_KEY], ssl=config.get(AMQP_SSL_CONFIG_KEY),
                                       login_method=config.get(LOGIN_METHOD_CONFIG_KEY))
        self._exchange = get_rpc_exchange(config)
        self._serializer = config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER)

    def on_decode_error(self, message, exc):
        routing_key = message.delivery_info.get("routing_key") or ""
        try:
            provider = self.get_provider_for_method(routing_key)
        except MethodNotFound:
            log.warning("an undecodable RPC request to %s (no such method): %s", routing_key,
                        decode_failure(message, exc))
            self.handle_result(message, None, sys.exc_info())
            return
        provider.on_decode_error(message, exc)

    def handle_result(self, message, result, exc_info):
        if not (message.properties or {}).get("reply_to"):
            log.warning("an RPC request to %s without reply_to: nobody to answer; acked",
                        message.delivery_info.get("routing_key"))
            self.queue_consumer.ack_message(message)
            return result, exc_info
        responder = Responder(self._replies, self._exchange, self._serializer, message)
        result, exc_info = responder.send_response(result, exc_info)
        self.queue_consumer.ack_message(message)
        return result, exc_info
