"""The kit's ``@rpc`` reads a call's token once, and writes its audit row with ``audit.record``.

A small kit service on a real broker and both databases: a guarded write that asks ``self.auth``
for its caller several times, and reads that use ``auth.optional`` or ignore the token.
"""
from __future__ import annotations

import jwt
import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import MetaData

from services.common import auth as auth_module
from services.common.auth import Auth
from services.common.db import Database, make_engine
from services.common.entrypoints import rpc
from services.common.tables import add_kit_tables

from tests.conftest import JWT_SECRET, config_for
from .test_outbox_and_consumer import rows

metadata = MetaData()
add_kit_tables(metadata)


class Identified:
    name = "kitident"
    db = Database(metadata)
    auth = Auth()

    @rpc(roles=("federation_admin", "district_admin"), write=True)
    def touch(self, target):
        first, again, optional = self.auth.caller, self.auth.caller, self.auth.optional
        return {"id": target, "sub": first.sub, "same": first is again is optional}

    @rpc
    def who(self):
        caller = self.auth.optional
        return caller.sub if caller else None

    @rpc
    def anyone(self):
        return "ok"


@pytest.fixture
def service_name():
    return "kit"


@pytest.fixture
def url(empty_database):
    url = empty_database("kitident")
    engine = make_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def decodes(monkeypatch):
    """How many times a JWT was decoded (in this process: the service runs in a test container)."""
    calls = []
    real = jwt.decode

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(auth_module.jwt, "decode", counting)
    auth_module._verified.cache_clear()  # tokens verified by earlier tests (the same claims, the same second)
    return calls


@pytest.fixture
def service(container_factory, rabbit_config, url):
    container = container_factory(Identified, config_for("kit", rabbit_config["AMQP_URI"], url))
    container.start()
    return container


def test_a_guarded_call_decodes_its_token_once_and_the_worker_sees_that_caller(service, client, token, url,
                                                                               decodes):
    admin = token("district_admin", org_id="org-1", sub="admin-1")
    reply = client.call("kitident", "touch", "target-1", token=admin)
    assert reply == {"id": "target-1", "sub": "admin-1", "same": True}
    assert len(decodes) == 1  # the role check and three reads in the worker: one decode

    [row] = rows(url, metadata.tables["audit_log"])
    assert (row["actor"], row["actor_org_id"], row["action"], row["target"]) == ("admin-1", "org-1", "touch",
                                                                                 "target-1")
    assert row["details"] == {"args": ["target-1"], "kwargs": {}} and row["result"] == reply
    assert row["call_id"]
    assert client.call("kitident", "touch", "target-2", token=admin)["sub"] == "admin-1"
    assert len(decodes) == 1  # the same token again: verified already (its expiry checked)


def test_a_refused_token_is_decoded_once_and_nothing_runs(service, client, token, url, decodes):
    with pytest.raises(RemoteError) as err:
        client.call("kitident", "touch", "t", token=token("worker"))
    assert err.value.exc_type == "Forbidden"
    with pytest.raises(RemoteError) as err:
        client.call("kitident", "touch", "t", token=token("federation_admin", secret="another-secret-" + "z" * 40))
    assert err.value.exc_type == "Unauthorized"
    assert len(decodes) == 2
    assert rows(url, metadata.tables["audit_log"]) == []


def test_reads_keep_their_token_rules(service, client, token, decodes):
    # No roles: the token is read only when the method asks for it.
    assert client.call("kitident", "anyone", token="not-a-jwt") == "ok"
    assert decodes == []
    assert client.call("kitident", "who") is None
    assert client.call("kitident", "who", token=token("worker", sub="w-1")) == "w-1"
    assert len(decodes) == 1
    with pytest.raises(RemoteError) as err:
        client.call("kitident", "who", token="not-a-jwt")
    assert err.value.exc_type == "Unauthorized"


def test_the_identity_never_travels_in_the_headers():
    identity = auth_module.Identity("Bearer x", JWT_SECRET)
    data = auth_module.RequestData({"authorization": "Bearer x"}, identity)
    assert data.identity is identity
    copied = data.copy()  # what nameko forwards as the worker's own calls' headers
    assert type(copied) is dict and copied == {"authorization": "Bearer x"}
