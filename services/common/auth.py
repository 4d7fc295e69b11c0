"""Who is calling: the contract's JWT in the RPC context data, turned into a ``Caller``.

Context data ``authorization: "Bearer <JWT>"``, HS256 with ``CULTURE_JWT_SECRET``, claims ``sub``,
``name``, ``roles``, ``org_id``, ``exp``. An admin acts on its organisation's subtree: whether a
target organisation lies in that subtree is answered by the service that knows the tree, through
``Caller.require_org(ancestors)``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Iterable

import jwt
from nameko.extensions import DependencyProvider

from .errors import Forbidden, Unauthorized

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
    """The caller named by an ``authorization`` value; ``Unauthorized`` when absent or bad."""
    if not authorization:
        raise Unauthorized("this call needs a token: context data authorization: Bearer <JWT>")
    scheme, _, token = str(authorization).partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("authorization must be 'Bearer <JWT>'")
    try:
        claims = jwt.decode(token.strip(), secret, algorithms=[ALGORITHM],
                            options={"require": ["exp", "sub", "roles"]})
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
        if len(str(claims.get(claim) or "")) > limit:
            raise Unauthorized(f"invalid token: {claim} longer than {limit} characters")
    return Caller(sub=str(claims["sub"]), name=str(claims.get("name") or claims["sub"]),
                  roles=tuple(roles), org_id=org_id)


class Auth(DependencyProvider):
    """Gives a worker its ``CallContext``: ``.caller`` (or ``Unauthorized``), ``.optional``."""

    def setup(self):
        self.secret = self.container.config["JWT_SECRET"]

    def get_dependency(self, worker_ctx):
        return CallContext(worker_ctx.data.get("authorization"), self.secret)


class CallContext:
    def __init__(self, authorization, secret):
        self._authorization = authorization
        self._secret = secret

    @property
    def caller(self) -> Caller:
        return decode_caller(self._authorization, self._secret)

    @property
    def optional(self) -> Caller | None:
        return self.caller if self._authorization else None
