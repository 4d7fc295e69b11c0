"""The kit's RPC entrypoint: ``@rpc``, or ``@rpc(roles=..., write=True)``.

Over nameko's ``Rpc`` it adds, in this order, for every call:

1. a declarative check before any worker runs: ``roles`` needs a valid token naming one of them
   (``Unauthorized`` / ``Forbidden``); wrong arguments become ``ValidationFailed``. The token is
   decoded once per call: the worker's ``Auth`` (``self.auth.caller`` / ``.optional``) answers
   from the same ``Identity`` (``auth.RequestData``);
2. after the method: for ``write=True`` an ``audit_log`` row (who, what, when, target, the reply;
   ``audit.record``) in the worker's transaction, then the commit, *before* the reply is sent, so
   "done" means committed; a write request seen again with the same correlation id (RabbitMQ
   redelivers a request whose ack was lost when a replica died after replying) gets the recorded
   reply (``audit.recorded_reply``) and is not applied twice (looked up before the worker for a
   redelivered request, after it when a write fails: the audit row's unique call id makes a
   second application fail);
3. errors mapped once: marshmallow ``ValidationError`` -> ``ValidationFailed``, a database
   integrity error, deadlock or serialization failure -> ``Conflict``, the contract's errors as
   they are, anything else ->
   ``InternalError`` with a reference to the logged traceback;
4. metrics: requests, errors by type, latency (every series at 0 from the container's setup);
5. every request is answered: a body the service cannot decode (not JSON, not UTF-8, nested
   deeper than the decoder goes, a content type it does not accept) gets ``ValidationFailed``
   (``_schema``: the body could not be read) on its ``reply_to`` / ``correlation_id``, counted
   like any error, instead of kombu's silent ack (the kit's ``queue_consumer.RpcConsumer``).
"""
from __future__ import annotations

import inspect
import logging
import sys
import time
import uuid
from functools import partial

from marshmallow import ValidationError
from nameko.exceptions import ContainerBeingKilled
from nameko.rpc import Rpc as NamekoRpc
from sqlalchemy.exc import IntegrityError, OperationalError

from . import audit
from .auth import Identity, RequestData
from .db import Database
from .errors import CONTRACT_ERRORS, Conflict, CultureError, InternalError, ValidationFailed
from .metrics import RPC_ERRORS, RPC_LATENCY, RPC_REQUESTS, start_rpc_series
from .queue_consumer import RpcConsumer, decode_failure

log = logging.getLogger(__name__)
TRANSIENT_PGCODES = ("40P01", "40001")  # deadlock detected, serialization failure: rolled back whole


def to_contract_error(exc: BaseException, where: str) -> BaseException:
    """The error a caller may see for ``exc``."""
    if isinstance(exc, CONTRACT_ERRORS):
        if type(exc) in CONTRACT_ERRORS:
            return exc
        # A subclass would reach the caller under its own name: send the contract's.
        base = next(t for t in CONTRACT_ERRORS if isinstance(exc, t))
        return ValidationFailed(exc.errors) if base is ValidationFailed else base(str(exc))
    if isinstance(exc, ValidationError):
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return ValidationFailed(messages)
    if isinstance(exc, IntegrityError):
        log.info("%s: integrity error mapped to Conflict: %s", where, exc.orig)
        return Conflict("the change conflicts with existing data (a duplicate or a rule the database enforces)")
    if isinstance(exc, OperationalError) and getattr(exc.orig, "pgcode", None) in TRANSIENT_PGCODES:
        log.info("%s: %s mapped to Conflict", where, type(exc.orig).__name__)
        return Conflict("a concurrent change got in the way (nothing was written); try again")
    ref = uuid.uuid4().hex[:12]
    log.error("%s: internal error ref=%s", where, ref, exc_info=(type(exc), exc, exc.__traceback__))
    return InternalError(f"internal error (ref {ref}); the service logged the details")


class Rpc(NamekoRpc):
    rpc_consumer = RpcConsumer()  # answers undecodable requests; replies in the service's serializer

    def __init__(self, roles=None, write: bool = False, **kwargs):
        self.roles = tuple(roles) if roles else None
        self.write = write
        # Refusals are answers, not faults: nameko logs these at WARNING, not ERROR.
        kwargs.setdefault("expected_exceptions", (CultureError, ValidationError))
        super().__init__(**kwargs)

    def setup(self):
        super().setup()
        self.service = self.container.service_name
        self.secret = self.container.config.get("JWT_SECRET")
        self.db = next((d for d in self.container.dependencies if isinstance(d, Database)), None)
        start_rpc_series(self.service, self.method_name)
        # This entrypoint's own series, looked up once (``labels()`` per call is a lock and a dict).
        self._requests = RPC_REQUESTS.labels(self.service, self.method_name)
        self._latency = RPC_LATENCY.labels(self.service, self.method_name)
        # The method's signature, read once (nameko's check reads it again on every call).
        self._signature = inspect.signature(getattr(self.container.service_cls, self.method_name))

    def check_signature(self, args, kwargs):
        """nameko's check (the arguments bind to the method's parameters), refused as ``ValidationFailed``."""
        try:
            self._signature.bind(None, *args, **kwargs)
        except TypeError as exc:
            raise ValidationFailed({"_schema": [f"{self.method_name}: {exc}"]}) from None

    def handle_message(self, body, message):
        started = time.perf_counter()
        self._requests.inc()
        try:
            try:
                args, kwargs = body["args"], body["kwargs"]
            except (KeyError, TypeError):
                raise ValidationFailed({"_schema": ["message missing args or kwargs"]}) from None
            self.check_signature(args, kwargs)
            headers = self.unpack_message_headers(message)
            context_data = RequestData(headers, Identity(headers.get("authorization"), self.secret))
            caller = None
            if self.roles:
                caller = context_data.identity.caller
                caller.require_role(self.roles)
            # Only a redelivered request (its ack lost) can have been applied already; any other
            # duplicate is caught at its commit by the audit row's unique call id (``_finish``).
            recorded = (self._recorded_reply(message) if self.write and self.db is not None
                        and (message.delivery_info or {}).get("redelivered") else None)
        except Exception as exc:  # noqa: BLE001 - every refusal goes back to the caller
            exc = to_contract_error(exc, f"{self.service}.{self.method_name}")
            self._count_error(exc)
            self.rpc_consumer.handle_result(message, None, (type(exc), exc, None))
            return
        if recorded is not None:
            log.info("%s.%s: request %s was applied already; replaying its reply", self.service,
                     self.method_name, recorded[0])
            self.rpc_consumer.handle_result(message, recorded[1], None)
            return
        handle_result = partial(self._finish, message, started, caller)
        try:
            self.container.spawn_worker(self, args, kwargs, context_data=context_data,
                                        handle_result=handle_result)
        except ContainerBeingKilled:
            self.rpc_consumer.requeue_message(message)

    def on_decode_error(self, message, exc):
        """A request whose body cannot be read is answered ``ValidationFailed``, never dropped."""
        self._requests.inc()
        reason = decode_failure(message, exc)
        log.warning("%s.%s: a request body could not be read: %s", self.service, self.method_name, reason)
        error = ValidationFailed({"_schema": [f"the request body could not be read ({reason})"]})
        self._count_error(error)
        self.rpc_consumer.handle_result(message, None, (type(error), error, None))

    def _finish(self, message, started, caller, worker_ctx, result, exc_info):
        if exc_info is None and self.write and self.db is not None:
            exc_info = self._audit(message, worker_ctx, caller, result)
        if self.db is not None:
            exc_info = self.db.finish(worker_ctx, exc_info)
            if exc_info is not None and self.write:
                # The same request delivered twice (a publisher's retry, or at once to two
                # replicas), applied first by the other delivery: its audit row's call id refused
                # this one, or the use case refused the change it already made.
                try:
                    recorded = self._recorded_reply(message)
                except Exception:  # noqa: BLE001 - the database is down: report the first error
                    recorded = None
                if recorded is not None:
                    result, exc_info = recorded[1], None
        if exc_info is not None:
            exc = to_contract_error(exc_info[1], f"{self.service}.{self.method_name}")
            self._count_error(exc)
            exc_info = (type(exc), exc, None)
            result = None
        self._latency.observe(time.perf_counter() - started)
        return self.rpc_consumer.handle_result(message, result, exc_info)

    @staticmethod
    def _call_id(message):
        return (message.properties or {}).get("correlation_id")

    def _recorded_reply(self, message):
        call_id = self._call_id(message)
        if not call_id:
            return None
        with self.db.session() as session:
            return audit.recorded_reply(session, self.db.metadata.tables["audit_log"], call_id)

    def _audit(self, message, worker_ctx, caller, result):
        try:
            audit.record(self.db.sessions[worker_ctx], self.db.metadata.tables["audit_log"],
                         action=self.method_name, caller=caller, args=worker_ctx.args,
                         kwargs=worker_ctx.kwargs, result=result, call_id=self._call_id(message))
            return None
        except Exception:  # noqa: BLE001 - no audit row, no write
            return sys.exc_info()

    def _count_error(self, exc):
        RPC_ERRORS.labels(self.service, self.method_name, type(exc).__name__).inc()


rpc = Rpc.decorator
