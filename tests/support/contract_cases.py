"""Tables of bad RPC calls, tried against a real service, and the check that they changed nothing.

Used by the bad-input tests of the registry and of the events service
(``tests/integration/*/test_bad_input.py``); what is particular to one service (its world of
venues or activities, its case tables, what its snapshot reads) stays in that service's file.

**A case** (``Case``, made with ``case()``) is one RPC call and the outcome the contract promises
for it: a method, its positional and keyword arguments, who calls (``auth``: a token, sent as
``Bearer <token>``; a ``Raw`` value, sent as the ``authorization`` context data exactly as given;
or ``None``), and ``expected``: a contract error type (``ValidationFailed``, ``NotFound``,
``Conflict``, ``InvalidState``, ``Unauthorized``, ``Forbidden``) or ``"ok"`` for a call that must
simply succeed. A ``ValidationFailed`` case also names the field its JSON must hold, as a dotted
path: ``location.lat`` is ``{"location": {"lat": [...]}}``, ``spaces.0.capacity`` the first
space's capacity, ``_schema`` an error about the input as a whole (its type, or the argument
count). ``problem_with()`` says what is wrong with an outcome: success where an error was due, an
error raised locally, a type outside the contract (``InternalError``, say), a value that leaks
internals (``LEAKS``: tracebacks, SQL, driver names), the wrong type, or a ``ValidationFailed``
whose value is not a JSON object naming the field.

**A table is run** by ``run_table(call, cases, snapshot)``: ``call`` (a ``Caller``, one per test)
sends every case at once and collects the replies after, so a table of hundreds of calls takes a
few round trips; every mismatch is collected, and the test fails once, listing them all.

**"Nothing changed"**: ``snapshot`` is the service file's function of no arguments returning a
dict of everything a refused call must leave alone: its public reads, its event log, and under
``"tables"`` what ``read_tables()`` reads straight from the database (``"<table> rows"``: every
table's row count; ``"<table>"``: the rows of the tables named, ordered by primary key). It is
taken before and after the table; ``diff()`` of the two must be empty, and the ``audit_log``
(its row count, and its rows where they are read) is compared on its own besides.

Also here: the junk values the tables share (``HUGE``, ``NUL``, ``SURROGATE``, ...), malformed
page cursors, tokens every kind of bad (``bad_tokens()``), the cases every service's argument list
and event log get (``argument_list_cases()``, ``events_since_cases()``), and the pieces of the
hypothesis properties (``json_junk()``, ``property_settings()``, ``assert_validation_failed()``).
"""
from __future__ import annotations

import base64
import json
import sqlite3
import time
import warnings
from dataclasses import dataclass, field as dc_field
from typing import Any, Callable, Iterable

import jwt
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import MetaData, create_engine
from sqlalchemy.pool import NullPool

from ..conftest import JWT_SECRET

HUGE = "长" * 10_000
NUL = "a\x00b"
SURROGATE = "a\ud800b"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
LONG_ID = "x" * 65
NAN, INF = float("nan"), float("inf")
CONTRACT_TYPES = {"ValidationFailed", "NotFound", "Conflict", "InvalidState", "Unauthorized", "Forbidden"}
LEAKS = ("Traceback", "sqlalchemy", "psycopg2", "sqlite3", "SELECT ", "INSERT ", "UPDATE ", 'File "')


NAIVE = "2026-12-01T10:00:00"  # no offset: not a time the contract accepts
ID_64 = "o" * 64               # the longest id the schemas accept; longer than any id a service issues
BAD_IDS = [("an int", 1), ("None", None), ("empty", ""), ("65 chars", LONG_ID), ("a list", ["x"]),
           ("a dict", {"id": "x"}), ("a bool", True), ("a NUL byte", NUL), ("a lone surrogate", SURROGATE)]
# The kit's tables whose contents legitimately move while refused calls are made (the relay stamps
# outbox.sent_at, consumers add inbox rows): only their row counts are compared. The followers' own
# position (follower_position) moves with their catch-ups, whenever those run: not compared at all.
COUNTED_ONLY = frozenset({"outbox", "inbox"})
NOT_COMPARED = ("follower_position",)


def cursor_of(value) -> str:
    """A cursor as the services encode one (url-safe base64 of JSON), holding anything."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


# (description, cursor): malformed for every listing, whatever its sort keys. The field named is
# always "cursor".
BAD_CURSORS = [
    ("an int cursor", 123),
    ("a list cursor", ["a"]),
    ("a cursor that is not base64", "!!!not a cursor!!!"),
    ("a cursor of base64 junk bytes", base64.urlsafe_b64encode(b"\xff\xfe\x00junk").decode()),
    ("a cursor of JSON that is not a list", cursor_of({"name": "x"})),
    ("a cursor of an empty list", cursor_of([])),
    ("a cursor with three keys", cursor_of(["a", "b", "c"])),
    ("a cursor of 2001 characters", "A" * 2001),
    ("a cursor of 1499 opening brackets (deep nesting)", base64.urlsafe_b64encode(b"[" * 1499).decode().rstrip("=")),
]


# --- cases and their outcomes ----------------------------------------------------------------

@dataclass(frozen=True)
class Raw:
    """Context data ``authorization`` exactly as given (``Raw(None)``: no context at all)."""
    value: Any


@dataclass
class Case:
    desc: str
    method: str
    args: tuple
    expected: str
    field: str | None = None  # for ValidationFailed: the dotted path its JSON must name
    auth: Any = None          # a token (sent as "Bearer <token>"), a Raw value, or None
    kwargs: dict = dc_field(default_factory=dict)


def case(desc, method, *args, expect, field=None, auth=None, **kwargs) -> Case:
    """``expect``: a contract error type, or ``"ok"`` for a call that must simply succeed."""
    if expect == "ValidationFailed" and field is None:
        raise AssertionError(f"{desc}: a ValidationFailed case names its field")
    return Case(desc, method, args, expect, field, auth, kwargs)


def names(errors, path: str) -> bool:
    """Whether the ``ValidationFailed`` JSON ``errors`` holds the dotted ``path``."""
    node = errors
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def short(value, n=300) -> str:
    text = repr(value)
    return text if len(text) <= n else text[:n] + "..."


def problem_with(c: Case, outcome) -> str | None:
    """What is wrong with ``outcome`` (a result or a raised exception) for ``c``; None: right."""
    if c.expected == "ok":
        if isinstance(outcome, RemoteError):
            return f"{outcome.exc_type} (expected success): {short(str(outcome.value))}"
        if isinstance(outcome, BaseException):
            return f"raised {type(outcome).__name__} locally (expected success): {short(str(outcome))}"
        return None
    if not isinstance(outcome, BaseException):
        return f"succeeded (expected {c.expected}): {short(outcome)}"
    if not isinstance(outcome, RemoteError):
        return f"raised {type(outcome).__name__} locally (expected {c.expected}): {short(str(outcome))}"
    value = str(outcome.value)
    if outcome.exc_type not in CONTRACT_TYPES:
        return f"{outcome.exc_type} (expected {c.expected}): {short(value)}"
    leaked = [marker for marker in LEAKS if marker in value]
    if leaked:
        return f"{outcome.exc_type} leaks {leaked}: {short(value)}"
    if outcome.exc_type != c.expected:
        return f"{outcome.exc_type} (expected {c.expected}): {short(value)}"
    if c.expected == "ValidationFailed":
        try:
            errors = json.loads(value)
        except ValueError:
            return f"ValidationFailed whose value is not JSON: {short(value)}"
        if not isinstance(errors, dict) or not errors:
            return f"ValidationFailed whose JSON is not field -> messages: {short(value)}"
        if not names(errors, c.field):
            return f"ValidationFailed does not name {c.field!r}: {short(value)}"
    return None


class Caller:
    """Sends calls to ``service`` with any context: a token, a raw ``authorization`` value, or none.

    ``call(method, *args, auth=..., **kwargs)`` makes one call and returns its result (or raises).
    """

    def __init__(self, client, service: str):
        self.client = client
        self.service = service
        self.raw_proxies = {}

    def _method(self, method, auth):
        if isinstance(auth, Raw):
            if auth.value not in self.raw_proxies:
                context = {} if auth.value is None else {"authorization": auth.value}
                cluster = ClusterRpcProxy(self.client.config, context_data=context, timeout=30)
                self.raw_proxies[auth.value] = (cluster, cluster.start())
            return getattr(getattr(self.raw_proxies[auth.value][1], self.service), method)
        return getattr(getattr(self.client.proxy(auth), self.service), method)

    def __call__(self, method, *args, auth=None, **kwargs):
        return self._method(method, auth)(*args, **kwargs)

    def outcome(self, c: Case):
        """The case's result, or the exception it raised."""
        try:
            return self(c.method, *c.args, auth=c.auth, **c.kwargs)
        except Exception as exc:  # noqa: BLE001 - the outcome is judged by the table
            return exc

    def outcomes(self, cases: list[Case]) -> list:
        """Every case's outcome. The calls are sent at once and the replies collected after: none of
        them should change anything, so their order does not matter, and the table runs in the time
        of a few round trips instead of one per case."""
        replies = []
        for c in cases:
            try:
                replies.append(self._method(c.method, c.auth).call_async(*c.args, **c.kwargs))
            except Exception as exc:  # noqa: BLE001 - e.g. arguments that cannot be serialised
                replies.append(exc)
        outcomes = []
        for reply in replies:
            if isinstance(reply, BaseException):
                outcomes.append(reply)
                continue
            try:
                outcomes.append(reply.result())
            except Exception as exc:  # noqa: BLE001
                outcomes.append(exc)
        return outcomes

    def together(self, *calls):
        """``(method, args, auth)`` calls that must succeed, sent at once; their results in order."""
        replies = [self._method(method, auth).call_async(*args) for method, args, auth in calls]
        return [reply.result() for reply in replies]

    def run(self, cases: list[Case]) -> list[str]:
        """The mismatches, as messages."""
        return [f"{c.method}: {c.desc}: {problem}" for c, outcome in zip(cases, self.outcomes(cases))
                if (problem := problem_with(c, outcome))]

    def close(self):
        for cluster, _ in self.raw_proxies.values():
            cluster.stop()


# --- "nothing changed" -----------------------------------------------------------------------

def read_tables(database_url: str, metadata: MetaData, contents: Iterable[str] = (), ignore: Iterable[str] = ()) -> dict:
    """Read straight from the service's database: ``"<table> rows"``, every table's row count (but
    those named in ``ignore``); ``"<table>"``, the rows (ordered by primary key) of each table named
    in ``contents``.

    SQLite: a plain ``sqlite3`` connection, not a second SQLAlchemy engine: the kit's engine opens
    every transaction with ``BEGIN IMMEDIATE``, and SQLite's busy wait blocks the whole OS thread,
    so waiting here for the service's write lock would stall the in-process service holding it. A
    bare ``SELECT`` on a WAL database takes no lock.
    """
    contents, ignore = set(contents), set(ignore)
    queries = {}
    for name, table in sorted(metadata.tables.items()):
        if name in ignore:
            continue
        queries[f"{name} rows"] = f'SELECT count(*) FROM "{name}"'
        if name in contents:
            keys = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
            queries[name] = f'SELECT * FROM "{name}" ORDER BY {keys}'

    def read(execute) -> dict:
        result = {}
        for key, sql in queries.items():
            rows = execute(sql).fetchall()
            result[key] = rows[0][0] if key.endswith(" rows") else [tuple(r) for r in rows]
        return result

    if database_url.startswith("sqlite"):
        conn = sqlite3.connect(database_url.split("///", 1)[1], timeout=30, isolation_level=None)
        try:
            return read(conn.execute)
        finally:
            conn.close()
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return read(conn.exec_driver_sql)
    finally:
        engine.dispose()


def read_service_tables(database_url: str, metadata: MetaData) -> dict:
    """``read_tables`` for a refused call's snapshot: every table's rows, but the kit's tables that
    move on their own (``COUNTED_ONLY``: counted; ``NOT_COMPARED``: left out)."""
    return read_tables(database_url, metadata, [n for n in metadata.tables if n not in COUNTED_ONLY],
                       ignore=NOT_COMPARED)


def diff(before: dict, after: dict) -> list[str]:
    """What differs between two snapshots, one message a change; empty: nothing changed."""
    changes = []
    for key in before:
        old, new = before[key], after[key]
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            changes += [f"{key} {k}: {short(old.get(k), 400)} -> {short(new.get(k), 400)}"
                        for k in sorted(set(old) | set(new), key=str) if old.get(k) != new.get(k)
                        ] or [f"{key}: {short(old, 400)} -> {short(new, 400)}"]
        elif isinstance(old, list) and isinstance(new, list):
            gone = [short(item, 400) for item in old if item not in new]
            came = [short(item, 400) for item in new if item not in old]
            changes.append(f"{key}: {len(old)} -> {len(new)} items; gone {gone}; new or changed {came}")
        else:
            changes.append(f"{key}: {short(old, 400)} -> {short(new, 400)}")
    return changes


def run_table(call: Caller, cases: list[Case], snapshot: Callable[[], dict]) -> dict:
    """Run every case; fail with every mismatch and every change the refused calls made. Returns
    the snapshot taken after them."""
    before = snapshot()
    failures = call.run(cases)
    after = snapshot()
    changed = diff(before, after)
    message = [f"{len(failures)} of {len(cases)} bad calls were not refused as the contract says:"]
    message += [f"  - {f}" for f in failures]
    if changed:
        message += [f"the refused calls changed the {call.service} service:"] + [f"  - {c}" for c in changed]
    assert not failures and not changed, "\n".join(message)
    assert after["tables"]["audit_log rows"] == before["tables"]["audit_log rows"]
    assert after["tables"].get("audit_log") == before["tables"].get("audit_log")
    return after


# --- tokens ----------------------------------------------------------------------------------

def crafted(claims: dict, secret: str = JWT_SECRET, algorithm: str = "HS256") -> str:
    """A token with any claims, secret and algorithm (the test secret is short for HS512: fine here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return jwt.encode(claims, secret, algorithm=algorithm)


def sub_of(token: str) -> str:
    return jwt.decode(token, options={"verify_signature": False})["sub"]


def add_bad_token_holders(w, token) -> None:
    """Give the world ``w`` (with ``city`` and the federation admin's token ``fed``) the holders
    of tokens ``bad_tokens()`` uses besides ``w.fed`` and ``w.worker``: the federation admin's
    token expired and forged (another secret), a judge, no roles, a role the contract does not
    know, an admin of an organisation that does not exist, and one of no organisation."""
    fed = sub_of(w.fed)
    w.judge = token("judge", w.city, sub="judge-1")
    w.no_roles = token([], w.city, sub="nobody")
    w.janitor = token("janitor", w.city, sub="janitor-1")  # a role the contract does not know
    w.expired = token("federation_admin", w.city, sub=fed, ttl=-120)
    w.forged = token("federation_admin", w.city, sub=fed, secret="another-secret-" + "y" * 40)
    w.ghost_admin = token("district_admin", UNKNOWN_ID, sub="ghost")
    w.orgless_admin = token("district_admin", None, sub="orgless")


def good_claims(w, now: int) -> dict:
    """The federation admin's claims, good for ten minutes from ``now``: what ``crafted`` bad
    tokens start from."""
    return {"sub": sub_of(w.fed), "name": "fed", "roles": ["federation_admin"], "org_id": w.city, "exp": now + 600}


def bad_tokens(w) -> list[tuple[str, Any, str]]:
    """(description, auth, expected) for every way a token read by the kit's entrypoint is bad:
    ``Unauthorized`` for a token missing, malformed, tampered with, expired, forged or of claims
    the contract does not know, ``Forbidden`` for a good token of no admin. ``w`` is a world
    given ``add_bad_token_holders()``, with ``worker`` a worker's token."""
    now = int(time.time())
    good = good_claims(w, now)
    return [
        ("no token", Raw(None), "Unauthorized"),
        ("an empty authorization", Raw(""), "Unauthorized"),
        ("'Bearer' with no token", Raw("Bearer"), "Unauthorized"),
        ("'Bearer ' and spaces", Raw("Bearer    "), "Unauthorized"),
        ("a Basic scheme", Raw("Basic dXNlcjpwYXNz"), "Unauthorized"),
        ("the token without a scheme", Raw(w.fed), "Unauthorized"),
        ("a malformed bearer value", "not-a-jwt", "Unauthorized"),
        ("a JWT with a tampered signature", w.fed[:-4] + ("AAAA" if not w.fed.endswith("AAAA") else "BBBB"),
         "Unauthorized"),
        ("a JWT with a tampered payload", ".".join([w.fed.split(".")[0], crafted(
            {**good, "sub": "mallory"}).split(".")[1], w.fed.split(".")[2]]), "Unauthorized"),
        ("an expired token", w.expired, "Unauthorized"),
        ("a forged token (another secret)", w.forged, "Unauthorized"),
        ("an unsigned token (alg none)", crafted(good, secret="", algorithm="none"), "Unauthorized"),
        ("a token signed HS512", crafted(good, algorithm="HS512"), "Unauthorized"),
        ("a token without exp", crafted({k: v for k, v in good.items() if k != "exp"}), "Unauthorized"),
        ("a token without roles", crafted({k: v for k, v in good.items() if k != "roles"}), "Unauthorized"),
        ("a token without sub", crafted({k: v for k, v in good.items() if k != "sub"}), "Unauthorized"),
        ("a token whose roles is a string", crafted({**good, "roles": "federation_admin"}), "Unauthorized"),
        ("a token whose org_id is a number", crafted({**good, "org_id": 7}), "Unauthorized"),
        ("a token with an unknown role", w.janitor, "Unauthorized"),
        ("a token with an unknown role beside a good one", crafted({**good, "roles": ["federation_admin", "root"]}),
         "Unauthorized"),
        ("a token not valid yet (nbf in an hour)", crafted({**good, "nbf": now + 3600}), "Unauthorized"),
        ("a worker's token", w.worker, "Forbidden"),
        ("a judge's token", w.judge, "Forbidden"),
        ("a token with no roles", w.no_roles, "Forbidden"),
        ("an admin of an organisation that does not exist", w.ghost_admin, "Forbidden"),
        ("an admin with no organisation", w.orgless_admin, "Forbidden"),
    ]


def id_cases(method, name, *rest, auth, unknown=(), before=()) -> list[Case]:
    """``method``'s id argument ``name`` bad in every way (``before``: arguments ahead of it), and
    ids of nothing it knows (``unknown``: (description, id)) -> NotFound."""
    cases = [case(f"{name} is {desc}", method, *before, value, *rest, expect="ValidationFailed", field=name,
                  auth=auth) for desc, value in BAD_IDS]
    cases += [case(desc, method, *before, value, *rest, expect="NotFound", auth=auth)
              for desc, value in [("an unknown id", UNKNOWN_ID), ("an id of 64 characters", ID_64), *unknown]]
    return cases


def data_type_cases(method, *before, auth, first_field, base) -> list[Case]:
    """``method``'s dict argument (after ``before``) that is no dict, or empty."""
    cases = [case(f"data is {d}", method, *before, v, expect="ValidationFailed", field="_schema", auth=auth)
             for d, v in [("a string", "data"), ("a list", [base]), ("an int", 1), ("None", None), ("a bool", True)]]
    cases.append(case("data is empty", method, *before, {}, expect="ValidationFailed", field=first_field,
                      auth=auth))
    return cases


def write_refusal_cases(write_calls: dict, tokens_for: Callable[[str], list], outsider: str) -> list[Case]:
    """For each ``method: (good args, outsiders)`` of ``write_calls``: the call with each of
    ``tokens_for(method)`` (``bad_tokens()`` entries), and with the token of each outsider (a good
    token of somebody who may not make that call: ``Forbidden``, described as ``outsider (i)``)."""
    cases = []
    for method, (args, outsiders) in write_calls.items():
        for desc, auth, expected in tokens_for(method):
            cases.append(case(desc, method, *args, expect=expected, auth=auth))
        for i, who in enumerate(dict.fromkeys(outsiders)):
            cases.append(case(f"{outsider} ({i + 1})", method, *args, expect="Forbidden", auth=who))
    return cases


# --- cases every service gets --------------------------------------------------------------

def argument_list_cases(method: str, most: int, fewest: int, filler, auth=None) -> list[Case]:
    """Argument lists ``method`` (taking at most ``most`` positional arguments, needing
    ``fewest``) must refuse as ``_schema``: too long, too short, an unknown keyword. ``filler``
    is the value the positional arguments are made of."""
    fill = (filler,) * (most + 1)
    cases = [
        case(f"{most + 1} arguments (at most {most})", method, *fill, expect="ValidationFailed", field="_schema",
             auth=auth),
        case(f"{most + 3} arguments", method, *((None,) * (most + 3)), expect="ValidationFailed", field="_schema",
             auth=auth),
    ]
    if fewest:
        cases.append(case("no arguments", method, expect="ValidationFailed", field="_schema", auth=auth))
    if fewest > 1:
        cases.append(case(f"{fewest - 1} arguments (needs {fewest})", method, *fill[:fewest - 1],
                          expect="ValidationFailed", field="_schema", auth=auth))
    cases.append(case("an unknown keyword argument", method, *fill[:fewest], expect="ValidationFailed",
                      field="_schema", auth=auth, surprise=1))
    return cases


def events_since_cases() -> list[Case]:
    """``events_since(seq, limit)``, the event log every service serves, with bad arguments."""
    def since(desc, seq, limit, field):
        return case(desc, "events_since", seq, limit, expect="ValidationFailed", field=field)

    cases = []
    for desc, value in [("a string", "0"), ("-1", -1), ("a bool", True), ("None", None), ("a float", 0.5),
                        ("a list", [0]), ("NaN", NAN), ("10**30", 10 ** 30)]:
        cases.append(since(f"seq is {desc}", value, 10, "seq"))
    for desc, value in [("0", 0), ("1001", 1001), ("-5", -5), ("a string", "10"), ("a bool", True), ("None", None),
                        ("a float", 10.5)]:
        cases.append(since(f"limit is {desc}", 0, value, "limit"))
    cases.append(since("seq and limit both bad", "x", "y", "seq"))
    return cases


# --- properties: junk in, ValidationFailed out -----------------------------------------------

def json_junk(keys: list[str], words: list) -> st.SearchStrategy:
    """JSON-ish junk: scalars (and ``words``, values the service knows), in lists and in dicts
    keyed by ``keys`` (the input's field names) or any short text."""
    scalars = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
               | st.sampled_from(words))
    return st.recursive(
        scalars,
        lambda children: (st.lists(children, max_size=4)
                          | st.dictionaries(st.sampled_from(keys) | st.text(max_size=8), children, max_size=5)),
        max_leaves=15,
    )


def property_settings(max_examples: int) -> settings:
    """Hypothesis settings for a property run against a live service inside one test."""
    return settings(max_examples=max_examples, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def assert_validation_failed(call: Caller, method: str, data, auth) -> None:
    """``method(data)`` must be refused as ``ValidationFailed`` with a JSON object for its value."""
    outcome = call.outcome(Case("junk", method, (data,), "ValidationFailed", auth=auth))
    assert isinstance(outcome, RemoteError), f"{method}({data!r}) succeeded: {short(outcome)}"
    assert outcome.exc_type == "ValidationFailed", f"{method}({data!r}): {outcome.exc_type} {outcome.value}"
    assert isinstance(json.loads(outcome.value), dict)
