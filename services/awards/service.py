"""The awards service: nameko entrypoints, each a few lines (see services/registry/service.py)."""
from __future__ import annotations

from services.common.auth import ADMIN_ROLES, ROLES, Auth
from services.common.base import ServiceBase
from services.common.db import Database
from services.common.dbgauges import DatabaseGauges
from services.common.entrypoints import rpc
from services.common.errors import ValidationFailed
from services.common.fields import load_id, schema_of
from services.common.follower import Follower
from services.common.metrics import MetricsServer
from services.common.outbox import OutboxRelay

from . import copies
from . import schemas as s
from .metrics import COLLECTOR as AWARDS_FIGURES
from .models import metadata
from .usecases import assessment, cycles, nominations, notice, review
from .usecases.shared import OUTBOX, get_cycle, get_nomination

FEDERATION = ("federation_admin",)
REVIEWERS = ADMIN_ROLES + ("judge",)


class Service(ServiceBase):
    name = "awards"

    session = Database(metadata)
    auth = Auth()
    metrics = MetricsServer()
    relay = OutboxRelay(OUTBOX)
    outbox = OUTBOX
    gauges = DatabaseGauges(AWARDS_FIGURES)
    registry = Follower("registry", copies.apply_registry, copies.REGISTRY_TYPES)
    events = Follower("events", copies.apply_events, copies.EVENTS_TYPES)
    talent = Follower("talent", copies.apply_talent, copies.TALENT_TYPES)

    # --- cycles and nominations ---
    @rpc(roles=FEDERATION, write=True)
    def open_cycle(self, data):
        data = schema_of(s.CycleInput).load(data)
        return cycles.CYCLE_OUT.dump(cycles.open_cycle(self.session, self.auth.caller, data))

    @rpc
    def get_cycle(self, cycle_id):
        return cycles.CYCLE_OUT.dump(get_cycle(self.session, load_id("cycle_id", cycle_id)))

    @rpc(roles=ADMIN_ROLES, write=True)
    def nominate(self, cycle_id, data):
        cycle_id, data = load_id("cycle_id", cycle_id), schema_of(s.NominationInput).load(data)
        return nominations.NOMINATION_OUT.dump(nominations.nominate(self.session, self.auth.caller, cycle_id, data))

    @rpc(roles=ROLES)
    def get_nomination(self, nomination_id):
        return nominations.NOMINATION_OUT.dump(get_nomination(self.session, load_id("nomination_id", nomination_id)))

    @rpc(roles=ROLES)
    def list_nominations(self, cycle_id, filters=None):
        cycle_id = load_id("cycle_id", cycle_id)
        filters = schema_of(s.NominationSearch).load({} if filters is None else filters)
        return nominations.list_nominations(self.session, cycle_id, filters)

    @rpc(roles=ROLES)
    def eligibility(self, nomination_id):
        return nominations.eligibility(self.session, load_id("nomination_id", nomination_id))

    # --- review ---
    @rpc(roles=FEDERATION, write=True)
    def set_reviewers(self, cycle_id, reviewers):
        args = schema_of(s.ReviewersInput).load({"cycle_id": cycle_id, "reviewers": reviewers})
        return review.set_reviewers(self.session, self.auth.caller, args["cycle_id"], args["reviewers"])

    @rpc(roles=REVIEWERS, write=True)
    def submit_review(self, nomination_id, score, comment=None):
        args = schema_of(s.ReviewInput).load({"nomination_id": nomination_id, "score": score, "comment": comment})
        return review.submit_review(self.session, self.auth.caller, **args)

    @rpc(roles=FEDERATION, write=True)
    def shortlist(self, cycle_id, top_n):
        args = schema_of(s.ShortlistInput).load({"cycle_id": cycle_id, "top_n": top_n})
        return review.shortlist(self.session, self.auth.caller, args["cycle_id"], args["top_n"])

    # --- the public notice, objections, the decision ---
    @rpc(roles=FEDERATION, write=True)
    def open_public_notice(self, cycle_id, days, starts_at=None):
        args = schema_of(s.NoticeInput).load({"cycle_id": cycle_id, "days": days, "starts_at": starts_at})
        return cycles.CYCLE_OUT.dump(notice.open_public_notice(self.session, self.auth.caller, **args))

    @rpc(roles=ROLES, write=True)
    def file_objection(self, nomination_id, text):
        args = schema_of(s.ObjectionInput).load({"nomination_id": nomination_id, "text": text})
        return notice.OBJECTION_OUT.dump(notice.file_objection(self.session, self.auth.caller, **args))

    @rpc(roles=FEDERATION, write=True)
    def resolve_objection(self, objection_id, upheld, note):
        args = schema_of(s.ResolutionInput).load({"objection_id": objection_id, "upheld": upheld, "note": note})
        return notice.OBJECTION_OUT.dump(notice.resolve_objection(self.session, self.auth.caller, **args))

    @rpc(roles=FEDERATION, write=True)
    def finalize(self, cycle_id):
        return notice.finalize(self.session, self.auth.caller, load_id("cycle_id", cycle_id))

    @rpc
    def results(self, cycle_id):
        return notice.results(self.session, load_id("cycle_id", cycle_id))

    # --- the assessment and the programme's targets ---
    @rpc(roles=ADMIN_ROLES)
    def assessment(self, org_id, year):
        args = schema_of(s.AssessmentInput).load({"org_id": org_id, "year": year})
        return assessment.assessment(self.session, self.auth.caller, **args)

    @rpc
    def programme_targets(self, year=None):
        return assessment.programme_targets(self.session, schema_of(s.TargetsInput).load({"year": year})["year"])

    # --- what the other services publish (the kit's followers) ---
    @registry.live
    def on_registry_event(self, envelope):
        self.registry.apply(envelope)

    @events.live
    def on_events_event(self, envelope):
        self.events.apply(envelope)

    @talent.live
    def on_talent_event(self, envelope):
        self.talent.apply(envelope)

    @rpc(roles=FEDERATION, write=True)
    def rebuild_copies(self, source):
        """Ops: re-read a source's whole log (registry, events or talent) into its copy (idempotent)."""
        source = load_id("source", source)
        follower = {"registry": self.registry, "events": self.events, "talent": self.talent}.get(source)
        if follower is None:
            raise ValidationFailed({"source": ["one of registry, events, talent"]})
        return {"source": source, "applied": follower.rebuild()}
