"""The kit's pure parts, without a broker or a database: cursors, tokens and event envelopes."""
from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from services.common.auth import Caller, decode_caller, issue_token
from services.common.envelope import ENVELOPE, EnvelopeSchema, from_message, from_storage, new_envelope, with_defaults
from services.common.errors import Forbidden, Unauthorized, ValidationFailed
from services.common.fields import Id, Strict, load_id
from services.common.pagination import PageQuery, decode_cursor, encode_cursor, page

SECRET = "unit-secret-" + "y" * 40


# --- pagination ----------------------------------------------------------------------------

@pytest.mark.parametrize("key", [
    ["中山区工人文化馆", "3f2a9c1e-0000-4000-8000-000000000001"],
    [12.345678, "id-1"],
    ["/a/b/"],
    ["with \"quotes\" and / slashes + =", 0],
])
def test_a_cursor_decodes_to_the_key_it_was_made_from(key):
    cursor = encode_cursor(key)
    assert decode_cursor(cursor, *(type(part) for part in key)) == key


def test_a_cursor_is_url_safe_and_unpadded():
    cursor = encode_cursor(["???>>>~~~", "x" * 7])
    assert not set(cursor) & set("+/=")


def test_no_cursor_means_the_first_page():
    assert decode_cursor(None, str, str) is None


@pytest.mark.parametrize("cursor", [
    "!!!not base64!!!",
    base64.urlsafe_b64encode(b"not json").decode(),
    base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),
    base64.urlsafe_b64encode(json.dumps({"name": "x"}).encode()).decode(),
    base64.urlsafe_b64encode(json.dumps("x").encode()).decode(),
    "",
    base64.urlsafe_b64encode(b"[" * 100_000).decode(),   # deeper than the JSON parser goes
])
def test_a_garbage_cursor_is_a_validation_failure(cursor):
    with pytest.raises(ValidationFailed) as err:
        decode_cursor(cursor, str, str)
    assert list(err.value.errors) == ["cursor"]


@pytest.mark.parametrize("key, types", [
    (["/a/"], (str, str)),                   # another arity
    ([1.5, "id"], (str, str)),               # a near search's cursor for a name-ordered one
    (["name", "id"], ((int, float), str)),   # and the other way round
    ([True, "id"], ((int, float), str)),     # a boolean is not a number
    (["a\x00b", "id"], (str, str)),          # text no database stores
    ([None, "id"], (str, str)),
])
def test_a_cursor_from_another_query_is_a_validation_failure(key, types):
    with pytest.raises(ValidationFailed, match="not a cursor for this query"):
        decode_cursor(encode_cursor(key), *types)


def test_a_page_has_a_next_cursor_only_when_more_rows_follow():
    rows = [{"k": i} for i in range(4)]
    full = page(rows, 3, lambda r: [r["k"]], dict)
    assert [r["k"] for r in full["items"]] == [0, 1, 2]
    assert decode_cursor(full["next_cursor"], int) == [2]
    last = page(rows[:3], 3, lambda r: [r["k"]], dict)
    assert last["next_cursor"] is None
    assert page([], 3, lambda r: [r["k"]], dict) == {"items": [], "next_cursor": None}


def test_the_page_query_defaults_to_50_and_caps_at_500():
    assert PageQuery().load({}) == {"limit": 50, "cursor": None}
    assert PageQuery().load({"limit": 500})["limit"] == 500
    for bad in (0, 501, "10", 2.5):
        with pytest.raises(ValidationError):
            PageQuery().load({"limit": bad})


# --- auth ----------------------------------------------------------------------------------

def _bearer(token: str) -> str:
    return f"Bearer {token}"


def test_a_good_token_names_the_caller():
    token = issue_token(SECRET, sub="u1", name="王芳", roles=["district_admin"], org_id="org-zs")
    caller = decode_caller(_bearer(token), SECRET)
    assert caller == Caller(sub="u1", name="王芳", roles=("district_admin",), org_id="org-zs")


def test_the_bearer_scheme_is_case_insensitive():
    token = issue_token(SECRET, sub="u1", roles=["worker"], org_id=None)
    assert decode_caller(f"bearer {token}", SECRET).sub == "u1"


def test_an_expired_token_is_unauthorized():
    token = issue_token(SECRET, sub="u1", roles=["worker"], org_id=None, ttl_seconds=60, now=time.time() - 3600)
    with pytest.raises(Unauthorized, match="expired"):
        decode_caller(_bearer(token), SECRET)


def test_a_token_accepted_before_is_refused_once_it_expires():
    token = issue_token(SECRET, sub="u1", roles=["worker"], org_id=None, ttl_seconds=3600, now=time.time() - 3598)
    assert decode_caller(_bearer(token), SECRET).sub == "u1"  # verified, and remembered
    time.sleep(max(0.0, jwt.decode(token, SECRET, algorithms=["HS256"])["exp"] - time.time()) + 0.05)
    with pytest.raises(Unauthorized, match="expired"):
        decode_caller(_bearer(token), SECRET)


def test_a_token_accepted_under_one_secret_is_refused_under_another():
    token = issue_token(SECRET, sub="u1", roles=["federation_admin"], org_id="city")
    assert decode_caller(_bearer(token), SECRET).sub == "u1"
    with pytest.raises(Unauthorized, match="invalid token"):  # the secret rotated: verified again
        decode_caller(_bearer(token), "rotated-secret-" + "y" * 40)


def test_a_token_signed_with_another_secret_is_unauthorized():
    token = issue_token("another-secret-" + "z" * 40, sub="u1", roles=["federation_admin"], org_id="city")
    with pytest.raises(Unauthorized, match="invalid token"):
        decode_caller(_bearer(token), SECRET)


def test_a_token_with_tampered_claims_is_unauthorized():
    header, payload, signature = issue_token(SECRET, sub="u1", roles=["worker"], org_id="o").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["roles"] = ["federation_admin"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    with pytest.raises(Unauthorized):
        decode_caller(_bearer(f"{header}.{forged}.{signature}"), SECRET)


def test_an_unsigned_token_is_unauthorized():
    token = jwt.encode({"sub": "u1", "roles": ["federation_admin"], "exp": int(time.time()) + 60}, None,
                       algorithm="none")
    with pytest.raises(Unauthorized):
        decode_caller(_bearer(token), SECRET)


def test_an_unknown_role_is_unauthorized():
    token = issue_token(SECRET, sub="u1", roles=["worker", "superuser"], org_id=None)
    with pytest.raises(Unauthorized, match="unknown roles"):
        decode_caller(_bearer(token), SECRET)


@pytest.mark.parametrize("claims", [
    {"sub": "u1", "roles": "federation_admin"},          # roles not a list
    {"sub": "u1", "roles": ["worker"], "org_id": 42},     # org_id not a string
    {"sub": "u1"},                                        # no roles
    {"roles": ["worker"]},                                # no sub
])
def test_a_token_with_malformed_claims_is_unauthorized(claims):
    token = jwt.encode({**claims, "exp": int(time.time()) + 60}, SECRET, algorithm="HS256")
    with pytest.raises(Unauthorized):
        decode_caller(_bearer(token), SECRET)


def test_a_token_without_expiry_is_unauthorized():
    token = jwt.encode({"sub": "u1", "roles": ["worker"]}, SECRET, algorithm="HS256")
    with pytest.raises(Unauthorized):
        decode_caller(_bearer(token), SECRET)


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "{token}",
                                           "Token {token}"])
def test_an_authorization_without_a_bearer_token_is_unauthorized(authorization):
    token = issue_token(SECRET, sub="u1", roles=["worker"], org_id=None)
    if authorization:
        authorization = authorization.format(token=token)
    with pytest.raises(Unauthorized):
        decode_caller(authorization, SECRET)


# A target organisation is given as its own id and every ancestor id, root first.
PORT_UNION = ["city", "zhongshan", "port"]


@pytest.mark.parametrize("org_id", ["city", "zhongshan", "port"])
def test_an_admin_acts_on_its_own_organisation_and_everything_below(org_id):
    Caller(sub="a", name="a", roles=("district_admin",), org_id=org_id).require_org(PORT_UNION)


@pytest.mark.parametrize("org_id", ["xigang", "port-2", None])
def test_an_admin_cannot_act_outside_its_subtree(org_id):
    caller = Caller(sub="a", name="a", roles=("district_admin",), org_id=org_id)
    assert not caller.acts_on(PORT_UNION)
    with pytest.raises(Forbidden):
        caller.require_org(PORT_UNION)


def test_an_admin_below_the_target_cannot_act_on_it():
    with pytest.raises(Forbidden):
        Caller(sub="a", name="a", roles=("unit_admin",), org_id="port").require_org(["city", "zhongshan"])


def test_a_caller_needs_one_of_the_roles():
    caller = Caller(sub="a", name="a", roles=("judge", "worker"), org_id=None)
    caller.require_role(["federation_admin", "judge"])
    with pytest.raises(Forbidden, match="federation_admin"):
        caller.require_role(["federation_admin", "district_admin"])


# --- envelopes -----------------------------------------------------------------------------

def test_a_new_envelope_is_valid_after_cloudevents():
    envelope = new_envelope("registry", "venue_registered", "venue-1", {"name": "文化宫"})
    assert ENVELOPE.validate(envelope) == {}
    assert envelope["specversion"] == "1.0" and envelope["source"] == "culture/registry"
    assert envelope["seq"] is None and envelope["schemaversion"] == 1
    assert envelope["datacontenttype"] == "application/json"
    assert envelope["dataschema"] == "urn:culture:schema:registry:venue_registered:1"
    assert ENVELOPE.load(envelope)["time"].tzinfo is not None


def test_new_envelopes_have_distinct_ids_and_a_string_subject():
    a = new_envelope("events", "activity_published", 42, {})
    b = new_envelope("events", "activity_published", 42, {})
    assert a["id"] != b["id"]
    assert a["subject"] == "42"


def test_a_numbered_envelope_with_a_later_schema_version_is_valid():
    envelope = {**new_envelope("awards", "award_granted", "n-1", {}, schemaversion=2), "seq": 17}
    assert EnvelopeSchema().validate(envelope) == {}
    assert envelope["dataschema"] == "urn:culture:schema:awards:award_granted:2"


def test_the_optional_attributes_and_our_extensions_may_be_absent_and_others_present():
    envelope = new_envelope("registry", "venue_registered", "venue-1", {})
    for name in ("time", "subject", "datacontenttype", "dataschema", "seq", "schemaversion"):
        del envelope[name]
    assert ENVELOPE.validate(envelope) == {}
    extended = {**envelope, "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "partitionkey": "p1", "retries": 3, "replayed": False, "averyveryverylongextensionname": "ok",
                "datacontenttype": "application/vnd.culture+json; charset=utf-8"}
    assert ENVELOPE.validate(extended) == {}
    assert with_defaults(envelope)["seq"] is None and with_defaults(envelope)["schemaversion"] == 1


@pytest.mark.parametrize("change, field", [
    ({"specversion": "0.3"}, "specversion"),
    ({"source": "registry"}, "source"),
    ({"source": "culture/Registry"}, "source"),
    ({"type": "venueregistered"}, "type"),
    ({"type": "Venue-Registered"}, "type"),
    ({"time": "2026-05-01T10:00:00"}, "time"),           # no offset
    ({"time": "yesterday"}, "time"),
    ({"subject": ""}, "subject"),
    ({"seq": 0}, "seq"),
    ({"schemaversion": 0}, "schemaversion"),
    ({"schemaversion": "1"}, "schemaversion"),
    ({"seq": "17"}, "seq"),
    ({"datacontenttype": "text/plain"}, "datacontenttype"),    # data is a JSON object
    ({"dataschema": ""}, "dataschema"),
    ({"schema_version": 1}, "schema_version"),           # renamed, no transition; not a legal name
    ({"data_base64": "AAAA"}, "data_base64"),
    ({"Partitionkey": "p"}, "Partitionkey"),              # attribute names are lowercase
    ({"trace-id": "t"}, "trace-id"),
    ({"nested": {"a": 1}}, "nested"),                    # an extension is a string, integer or boolean
    ({"ratio": 0.5}, "ratio"),
    ({"data": ["not", "a", "dict"]}, "data"),
    ({"id": ""}, "id"),
])
def test_a_malformed_envelope_is_refused(change, field):
    envelope = {**new_envelope("registry", "venue_registered", "venue-1", {}), **change}
    assert field in ENVELOPE.validate(envelope)


@pytest.mark.parametrize("missing", ["specversion", "id", "source", "type", "data"])
def test_an_envelope_missing_a_field_is_refused(missing):
    envelope = new_envelope("registry", "venue_registered", "venue-1", {})
    del envelope[missing]
    assert missing in ENVELOPE.validate(envelope)


def test_a_stored_envelope_of_the_release_before_is_read_in_the_current_shape():
    current = {**new_envelope("talent", "round_closed", "c-1:2", {"round": 2}), "seq": 4}
    old = {k: v for k, v in current.items() if k not in ("datacontenttype", "dataschema", "schemaversion")}
    old["schema_version"] = 1
    assert from_storage(old) == current
    assert from_storage(current) is current


def test_a_binary_mode_message_is_read_from_its_application_properties():
    headers = {"cloudEvents_specversion": "1.0", "cloudEvents_id": "e-1", "cloudEvents:source": "culture/awards",
               "cloudEvents_type": "award_granted", "cloudEvents_time": 1_780_000_000_123, "cloudEvents_seq": "7",
               "cloudEvents_traceparent": "00-ab", "x-culture-tries": 2}
    envelope = from_message({"year": 2026}, "application/json", headers)
    assert envelope == {"specversion": "1.0", "id": "e-1", "source": "culture/awards", "type": "award_granted",
                        "time": "2026-05-29T04:26:40.123000+08:00", "seq": 7, "traceparent": "00-ab",
                        "datacontenttype": "application/json", "data": {"year": 2026}}
    assert ENVELOPE.validate(envelope) == {}
    structured = new_envelope("awards", "award_granted", "n-1", {})
    assert from_message(structured, "application/json", {"culture.seq": 1}) is structured
    assert from_message(structured, "application/cloudevents+json", headers) is structured  # the body rules


@pytest.mark.parametrize("claims", [{"sub": "a\x00b"}, {"sub": "a\ud800"}, {"name": "名\x00"}, {"org_id": "o\x00"},
                                    {"name": 42}])
def test_a_signed_token_whose_claims_no_database_could_store_is_unauthorized(claims):
    import jwt as pyjwt

    from services.common.auth import decode_caller
    from services.common.errors import Unauthorized

    token = pyjwt.encode({"sub": "u1", "roles": ["federation_admin"], "exp": 4_000_000_000, **claims}, "s" * 40,
                         algorithm="HS256")
    with pytest.raises(Unauthorized):
        decode_caller(f"Bearer {token}", "s" * 40)


# --- an id argument (fields.load_id) ---

@settings(max_examples=300)
@given(st.one_of(st.text(max_size=80), st.none(), st.integers(), st.lists(st.text(max_size=3), max_size=2),
                 st.binary(max_size=4), st.booleans()))
def test_an_id_argument_loads_as_its_one_field_schema_would(value):
    """``load_id`` deserializes with the field alone; it answers what the one-field schema it
    replaced answers, value or errors, under the argument's name."""
    schema = Strict.from_dict({"venue_id": Id(required=True)})()
    try:
        expected = schema.load({"venue_id": value})["venue_id"]
    except ValidationError as exc:
        expected = exc.messages
    try:
        got = load_id("venue_id", value)
    except ValidationError as exc:
        got = exc.messages
    assert got == expected
