"""marshmallow schemas: every awards RPC's input and output, and every event it publishes."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.common.fields import NOT_BLANK, Bool, Id, Name, Strict, Text, When
from services.common.pagination import PageQuery

from . import domain

LongText = lambda limit, **kw: Text(validate=[validate.Length(min=1, max=limit), NOT_BLANK], **kw)  # noqa: E731


# --- inputs ----------------------------------------------------------------------------------

class CycleInput(Strict):
    programme = Text(required=True, validate=validate.OneOf(tuple(domain.PROGRAMMES)))
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))
    categories = fields.List(Text(validate=validate.Length(min=1, max=40)), required=True,
                             validate=validate.Length(min=1, max=10))
    nominations_open_at = When(required=True)
    nominations_close_at = When(required=True)
    quota_per_org = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1000))

    @validates_schema
    def _consistent(self, data, **_):
        if "programme" in data and "categories" in data:
            allowed = domain.PROGRAMMES[data["programme"]]
            wrong = [c for c in data["categories"] if c not in allowed]
            if wrong:
                raise ValidationError(f"the {data['programme']} programme's categories are {', '.join(allowed)}",
                                      "categories")
            if len(set(data["categories"])) != len(data["categories"]):
                raise ValidationError("each category once", "categories")
        opens, closes = data.get("nominations_open_at"), data.get("nominations_close_at")
        if opens and closes and closes <= opens:
            raise ValidationError("must be after nominations_open_at", "nominations_close_at")


class NomineeInput(Strict):
    kind = Text(required=True, validate=validate.OneOf(domain.NOMINEE_KINDS))
    ref_id = Id(load_default=None, allow_none=True)
    name = Name(required=True)


class NominationInput(Strict):
    category = Text(required=True, validate=validate.Length(min=1, max=40))
    nominee = fields.Nested(NomineeInput, required=True)
    by_org_id = Id(required=True)
    statement = LongText(5000, required=True)


class ReviewerInput(Strict):
    reviewer_id = Id(required=True)
    name = Name(required=True)
    org_id = Id(load_default=None, allow_none=True)
    conflicts = fields.List(Id(), load_default=list, validate=validate.Length(max=10_000))


class ReviewersInput(Strict):
    cycle_id = Id(required=True)
    reviewers = fields.List(fields.Nested(ReviewerInput), required=True, validate=validate.Length(min=1, max=100))

    @validates_schema
    def _once(self, data, **_):
        ids = [r["reviewer_id"] for r in data.get("reviewers", [])]
        if len(set(ids)) != len(ids):
            raise ValidationError("each reviewer once", "reviewers")


class ReviewInput(Strict):
    nomination_id = Id(required=True)
    score = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=100))
    comment = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ShortlistInput(Strict):
    cycle_id = Id(required=True)
    top_n = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1000))


class NoticeInput(Strict):
    cycle_id = Id(required=True)
    days = fields.Integer(required=True, strict=True, validate=validate.Range(min=domain.MIN_NOTICE_DAYS, max=365))
    starts_at = When(load_default=None, allow_none=True)


class ObjectionInput(Strict):
    nomination_id = Id(required=True)
    text = LongText(5000, required=True)


class ResolutionInput(Strict):
    objection_id = Id(required=True)
    upheld = Bool(required=True)
    note = LongText(2000, required=True)


class NominationSearch(PageQuery, Strict):
    category = Text(validate=validate.Length(min=1, max=40))
    status = Text(validate=validate.OneOf(domain.NOMINATION.statuses))


class AssessmentInput(Strict):
    org_id = Id(required=True)
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))


class TargetsInput(Strict):
    year = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=2000, max=2100))


# --- outputs ---------------------------------------------------------------------------------

class CycleOut(Schema):
    id = fields.String()
    programme = fields.String()
    year = fields.Integer()
    categories = fields.List(fields.String())
    nominations_open_at = When()
    nominations_close_at = When()
    quota_per_org = fields.Integer()
    status = fields.String()
    top_n = fields.Integer(allow_none=True)
    notice_starts_at = When(allow_none=True)
    notice_ends_at = When(allow_none=True)
    finalized_at = When(allow_none=True)
    created_at = When()


class NominationOut(Schema):
    id = fields.String()
    cycle_id = fields.String()
    category = fields.String()
    nominee = fields.Function(lambda n: {"kind": n.nominee_kind, "ref_id": n.ref_id, "name": n.nominee_name})
    by_org_id = fields.String()
    statement = fields.String()
    status = fields.String()
    eligible = fields.Boolean()
    mean = fields.Float(allow_none=True)
    rank = fields.Integer(allow_none=True)
    submitted_at = When()


class ObjectionOut(Schema):
    id = fields.String()
    nomination_id = fields.String()
    text = fields.String()
    status = fields.String()
    filed_at = When()
    note = fields.String(allow_none=True)
    resolved_at = When(allow_none=True)


# --- events published ------------------------------------------------------------------------

class NominationEvent(Schema):
    """``nomination_submitted``."""
    nomination_id = fields.String(required=True)
    cycle_id = fields.String(required=True)
    programme = fields.String(required=True)
    category = fields.String(required=True)
    nominee = fields.Dict(required=True)
    by_org_id = fields.String(required=True)
    eligible = fields.Boolean(required=True)


class RuledIneligible(Schema):
    nomination_id = fields.String(required=True)
    cycle_id = fields.String(required=True)
    reasons = fields.List(fields.String(), required=True)  # the failed rules' details


class ShortlistPublished(Schema):
    cycle_id = fields.String(required=True)
    top_n = fields.Integer(required=True)
    shortlisted = fields.List(fields.Dict(), required=True)  # [{nomination_id, category, mean, rank}]


class NoticeOpened(Schema):
    cycle_id = fields.String(required=True)
    starts_at = When(required=True)
    ends_at = When(required=True)


class ObjectionEvent(Schema):
    """``objection_filed`` and ``objection_resolved``."""
    objection_id = fields.String(required=True)
    nomination_id = fields.String(required=True)
    cycle_id = fields.String(required=True)
    status = fields.String(required=True)
    note = fields.String(allow_none=True)


class AwardGranted(Schema):
    nomination_id = fields.String(required=True)
    cycle_id = fields.String(required=True)
    programme = fields.String(required=True)
    category = fields.String(required=True)
    year = fields.Integer(required=True)
    nominee = fields.Dict(required=True)  # {kind, ref_id, name}
    by_org_id = fields.String(required=True)


class CycleFinalized(Schema):
    cycle_id = fields.String(required=True)
    programme = fields.String(required=True)
    year = fields.Integer(required=True)
    granted = fields.List(fields.String(), required=True)


EVENT_SCHEMAS = {
    "nomination_submitted": NominationEvent(),
    "nomination_ruled_ineligible": RuledIneligible(),
    "shortlist_published": ShortlistPublished(),
    "public_notice_opened": NoticeOpened(),
    "objection_filed": ObjectionEvent(),
    "objection_resolved": ObjectionEvent(),
    "award_granted": AwardGranted(),
    "cycle_finalized": CycleFinalized(),
}
