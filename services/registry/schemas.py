"""marshmallow schemas: every registry RPC's input and output, and every event it publishes."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from services.common.fields import NOT_BLANK, Id, Lenient, Name, Number, Strict, Text, When
from services.common.pagination import PageQuery
from services.common.vocabulary import ART_FIELDS

from . import domain

District = lambda **kw: Text(validate=validate.Length(min=1, max=50), **kw)  # noqa: E731


# --- organisations -------------------------------------------------------------------------

class OrgInput(Strict):
    name = Name(required=True)
    kind = Text(required=True, validate=validate.OneOf(domain.ORG_KINDS))
    parent_id = Id(required=True, allow_none=True)
    district = District(load_default=None, allow_none=True)
    enterprise = Text(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))

    @validates_schema
    def _enterprise_only_for_grassroots(self, data, **_):
        if data.get("enterprise") and data["kind"] != "grassroots":
            raise ValidationError("only a grassroots union belongs to an enterprise", "enterprise")


class OrgOut(Schema):
    id = fields.String()
    name = fields.String()
    kind = fields.String()
    parent_id = fields.String(allow_none=True)
    district = fields.String(allow_none=True)
    enterprise = fields.String(allow_none=True)
    ancestors = fields.List(fields.String())
    created_at = When()


class OrgListQuery(PageQuery, Strict):
    parent_id = Id(load_default=None, allow_none=True)


# --- venues --------------------------------------------------------------------------------

class Location(Strict):
    lat = Number(required=True, allow_nan=False, validate=validate.Range(min=-90, max=90))
    lon = Number(required=True, allow_nan=False, validate=validate.Range(min=-180, max=180))


class SpaceInput(Strict):
    id = Id(load_default=None)
    name = Text(required=True, validate=[validate.Length(min=1, max=100), NOT_BLANK])
    capacity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100_000))


class OpeningHours(fields.Dict):
    """``{mon..sun: [["09:00", "21:00"], ...]}``, checked by the domain's rules."""

    def __init__(self, **kwargs):
        super().__init__(keys=Text(), values=fields.Raw(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        hours = super()._deserialize(value, attr, data, **kwargs)
        errors = domain.opening_hours_errors(hours)
        if errors:
            raise ValidationError(errors)
        return domain.normalise_opening_hours(hours)


def _unique_space_names(spaces):
    names = [s["name"] for s in spaces]
    if len(names) != len(set(names)):
        raise ValidationError("space names must be unique within a venue")
    ids = [s["id"] for s in spaces if s.get("id")]
    if len(ids) != len(set(ids)):
        raise ValidationError("a space id may appear only once")


class VenueFields(Strict):
    """What ``register_venue`` and ``update_venue`` share."""
    name = Name()
    district = District()
    address = Text(validate=[validate.Length(min=1, max=500), NOT_BLANK])
    location = fields.Nested(Location)
    spaces = fields.List(fields.Nested(SpaceInput), validate=[validate.Length(max=100), _unique_space_names])
    opening_hours = OpeningHours()
    facilities = fields.List(Text(validate=validate.Length(min=1, max=100)),
                             validate=validate.Length(max=50))
    art_fields = fields.List(Text(validate=validate.OneOf(ART_FIELDS)),
                             validate=validate.Length(max=len(ART_FIELDS)))
    book_count = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=100_000_000))

    @post_load
    def _dedupe(self, data, **_):
        for key in ("facilities", "art_fields"):
            if key in data:
                data[key] = list(dict.fromkeys(data[key]))
        return data


class VenueInput(VenueFields):
    type = Text(required=True, validate=validate.OneOf(domain.VENUE_TYPES))
    org_id = Id(required=True)
    status = Text(load_default="open", validate=validate.OneOf(domain.INITIAL_STATUSES))

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for name in ("name", "district", "address", "location", "opening_hours"):
            self.fields[name].required = True
        self.fields["spaces"].load_default = list
        self.fields["facilities"].load_default = list
        self.fields["art_fields"].load_default = list
        self.fields["book_count"].load_default = None

    @validates_schema
    def _book_count_for_book_rooms(self, data, **_):
        if data.get("book_count") is not None and data.get("type") != "book_room":
            raise ValidationError("only a book room has a book count", "book_count")
        if any(s.get("id") for s in data.get("spaces", [])):
            raise ValidationError("a new venue's spaces get their ids from the registry", "spaces")


class VenueChanges(VenueFields):
    @validates_schema
    def _something(self, data, **_):
        if not data:
            raise ValidationError("name at least one field to change")


class DesignationOut(Schema):
    designation = fields.String()
    year = fields.Integer()
    granted_at = When()
    revoked_at = When(allow_none=True)
    revoke_reason = fields.String(allow_none=True)
    active = fields.Function(lambda d: d.revoked_at is None)


class SpaceOut(Schema):
    id = fields.String()
    name = fields.String()
    capacity = fields.Integer()


class VenueOut(Schema):
    id = fields.String()
    name = fields.String()
    type = fields.String()
    org_id = fields.String()
    district = fields.String()
    address = fields.String()
    location = fields.Function(lambda v: {"lat": v.lat, "lon": v.lon})
    spaces = fields.List(fields.Nested(SpaceOut))
    opening_hours = fields.Dict()
    facilities = fields.List(fields.String())
    art_fields = fields.List(fields.String())
    book_count = fields.Integer(allow_none=True)
    status = fields.String()
    designations = fields.List(fields.Nested(DesignationOut))
    version = fields.Integer()
    created_at = When()
    updated_at = When()


class Near(Strict):
    lat = Number(required=True, allow_nan=False, validate=validate.Range(min=-90, max=90))
    lon = Number(required=True, allow_nan=False, validate=validate.Range(min=-180, max=180))
    km = Number(required=True, allow_nan=False, validate=validate.Range(min=0, max=500, min_inclusive=False))


class VenueSearch(PageQuery, Strict):
    type = Text(validate=validate.OneOf(domain.VENUE_TYPES))
    district = District()
    org_id = Id()
    designation = Text(validate=validate.OneOf(domain.VENUE_DESIGNATIONS))
    art_field = Text(validate=validate.OneOf(ART_FIELDS))
    status = Text(validate=validate.OneOf(domain.VENUE_STATUSES))
    text = Text(validate=validate.Length(min=1, max=100))
    near = fields.Nested(Near)


class StatusInput(Strict):
    venue_id = Id(required=True)
    status = Text(required=True, validate=validate.OneOf(domain.VENUE_STATUSES))
    reason = Text(required=True, validate=validate.Length(min=1, max=1000))


class DesignateInput(Strict):
    venue_id = Id(required=True)
    designation = Text(required=True, validate=validate.OneOf(domain.VENUE_DESIGNATIONS))
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))


class RevokeInput(Strict):
    venue_id = Id(required=True)
    designation = Text(required=True, validate=validate.OneOf(domain.VENUE_DESIGNATIONS))
    reason = Text(required=True, validate=validate.Length(min=1, max=1000))


class IdInput(Strict):
    id = Id(required=True)


# --- groups --------------------------------------------------------------------------------

class GroupInput(Strict):
    name = Name(required=True)
    kind = Text(required=True, validate=validate.OneOf(domain.GROUP_KINDS))
    org_id = Id(required=True)
    home_venue_id = Id(load_default=None, allow_none=True)
    art_field = Text(load_default=None, allow_none=True, validate=validate.OneOf(ART_FIELDS))
    members = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1_000_000))


class GroupDesignationOut(Schema):
    designation = fields.String()
    year = fields.Integer()
    granted_at = When()
    revoked_at = When(allow_none=True)


class GroupOut(Schema):
    id = fields.String()
    name = fields.String()
    kind = fields.String()
    org_id = fields.String()
    home_venue_id = fields.String(allow_none=True)
    art_field = fields.String(allow_none=True)
    members = fields.Integer()
    designations = fields.List(fields.Nested(GroupDesignationOut))
    created_at = When()


class GroupSearch(PageQuery, Strict):
    kind = Text(validate=validate.OneOf(domain.GROUP_KINDS))
    org_id = Id()
    home_venue_id = Id()
    art_field = Text(validate=validate.OneOf(ART_FIELDS))
    designation = Text(validate=validate.OneOf(domain.GROUP_DESIGNATIONS))
    text = Text(validate=validate.Length(min=1, max=100))


class SummaryInput(Strict):
    org_id = Id(load_default=None, allow_none=True)


# --- events this service publishes (the envelope's data) -----------------------------------

class VenueStatusChanged(Schema):
    venue_id = fields.String(required=True)
    previous_status = fields.String(required=True)
    status = fields.String(required=True)
    reason = fields.String(required=True)
    venue = fields.Nested(VenueOut, required=True)


class VenueDesignated(Schema):
    venue_id = fields.String(required=True)
    designation = fields.String(required=True)
    year = fields.Integer(required=True)
    source = fields.String(required=True)


class VenueDesignationRevoked(Schema):
    venue_id = fields.String(required=True)
    designation = fields.String(required=True)
    reason = fields.String(required=True)
    source = fields.String(required=True)


class GroupDesignated(Schema):
    group_id = fields.String(required=True)
    designation = fields.String(required=True)
    year = fields.Integer(required=True)
    source = fields.String(required=True)


class VenueUpdated(VenueOut):
    changed = fields.List(fields.String())


EVENT_SCHEMAS = {
    "org_registered": OrgOut(),
    "venue_registered": VenueOut(),
    "venue_updated": VenueUpdated(),
    "venue_status_changed": VenueStatusChanged(),
    "venue_designated": VenueDesignated(),
    "venue_designation_revoked": VenueDesignationRevoked(),
    "group_registered": GroupOut(),
    "group_designated": GroupDesignated(),
}


# --- events this service consumes ----------------------------------------------------------

class AwardNominee(Lenient):
    kind = fields.String(required=True, validate=validate.OneOf(("venue", "group", "talent", "org", "work")))
    ref_id = fields.String(load_default=None, allow_none=True)
    name = fields.String(load_default=None)

    @validates_schema
    def _ref_for_venues_and_groups(self, data, **_):
        if data["kind"] in ("venue", "group") and not data.get("ref_id"):
            raise ValidationError("a venue or group nominee names its ref_id", "ref_id")


class AwardGranted(Lenient):
    """The part of awards' ``award_granted`` data the registry reads (other keys are ignored)."""

    programme = fields.String(required=True)
    category = fields.String(load_default=None, allow_none=True)
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    nominee = fields.Nested(AwardNominee, required=True)
