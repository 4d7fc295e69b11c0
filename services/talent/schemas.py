"""marshmallow schemas: every talent RPC's input and output, every event it publishes, and the parts
of other services' events it reads."""
from __future__ import annotations


from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.common.fields import NOT_BLANK, Bool, Id, Lenient, Name, Number, Strict, Text, When
from services.common.pagination import PageQuery

from . import domain

Field = lambda **kw: Text(validate=validate.OneOf(domain.FIELDS), **kw)  # noqa: E731
RoundNumber = lambda **kw: fields.Integer(strict=True, validate=validate.Range(min=1, max=20), **kw)  # noqa: E731
Reason = lambda **kw: Text(validate=[validate.Length(min=1, max=1000), NOT_BLANK], **kw)  # noqa: E731


def _unique(values, what: str, field: str):
    """Each value once, or ``ValidationError`` naming the list's ``field`` (as the caller spells it)."""
    if len(set(values)) != len(values):
        raise ValidationError(f"each {what} once", field)


# --- inputs ----------------------------------------------------------------------------------

class CriterionInput(Strict):
    name = Name(required=True)
    weight = Number(required=True, validate=validate.Range(min=0, max=1000, min_inclusive=False))


class AdvanceInput(Strict):
    top = fields.Integer(strict=True, validate=validate.Range(min=1, max=100_000))
    threshold = Number(validate=validate.Range(min=-100, max=100))

    @validates_schema
    def _one_rule(self, data, **_):
        if len(data) != 1:
            raise ValidationError("advance is {top: N} or {threshold: X}")


class RoundInput(Strict):
    name = Name(required=True)
    criteria = fields.List(fields.Nested(CriterionInput), required=True, validate=validate.Length(min=1, max=20))
    advance = fields.Nested(AdvanceInput, required=True)
    normalise = Text(load_default="none", validate=validate.OneOf(domain.NORMALISE))

    @validates_schema
    def _criteria_once(self, data, **_):
        _unique([c["name"] for c in data.get("criteria", [])], "criterion", "criteria")


class CampaignInput(Strict):
    name = Name(required=True)
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))
    fields_ = fields.List(Field(), required=True, data_key="fields", validate=validate.Length(min=1, max=9))
    rounds = fields.List(fields.Nested(RoundInput), required=True, validate=validate.Length(min=1, max=10))
    nominations_close_at = When(required=True)

    @validates_schema
    def _fields_once(self, data, **_):
        _unique(data.get("fields_", []), "field", "fields")


class PersonInput(Strict):
    worker_id = Id(required=True)
    name = Name(required=True)
    org_id = Id(required=True)


class NominationInput(Strict):
    channel = Text(required=True, validate=validate.OneOf(domain.CHANNELS))
    person = fields.Nested(PersonInput, required=True)
    field = Field(required=True)
    works = fields.List(Text(validate=[validate.Length(min=1, max=500), NOT_BLANK]), load_default=list,
                        validate=validate.Length(max=50))
    recommended_by_org_id = Id(load_default=None, allow_none=True)

    @validates_schema
    def _recommender(self, data, **_):
        recommended = data.get("recommended_by_org_id") is not None
        if data.get("channel") == "recommendation" and not recommended:
            raise ValidationError("a recommendation names the recommending union", "recommended_by_org_id")
        if data.get("channel") in ("self", "audition") and recommended:
            raise ValidationError("only a recommendation names a recommending union", "recommended_by_org_id")


class ScreenInput(Strict):
    candidate_id = Id(required=True)
    eligible = Bool(required=True)
    reason = Reason(load_default=None, allow_none=True)


class JudgeInput(Strict):
    judge_id = Id(required=True)
    name = Name(required=True)
    org_id = Id(load_default=None, allow_none=True)
    conflicts = fields.List(Id(), load_default=list, validate=validate.Length(max=1000))


class PanelInput(Strict):
    campaign_id = Id(required=True)
    round = RoundNumber(required=True)
    judges = fields.List(fields.Nested(JudgeInput), required=True, validate=validate.Length(min=1, max=50))


class RoundRef(Strict):
    campaign_id = Id(required=True)
    round = RoundNumber(required=True)


class ScoreInput(RoundRef):
    candidate_id = Id(required=True)
    scores = fields.Dict(keys=Text(validate=validate.Length(min=1, max=200)), values=fields.Raw(),
                         required=True, validate=validate.Length(min=1, max=20))


class TrainingInput(Strict):
    title = Name(required=True)
    hours = Number(load_default=None, allow_none=True, validate=validate.Range(min=0, max=10_000))
    note = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ShowcaseInput(Strict):
    venue_id = Id(required=True)
    space_id = Id(required=True)
    starts_at = When(required=True)
    ends_at = When(required=True)
    candidate_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=200))

    @validates_schema
    def _order(self, data, **_):
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            raise ValidationError("must be after starts_at", "ends_at")
        _unique(data.get("candidate_ids", []), "candidate", "candidate_ids")


class ProfileInput(Strict):
    achievements = fields.List(Text(validate=[validate.Length(min=1, max=500), NOT_BLANK]), load_default=list,
                               validate=validate.Length(max=100))
    volunteer = Bool(load_default=False)


class AdmitInput(Strict):
    candidate_id = Id(required=True)
    tier = Text(required=True, validate=validate.OneOf(domain.TIERS))
    profile = fields.Nested(ProfileInput, load_default=lambda: {"achievements": [], "volunteer": False})


class CandidateSearch(PageQuery, Strict):
    status = Text(validate=validate.OneOf(domain.CANDIDATE.statuses))
    field = Field()
    org_id = Id()


class PoolSearch(PageQuery, Strict):
    field = Field()
    tier = Text(validate=validate.OneOf(domain.TIERS))
    district = Text(validate=validate.Length(min=1, max=50))
    volunteer = Bool()
    text = Text(validate=validate.Length(min=1, max=100))


# --- outputs ---------------------------------------------------------------------------------

class RoundOut(Schema):
    number = fields.Integer()
    name = fields.String()
    criteria = fields.List(fields.Dict())
    advance = fields.Dict()
    normalise = fields.String()
    status = fields.String()
    judges = fields.Function(lambda r: len(r.judges))
    closed_at = When(allow_none=True)


class CampaignOut(Schema):
    id = fields.String()
    name = fields.String()
    year = fields.Integer()
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields")
    nominations_close_at = When()
    rounds = fields.List(fields.Nested(RoundOut))
    created_at = When()


class StageOut(Schema):
    stage = fields.String()
    round = fields.Integer(allow_none=True)
    at = When()
    by = fields.String()
    reason = fields.String(allow_none=True)


class CandidateOut(Schema):
    id = fields.String()
    campaign_id = fields.String()
    person = fields.Function(lambda c: {"worker_id": c.worker_id, "name": c.name, "org_id": c.org_id})
    field = fields.String()
    channel = fields.String()
    works = fields.List(fields.String())
    recommended_by_org_id = fields.String(allow_none=True)
    status = fields.String()
    round = fields.Integer()
    training = fields.List(fields.Dict())
    showcase = fields.Dict(allow_none=True)
    stages = fields.List(fields.Nested(StageOut))
    nominated_at = When()


class ResultOut(Schema):
    candidate_id = fields.String()
    field = fields.String()
    score = fields.Float()
    median = fields.Float()
    rank = fields.Integer()
    advanced = fields.Boolean()


class TalentOut(Schema):
    id = fields.String()
    candidate_id = fields.String()
    campaign_id = fields.String()
    worker_id = fields.String()
    name = fields.String()
    org_id = fields.String()
    district = fields.String(allow_none=True)
    field = fields.String()
    tier = fields.String()
    achievements = fields.List(fields.String())
    training = fields.List(fields.Dict())
    volunteer = fields.Boolean()
    admitted_at = When()
    updated_at = When()


# --- events published ------------------------------------------------------------------------

class CandidateNominated(Schema):
    candidate_id = fields.String(required=True)
    campaign_id = fields.String(required=True)
    worker_id = fields.String(required=True)
    name = fields.String(required=True)
    org_id = fields.String(required=True)
    field = fields.String(required=True)
    channel = fields.String(required=True)


class CandidateScreened(Schema):
    candidate_id = fields.String(required=True)
    campaign_id = fields.String(required=True)
    eligible = fields.Boolean(required=True)
    reason = fields.String(allow_none=True)


class RoundClosed(Schema):
    campaign_id = fields.String(required=True)
    round = fields.Integer(required=True)
    last = fields.Boolean(required=True)
    ranked = fields.Integer(required=True)
    advanced = fields.List(fields.String(), required=True)


class CandidateRanked(Schema):
    """``candidate_advanced`` and ``candidate_eliminated``."""
    candidate_id = fields.String(required=True)
    campaign_id = fields.String(required=True)
    round = fields.Integer(required=True)
    field = fields.String(required=True)
    score = fields.Float(required=True)
    rank = fields.Integer(required=True)
    finalist = fields.Boolean(required=True)


class ShowcaseRequested(Schema):
    showcase_id = fields.String(required=True)
    campaign_id = fields.String(required=True)
    org_id = fields.String(required=True)
    title = fields.String(required=True)
    venue_id = fields.String(required=True)
    space_id = fields.String(required=True)
    starts_at = When(required=True)
    ends_at = When(required=True)
    candidate_ids = fields.List(fields.String(), required=True)


class TalentTierChanged(Schema):
    talent_id = fields.String(required=True)
    worker_id = fields.String(required=True)
    field = fields.String(required=True)
    previous_tier = fields.String(required=True)
    tier = fields.String(required=True)
    source = fields.String(required=True)


EVENT_SCHEMAS = {
    "candidate_nominated": CandidateNominated(),
    "candidate_screened": CandidateScreened(),
    "round_closed": RoundClosed(),
    "candidate_advanced": CandidateRanked(),
    "candidate_eliminated": CandidateRanked(),
    "showcase_requested": ShowcaseRequested(),
    "talent_admitted": TalentOut(),
    "talent_tier_changed": TalentTierChanged(),
}


# --- events consumed (lenient: a publisher may add keys) ----------------------------------------

class ShowcaseScheduled(Lenient):
    showcase_id = fields.String(required=True)
    activity_id = fields.String(required=True)
    starts_at = fields.String(load_default=None, allow_none=True)


class ShowcaseRefused(Lenient):
    showcase_id = fields.String(required=True)
    reason = fields.String(load_default="", allow_none=True)


class AwardNominee(Lenient):
    kind = fields.String(required=True)
    ref_id = fields.String(load_default=None, allow_none=True)


class AwardGranted(Lenient):
    programme = fields.String(required=True)
    category = fields.String(load_default=None, allow_none=True)
    year = fields.Integer(required=True)
    nominee = fields.Nested(AwardNominee, required=True)
