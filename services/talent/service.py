"""The talent service: nameko entrypoints, each a few lines (see services/registry/service.py)."""
from __future__ import annotations

from services.common.auth import ADMIN_ROLES, ROLES, Auth
from services.common.base import ServiceBase
from services.common.consumer import event_handler
from services.common.dbgauges import DatabaseGauges
from services.common.db import Database
from services.common.entrypoints import rpc
from services.common.fields import load_id, schema_of
from services.common.follower import Follower
from services.common.metrics import MetricsServer
from services.common.outbox import OutboxRelay

from . import registry_copy
from . import schemas as s
from .metrics import COLLECTOR as TALENT_FIGURES
from .models import metadata
from .usecases import campaigns, candidates, judging, pool, showcases
from .usecases.shared import OUTBOX

FEDERATION = ("federation_admin",)
NOMINATORS = ADMIN_ROLES + ("worker",)
READERS = ADMIN_ROLES + ("judge", "worker")


class Service(ServiceBase):
    name = "talent"

    session = Database(metadata)
    auth = Auth()
    metrics = MetricsServer()
    relay = OutboxRelay(OUTBOX)
    outbox = OUTBOX
    gauges = DatabaseGauges(TALENT_FIGURES)
    registry = Follower("registry", registry_copy.apply, registry_copy.TYPES)  # the organisation tree

    # --- campaigns and panels ---
    @rpc(roles=FEDERATION, write=True)
    def open_campaign(self, data):
        campaign = campaigns.open_campaign(self.session, self.auth.caller, schema_of(s.CampaignInput).load(data))
        return campaigns.CAMPAIGN_OUT.dump(campaign)

    @rpc
    def get_campaign(self, campaign_id):
        return campaigns.CAMPAIGN_OUT.dump(campaigns.get_campaign(self.session, load_id("campaign_id", campaign_id)))

    @rpc(roles=FEDERATION, write=True)
    def set_panel(self, campaign_id, round, judges):
        args = schema_of(s.PanelInput).load({"campaign_id": campaign_id, "round": round, "judges": judges})
        campaigns.set_panel(self.session, self.auth.caller, args["campaign_id"], args["round"], args["judges"])
        return campaigns.CAMPAIGN_OUT.dump(campaigns.get_campaign(self.session, args["campaign_id"]))

    # --- candidates ---
    @rpc(roles=NOMINATORS, write=True)
    def nominate(self, campaign_id, data):
        campaign_id, data = load_id("campaign_id", campaign_id), schema_of(s.NominationInput).load(data)
        return candidates.CANDIDATE_OUT.dump(candidates.nominate(self.session, self.auth.caller, campaign_id, data))

    @rpc(roles=ADMIN_ROLES, write=True)
    def screen(self, candidate_id, eligible, reason=None):
        args = schema_of(s.ScreenInput).load({"candidate_id": candidate_id, "eligible": eligible, "reason": reason})
        return candidates.CANDIDATE_OUT.dump(candidates.screen(self.session, self.auth.caller, **args))

    @rpc(roles=READERS)
    def get_candidate(self, id):
        return candidates.CANDIDATE_OUT.dump(candidates.read_candidate(self.session, self.auth.caller,
                                                                       load_id("id", id)))

    @rpc(roles=ADMIN_ROLES)
    def list_candidates(self, campaign_id, filters=None):
        campaign_id = load_id("campaign_id", campaign_id)
        filters = schema_of(s.CandidateSearch).load({} if filters is None else filters)
        return candidates.list_candidates(self.session, self.auth.caller, campaign_id, filters)

    # --- judging ---
    @rpc(roles=("judge",), write=True)
    def submit_score(self, campaign_id, round, candidate_id, scores):
        args = schema_of(s.ScoreInput).load({"campaign_id": campaign_id, "round": round, "candidate_id": candidate_id,
                                    "scores": scores})
        return judging.submit_score(self.session, self.auth.caller, args["campaign_id"], args["round"],
                                    args["candidate_id"], args["scores"])

    @rpc(roles=FEDERATION, write=True)
    def close_round(self, campaign_id, round):
        args = schema_of(s.RoundRef).load({"campaign_id": campaign_id, "round": round})
        return judging.close_round(self.session, self.auth.caller, args["campaign_id"], args["round"])

    @rpc(roles=ADMIN_ROLES + ("judge",))
    def ranking(self, campaign_id, round):
        args = schema_of(s.RoundRef).load({"campaign_id": campaign_id, "round": round})
        return judging.ranking(self.session, args["campaign_id"], args["round"])

    # --- training, the showcase and the pool ---
    @rpc(roles=FEDERATION, write=True)
    def record_training(self, candidate_id, data):
        candidate_id, data = load_id("candidate_id", candidate_id), schema_of(s.TrainingInput).load(data)
        return candidates.CANDIDATE_OUT.dump(showcases.record_training(self.session, self.auth.caller,
                                                                       candidate_id, data))

    @rpc(roles=FEDERATION, write=True)
    def request_showcase(self, campaign_id, data):
        campaign_id, data = load_id("campaign_id", campaign_id), schema_of(s.ShowcaseInput).load(data)
        return showcases.request_showcase(self.session, self.auth.caller, campaign_id, data)

    @rpc(roles=FEDERATION, write=True)
    def admit_to_pool(self, candidate_id, tier, profile=None):
        args = schema_of(s.AdmitInput).load({"candidate_id": candidate_id, "tier": tier,
                                    **({} if profile is None else {"profile": profile})})
        return pool.TALENT_OUT.dump(pool.admit_to_pool(self.session, self.auth.caller, **args))

    @rpc(roles=ROLES)
    def get_talent(self, id):
        return pool.TALENT_OUT.dump(pool.get_talent(self.session, load_id("id", id)))

    @rpc(roles=ROLES)
    def search_pool(self, filters=None):
        return pool.search_pool(self.session, schema_of(s.PoolSearch).load({} if filters is None else filters))

    # --- what other services publish ---
    @registry.live
    def on_registry_event(self, envelope):
        self.registry.apply(envelope)

    @rpc(roles=FEDERATION, write=True)
    def rebuild_registry_copy(self):
        """Ops: re-read the registry's whole log into the organisation copy (idempotent)."""
        return {"applied": self.registry.rebuild()}

    @event_handler("events", "showcase_scheduled")
    def on_showcase_scheduled(self, envelope):
        answer = schema_of(s.ShowcaseScheduled).load(envelope["data"])
        showcases.apply_answer(self.session, answer["showcase_id"], answer["activity_id"], None)

    @event_handler("events", "showcase_refused")
    def on_showcase_refused(self, envelope):
        answer = schema_of(s.ShowcaseRefused).load(envelope["data"])
        showcases.apply_answer(self.session, answer["showcase_id"], None, answer["reason"] or "refused")

    @event_handler("awards", "award_granted")
    def on_award_granted(self, envelope):
        award = schema_of(s.AwardGranted).load(envelope["data"])
        if award["nominee"]["kind"] == "talent" and award["nominee"]["ref_id"]:
            pool.raise_tier(self.session, award["nominee"]["ref_id"], f"award:{envelope['id']}")
