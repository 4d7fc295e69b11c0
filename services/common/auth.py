"""Who is calling: the contract's JWT in the RPC context data, turned into a ``Caller``.

Context data ``authorization: "Bearer <JWT>"``, HS256 with ``CULTURE_JWT_SECRET``, claims ``sub``,
``name``, ``roles``, ``org_id``, ``exp``. An admin acts on its organisation's subtree: whether a
target organisation lies in that subtree is answered by the service that knows the tree, through
``Caller.require_org(ancestors)``.

A call's token is decoded at most once: ``Identity`` holds one call's ``authorization`` and decodes
it on first use, keeping the ``Caller`` (or the ``Unauthorized`` it earned). The kit's ``@rpc``
makes one per request, checks its roles with it, and hands it to the worker inside its context
data (``RequestData``, a plain dict to everything that reads or forwards the context data); the
``Auth`` dependency's ``.caller`` / ``.optional`` then answer from that same ``Identity``. A worker
started by another entrypoint (an event handler) gets an ``Identity`` of its own, decoded lazily.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

import jwt
from nameko.extensions import DependencyProvider

from .errors import Forbidden, Unauthorized
from .fields import unstorable

ROLES = ("federation_admin", "district_admin", "unit_admin", "judge", "worker")
ADMIN_ROLES = ("federation_admin", "district_admin", "unit_admin")
ALGORITHM = "HS256"
# What the audit log stores of a caller; a longer claim is no token we issue.
CLAIM_LIMITS = {"sub": 128, "name": 200, "org_id": 64}


@dataclass(frozen=True)
class Caller:
    sub: str
    name: str
    roles: tuple = field(default_factory=tuple)
    org_id: str | None = None

    def has_any(self, roles: Iterable[str]) -> bool:
        return bool(set(self.roles) & set(roles))

    def require_role(self, roles: Iterable[str]) -> None:
        roles = tuple(roles)
        if not self.has_any(roles):
            raise Forbidden(f"needs one of the roles {', '.join(roles)}")

    def acts_on(self, ancestors: Iterable[str]) -> bool:
        """True when the target (given as its own id and every ancestor id) is in our subtree."""
        return self.org_id is not None and self.org_id in set(ancestors)

    def require_org(self, ancestors: Iterable[str]) -> None:
        if not self.acts_on(ancestors):
            raise Forbidden(f"organisation {self.org_id} cannot act outside its subtree")


def issue_token(secret: str, *, sub: str, roles: Iterable[str], org_id: str | None, name: str = "",
                ttl_seconds: int = 3600, now: float | None = None) -> str:
    """A signed token with the contract's claims (for tests, the demo and service accounts)."""
    now = time.time() if now is None else now
    claims = {"sub": sub, "name": name or sub, "roles": list(roles), "org_id": org_id,
              "iat": int(now), "exp": int(now + ttl_seconds)}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_caller(authorization: str | None, secret: str) -> Caller:
    """The caller named by an ``authorization`` value; ``Unauthorized`` when absent or bad.

    A token verified once is remembered (``_verified``, the last ``TOKENS_REMEMBERED``): an admin
    UI sends the same token with every call, and checking its signature and claims again cost a
    read a tenth of its time. Only the expiry is checked again, on every call."""
    if not authorization:
        raise Unauthorized("this call needs a token: context data authorization: Bearer <JWT>")
    scheme, _, token = str(authorization).partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("authorization must be 'Bearer <JWT>'")
    caller, expires = _verified(token.strip(), secret)
    if expires <= time.time():  # as PyJWT decides it, with no leeway
        raise Unauthorized("token expired")
    return caller


TOKENS_REMEMBERED = 4096


@lru_cache(maxsize=TOKENS_REMEMBERED)
def _verified(token: str, secret: str) -> tuple[Caller, float]:
    """The caller of a token whose signature and claims hold, and its ``exp`` (a refusal raises,
    and is not remembered)."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub", "roles"]})
    except jwt.ExpiredSignatureError:
        raise Unauthorized("token expired") from None
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid token: {exc}") from None
    roles = claims.get("roles")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise Unauthorized("invalid token: roles must be a list of strings")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise Unauthorized(f"invalid token: unknown roles {unknown}")
    org_id = claims.get("org_id")
    if org_id is not None and not isinstance(org_id, str):
        raise Unauthorized("invalid token: org_id must be a string")
    for claim, limit in CLAIM_LIMITS.items():
        value = claims.get(claim)
        if claim in ("sub", "name") and value is not None and not isinstance(value, str):
            raise Unauthorized(f"invalid token: {claim} must be a string")
        if len(str(value or "")) > limit:
            raise Unauthorized(f"invalid token: {claim} longer than {limit} characters")
        if isinstance(value, str) and unstorable(value):  # the audit row could not keep it
            raise Unauthorized(f"invalid token: {claim} holds a NUL character or a lone surrogate")
    caller = Caller(sub=str(claims["sub"]), name=str(claims.get("name") or claims["sub"]),
                    roles=tuple(roles), org_id=org_id)
    return caller, float(claims["exp"])


class Identity:
    """One call's ``authorization`` value, decoded at most once."""

    __slots__ = ("authorization", "_secret", "_caller", "_error")

    def __init__(self, authorization: str | None, secret: str):
        self.authorization = authorization
        self._secret = secret
        self._caller: Caller | None = None
        self._error: str | None = None

    @property
    def caller(self) -> Caller:
        """The caller; ``Unauthorized`` when there is no token or it is bad (decoded once)."""
        if self._caller is None and self._error is None:
            try:
                self._caller = decode_caller(self.authorization, self._secret)
            except Unauthorized as exc:
                self._error = str(exc)
        if self._error is not None:
            raise Unauthorized(self._error)
        return self._caller

    @property
    def optional(self) -> Caller | None:
        """The caller, or None without a token; a bad token is still ``Unauthorized``."""
        return self.caller if self.authorization else None


class RequestData(dict):
    """A worker's context data (the request's headers) that also carries the call's ``Identity``.

    nameko keeps the dict it is given as ``worker_ctx.data`` and forwards copies of it (plain dicts)
    as headers of the worker's own calls and events, so the identity never leaves the process.
    """

    def __init__(self, data: dict, identity: Identity):
        super().__init__(data)
        self.identity = identity


def identity_of(worker_ctx, secret: str) -> Identity:
    """The worker's ``Identity``: the one its entrypoint made, else a new one from its headers."""
    identity = getattr(worker_ctx.data, "identity", None)
    if identity is None:
        identity = Identity(worker_ctx.data.get("authorization"), secret)
    return identity


class Auth(DependencyProvider):
    """Gives a worker its ``CallContext``: ``.caller`` (or ``Unauthorized``), ``.optional``."""

    def setup(self):
        self.secret = self.container.config["JWT_SECRET"]

    def get_dependency(self, worker_ctx):
        return CallContext(identity_of(worker_ctx, self.secret))


class CallContext:
    def __init__(self, identity: Identity):
        self._identity = identity

    @property
    def caller(self) -> Caller:
        return self._identity.caller

    @property
    def optional(self) -> Caller | None:
        return self._identity.optional
