"""marshmallow schemas: every events RPC's input and output, and every event it publishes."""
from __future__ import annotations

from datetime import datetime

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.common.clock import to_wire
from services.common.fields import NOT_BLANK, Bool, Id, Lenient, Money, Name, Strict, Text, When
from services.common.pagination import PageQuery
from services.common.vocabulary import ART_FIELDS

from . import domain


# --- inputs ----------------------------------------------------------------------------------

class BrandInput(Strict):
    name = Name(required=True)
    description = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class BookingInput(Strict):
    venue_id = Id(required=True)
    space_id = Id(required=True)
    starts_at = When(required=True)
    ends_at = When(required=True)


class AudienceInput(Strict):
    open = Bool(required=True)
    org_id = Id(load_default=None, allow_none=True)

    @validates_schema
    def _org_when_closed(self, data, **_):
        if not data["open"] and not data.get("org_id"):
            raise ValidationError("an audience that is not open names the organisation whose members may come",
                                  "org_id")
        if data["open"] and data.get("org_id"):
            raise ValidationError("an open audience names no organisation", "org_id")


class ActivityInput(Strict):
    title = Name(required=True)
    brand_id = Id(load_default=None, allow_none=True)
    kind = Text(required=True, validate=validate.OneOf(domain.KINDS))
    org_id = Id(required=True)
    bookings = fields.List(fields.Nested(BookingInput), required=True, validate=validate.Length(min=1, max=20))
    capacity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100_000))
    registration_opens_at = When(load_default=None, allow_none=True)
    registration_closes_at = When(load_default=None, allow_none=True)
    audience = fields.Nested(AudienceInput, load_default=lambda: {"open": True, "org_id": None})

    @validates_schema
    def _window(self, data, **_):
        opens, closes = data.get("registration_opens_at"), data.get("registration_closes_at")
        if opens and closes and closes <= opens:
            raise ValidationError("must be after registration_opens_at", "registration_closes_at")


class ActivitySearch(PageQuery, Strict):
    brand_id = Id()
    kind = Text(validate=validate.OneOf(domain.KINDS))
    org_id = Id()
    venue_id = Id()
    tour_id = Id()
    status = Text(validate=validate.OneOf(domain.STATUSES))
    text = Text(validate=validate.Length(min=1, max=100))
    starts_from = When()
    starts_before = When()
    flagged = Bool()


class CancelInput(Strict):
    id = Id(required=True)
    reason = Text(required=True, validate=[validate.Length(min=1, max=1000), NOT_BLANK])


class WorkerInput(Strict):
    id = Id(required=True)
    name = Name(required=True)
    org_id = Id(required=True)


class RosterFilters(PageQuery, Strict):
    """``list_registrations``: an activity's registrations."""
    status = Text(validate=validate.OneOf(domain.REGISTRATION_STATUSES))
    checked_in = Bool()


class MyRegistrationFilters(PageQuery, Strict):
    """``my_registrations``: the worker's own; the times bound the activity's start."""
    status = Text(validate=validate.OneOf(domain.REGISTRATION_STATUSES))
    starts_from = When()
    starts_before = When()


class LecturerInput(Strict):
    id = Id(required=True)
    name = Name(required=True)


class LectureInput(Strict):
    topic = Name(required=True)
    lecturer = fields.Nested(LecturerInput, required=True)
    duration_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=15, max=480))
    field = Text(load_default=None, allow_none=True, validate=validate.OneOf(ART_FIELDS + ("general",)))
    federation_cost = Money(required=True, validate=validate.Range(min=0, max=1_000_000))
    description = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class LectureSearch(PageQuery, Strict):
    field = Text(validate=validate.OneOf(ART_FIELDS + ("general",)))
    lecturer_id = Id()
    text = Text(validate=validate.Length(min=1, max=100))


class SiteInput(Strict):
    venue_id = Id(load_default=None)
    space_id = Id(load_default=None)
    address = Text(load_default=None, validate=[validate.Length(min=1, max=500), NOT_BLANK])

    @validates_schema
    def _one_kind_of_site(self, data, **_):
        venue = data.get("venue_id") is not None or data.get("space_id") is not None
        if venue and data.get("address") is not None:
            raise ValidationError("a site is {venue_id, space_id} or {address}, not both")
        if not venue and data.get("address") is None:
            raise ValidationError("a site is {venue_id, space_id} or {address}")
        if venue and (data.get("venue_id") is None or data.get("space_id") is None):
            raise ValidationError("a venue site names both venue_id and space_id")


class LectureOrderInput(Strict):
    lecture_id = Id(required=True)
    org_id = Id(required=True)
    site = fields.Nested(SiteInput, required=True)
    preferred_dates = fields.List(fields.Date(), load_default=list, validate=validate.Length(max=10))


class ConfirmInput(Strict):
    order_id = Id(required=True)
    starts_at = When(required=True)


class RateInput(Strict):
    order_id = Id(required=True)
    rating = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class StopInput(BookingInput):
    """A tour stop: a booking, for the members of the enterprise's union ``org_id``."""
    org_id = Id(required=True)


class TourInput(Strict):
    title = Name(required=True)
    brand_id = Id(load_default=None, allow_none=True)
    stops = fields.List(fields.Nested(StopInput), required=True, validate=validate.Length(min=1, max=50))


class ReportInput(Strict):
    org_id = Id(required=True)
    start = When(required=True)
    end = When(required=True)

    @validates_schema
    def _period(self, data, **_):
        if data["end"] <= data["start"]:
            raise ValidationError("must be after start", "end")


class CalendarFilters(Strict):
    org_id = Id()
    venue_id = Id()
    brand_id = Id()
    kind = Text(validate=validate.OneOf(domain.KINDS))
    starts_from = When()
    starts_before = When()
    limit = fields.Integer(load_default=500, strict=True, validate=validate.Range(min=1, max=2000))


# --- outputs ---------------------------------------------------------------------------------

class BrandOut(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String(allow_none=True)
    created_at = When()


class BookingOut(Schema):
    id = fields.String()
    venue_id = fields.String()
    space_id = fields.String()
    starts_at = When()
    ends_at = When()
    active = fields.Boolean()


class FlagOut(Schema):
    """A flag as the activity keeps it (its time as ISO text, in UTC), its time shown on the wire."""
    venue_id = fields.String()
    status = fields.String()
    reason = fields.String()
    at = fields.Function(lambda flag: to_wire(datetime.fromisoformat(flag["at"])))


class ActivityOut(Schema):
    id = fields.String()
    title = fields.String()
    brand_id = fields.String(allow_none=True)
    kind = fields.String()
    org_id = fields.String()
    bookings = fields.List(fields.Nested(BookingOut))
    capacity = fields.Integer()
    registration_opens_at = When(allow_none=True)
    registration_closes_at = When(allow_none=True)
    audience = fields.Function(lambda a: {"open": a.audience_open, "org_id": a.audience_org_id})
    status = fields.String()
    starts_at = When()
    ends_at = When()
    tour = fields.Function(lambda a: {"id": a.tour_id, "position": a.tour_position} if a.tour_id else None)
    lecturer_id = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    showcase_id = fields.String(allow_none=True)
    flags = fields.List(fields.Nested(FlagOut))
    cancel_reason = fields.String(allow_none=True)
    attendance = fields.Dict(allow_none=True)
    version = fields.Integer()
    created_at = When()
    updated_at = When()


class RegistrationOut(Schema):
    activity_id = fields.String()
    worker_id = fields.String()
    worker_org_id = fields.String()
    status = fields.String()
    position = fields.Integer(allow_none=True)
    checked_in_at = When(allow_none=True)


class LectureOut(Schema):
    id = fields.String()
    topic = fields.String()
    lecturer = fields.Function(lambda l: {"id": l.lecturer_id, "name": l.lecturer_name})
    duration_minutes = fields.Integer()
    field = fields.String(allow_none=True)
    federation_cost = Money()
    unit_cost = fields.Constant(0)
    description = fields.String(allow_none=True)
    created_at = When()


class LectureOrderOut(Schema):
    id = fields.String()
    lecture_id = fields.String()
    org_id = fields.String()
    site = fields.Function(lambda o: {"address": o.site_address} if o.site_address else
                           {"venue_id": o.site_venue_id, "space_id": o.site_space_id})
    preferred_dates = fields.List(fields.String())
    status = fields.String()
    activity_id = fields.String(allow_none=True)
    rating = fields.Integer(allow_none=True)
    comment = fields.String(allow_none=True)
    created_at = When()
    updated_at = When()


class SpaceCopyOut(Schema):
    id = fields.String()
    name = fields.String()
    capacity = fields.Integer()


class VenueCopyOut(Schema):
    id = fields.String()
    name = fields.String()
    org_id = fields.String()
    district = fields.String()
    address = fields.String()
    status = fields.String()
    opening_hours = fields.Dict()
    spaces = fields.List(fields.Nested(SpaceCopyOut))
    version = fields.Integer()
    bookable = fields.Function(lambda v: v.status in domain.BOOKABLE_VENUE_STATUSES)


class TourOut(Schema):
    id = fields.String()
    title = fields.String()
    brand_id = fields.String(allow_none=True)
    stops = fields.List(fields.Nested(ActivityOut))
    created_at = When()


# --- events published ------------------------------------------------------------------------

class RegistrationEvent(Schema):
    activity_id = fields.String(required=True)
    worker_id = fields.String(required=True)
    worker_org_id = fields.String(required=True)
    status = fields.String(required=True)
    position = fields.Integer(allow_none=True)


class ActivityFlagged(Schema):
    activity_id = fields.String(required=True)
    org_id = fields.String(required=True)
    venue_id = fields.String(required=True)
    reason = fields.String(required=True)


class LectureDelivered(Schema):
    order_id = fields.String(required=True)
    lecture_id = fields.String(required=True)
    activity_id = fields.String(required=True)
    org_id = fields.String(required=True)
    lecturer_id = fields.String(required=True)
    federation_cost = Money(required=True)
    unit_cost = fields.Constant(0)
    attendance = fields.Dict(allow_none=True)


class ShowcaseScheduled(Schema):
    showcase_id = fields.String(required=True)
    campaign_id = fields.String(allow_none=True)
    activity_id = fields.String(required=True)
    starts_at = When(required=True)
    ends_at = When(required=True)


class ShowcaseRefused(Schema):
    showcase_id = fields.String(required=True)
    campaign_id = fields.String(allow_none=True)
    reason = fields.String(required=True)


EVENT_SCHEMAS = {
    "activity_scheduled": ActivityOut(),
    "activity_published": ActivityOut(),
    "activity_started": ActivityOut(),
    "activity_cancelled": ActivityOut(),
    "activity_completed": ActivityOut(),
    "activity_flagged": ActivityFlagged(),
    "registration_confirmed": RegistrationEvent(),
    "registration_waitlisted": RegistrationEvent(),
    "registration_promoted": RegistrationEvent(),
    "registration_cancelled": RegistrationEvent(),
    "registration_checked_in": RegistrationEvent(),
    "lecture_ordered": LectureOrderOut(),
    "lecture_delivered": LectureDelivered(),
    "showcase_scheduled": ShowcaseScheduled(),
    "showcase_refused": ShowcaseRefused(),
}


# --- events consumed -------------------------------------------------------------------------

class RegistrySpace(Lenient):
    id = fields.String(required=True)
    name = fields.String(required=True)
    capacity = fields.Integer(required=True)


class RegistryVenue(Lenient):
    id = fields.String(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True)
    org_id = fields.String(required=True)
    district = fields.String(required=True)
    address = fields.String(required=True)
    location = fields.Dict(required=True)
    spaces = fields.List(fields.Nested(RegistrySpace), required=True)
    opening_hours = fields.Dict(required=True)
    status = fields.String(required=True)
    version = fields.Integer(required=True)


class RegistryStatusChanged(Lenient):
    venue = fields.Nested(RegistryVenue, required=True)
    reason = fields.String(load_default="")


class ShowcaseRequested(Lenient):
    showcase_id = fields.String(required=True)
    campaign_id = fields.String(load_default=None, allow_none=True)
    org_id = fields.String(required=True)
    title = fields.String(load_default="才艺展演")
    venue_id = fields.String(required=True)
    space_id = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    candidate_ids = fields.List(fields.String(), load_default=list)
