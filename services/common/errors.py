"""The contract's errors, as types.

The domain raises these; the kit's entrypoints send them to the caller as a nameko ``RemoteError``
whose ``exc_type`` is the class name. Anything else raised inside a service reaches the caller as
``InternalError`` with only a reference to the log line: no traceback, no SQL.
"""
from __future__ import annotations

import json


class CultureError(Exception):
    """Base of every error a caller may see."""

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationFailed(CultureError):
    """Bad input. ``str()`` is JSON: field -> list of messages (nested for nested fields)."""

    def __init__(self, errors):
        if isinstance(errors, str):
            errors = {"_schema": [errors]}
        self.errors = errors
        super().__init__(json.dumps(errors, ensure_ascii=False, sort_keys=True))

    @classmethod
    def field(cls, name: str, message: str) -> "ValidationFailed":
        return cls({name: [message]})


class NotFound(CultureError):
    pass


class Conflict(CultureError):
    pass


class InvalidState(CultureError):
    pass


class Unauthorized(CultureError):
    pass


class Forbidden(CultureError):
    pass


class InternalError(CultureError):
    """An unexpected failure; the message carries a reference to the server's log, nothing more."""


CONTRACT_ERRORS = (ValidationFailed, NotFound, Conflict, InvalidState, Unauthorized, Forbidden)
#: Every ``error`` label of ``culture_rpc_errors_total``: the contract's errors and ``InternalError``.
ERROR_NAMES = tuple(t.__name__ for t in CONTRACT_ERRORS) + (InternalError.__name__,)
