"""The events service: nameko entrypoints, each a few lines (see services/registry/service.py)."""
from __future__ import annotations

import logging

from nameko.standalone.rpc import ClusterRpcProxy
from nameko.timer import timer

from services.common.auth import ADMIN_ROLES, Auth
from services.common.base import ServiceBase
from services.common.consumer import event_handler
from services.common.db import Database
from services.common.entrypoints import rpc
from services.common.fields import load_id
from services.common.metrics import MetricsServer
from services.common.outbox import OutboxRelay

from . import calendar
from . import registry_copy as copy
from . import schemas as s
from . import usecases as uc
from .metrics import ParticipationGauges
from .models import metadata

FEDERATION = ("federation_admin",)
TOUR_ORGANISERS = ("federation_admin", "district_admin")
REGISTRANTS = ("worker",) + ADMIN_ROLES
CATCH_UP_SECONDS = 30
REGISTRY_TIMEOUT = 10
log = logging.getLogger(__name__)


class Service(ServiceBase):
    name = "events"

    db = Database(metadata)
    auth = Auth()
    metrics = MetricsServer()
    relay = OutboxRelay(uc.OUTBOX)
    outbox = uc.OUTBOX
    gauges = ParticipationGauges()

    # --- brands ---
    @rpc(roles=FEDERATION, write=True)
    def create_brand(self, data):
        return uc.BRAND_OUT.dump(uc.create_brand(self.db, s.BrandInput().load(data)))

    @rpc
    def list_brands(self):
        return uc.list_brands(self.db)

    # --- activities ---
    @rpc(roles=ADMIN_ROLES, write=True)
    def schedule_activity(self, data):
        activity = uc.schedule_activity(self.db, self.auth.caller, s.ActivityInput().load(data))
        return uc.activity_view(self.db, activity)

    @rpc(roles=ADMIN_ROLES, write=True)
    def publish_activity(self, id):
        return uc.activity_view(self.db, uc.publish_activity(self.db, self.auth.caller, load_id("id", id)))

    @rpc(roles=ADMIN_ROLES, write=True)
    def start_activity(self, id):
        return uc.activity_view(self.db, uc.start_activity(self.db, self.auth.caller, load_id("id", id)))

    @rpc(roles=ADMIN_ROLES, write=True)
    def complete_activity(self, id):
        return uc.activity_view(self.db, uc.complete_activity(self.db, self.auth.caller, load_id("id", id)))

    @rpc(roles=ADMIN_ROLES, write=True)
    def cancel_activity(self, id, reason):
        args = s.CancelInput().load({"id": id, "reason": reason})
        return uc.activity_view(self.db, uc.cancel_activity(self.db, self.auth.caller, args["id"], args["reason"]))

    @rpc
    def get_activity(self, id):
        return uc.activity_view(self.db, uc.get_activity(self.db, self.auth.optional, load_id("id", id)))

    @rpc
    def search_activities(self, filters=None):
        filters = s.ActivitySearch().load({} if filters is None else filters)
        return uc.search_activities(self.db, self.auth.optional, filters)

    # --- registrations ---
    @rpc(roles=REGISTRANTS, write=True)
    def register(self, activity_id, worker):
        activity_id, worker = load_id("activity_id", activity_id), s.WorkerInput().load(worker)
        return uc.register(self.db, self.auth.caller, activity_id, worker)

    @rpc(roles=REGISTRANTS, write=True)
    def cancel_registration(self, activity_id, worker_id):
        return uc.cancel_registration(self.db, self.auth.caller, load_id("activity_id", activity_id),
                                      load_id("worker_id", worker_id))

    @rpc(roles=ADMIN_ROLES, write=True)
    def check_in(self, activity_id, worker_id):
        return uc.check_in(self.db, self.auth.caller, load_id("activity_id", activity_id), load_id("worker_id", worker_id))

    # --- calendars and reports ---
    @rpc
    def calendar(self, filters=None):
        filters = s.CalendarFilters().load({} if filters is None else filters)
        return calendar.to_ical(*uc.calendar_activities(self.db, filters))

    @rpc(roles=ADMIN_ROLES)
    def participation_report(self, org_id, start, end):
        args = s.ReportInput().load({"org_id": org_id, "start": start, "end": end})
        return uc.participation_report(self.db, self.auth.caller, **args)

    # --- the Mobile Lecture Hall ---
    @rpc(roles=FEDERATION, write=True)
    def add_lecture(self, data):
        return uc.LECTURE_OUT.dump(uc.add_lecture(self.db, s.LectureInput().load(data)))

    @rpc
    def list_lectures(self, filters=None):
        return uc.list_lectures(self.db, s.LectureSearch().load({} if filters is None else filters))

    @rpc(roles=ADMIN_ROLES, write=True)
    def order_lecture(self, data):
        return uc.ORDER_OUT.dump(uc.order_lecture(self.db, self.auth.caller, s.LectureOrderInput().load(data)))

    @rpc(roles=FEDERATION, write=True)
    def confirm_lecture_order(self, order_id, starts_at):
        args = s.ConfirmInput().load({"order_id": order_id, "starts_at": starts_at})
        return uc.ORDER_OUT.dump(uc.confirm_lecture_order(self.db, self.auth.caller, **args))

    @rpc(roles=ADMIN_ROLES, write=True)
    def rate_lecture(self, order_id, rating, comment=None):
        args = s.RateInput().load({"order_id": order_id, "rating": rating, "comment": comment})
        return uc.ORDER_OUT.dump(uc.rate_lecture(self.db, self.auth.caller, **args))

    # --- Culture Express ---
    @rpc(roles=TOUR_ORGANISERS, write=True)
    def create_tour(self, data):
        return uc.create_tour(self.db, self.auth.caller, s.TourInput().load(data))

    # --- the copy of the registry ---
    @event_handler("registry", "org_registered")
    def on_org_registered(self, envelope):
        copy.apply(self.db, envelope)

    @event_handler("registry", "venue_registered")
    def on_venue_registered(self, envelope):
        copy.apply(self.db, envelope)

    @event_handler("registry", "venue_updated")
    def on_venue_updated(self, envelope):
        copy.apply(self.db, envelope)

    @event_handler("registry", "venue_status_changed")
    def on_venue_status_changed(self, envelope):
        copy.apply(self.db, envelope)

    @timer(interval=CATCH_UP_SECONDS, eager=True)
    def catch_up_with_registry(self):
        """Fills what the live stream missed (a first start, a lost queue) from registry's log."""
        try:
            applied = copy.catch_up(self.db, self._fetch_registry_log)
        except Exception as exc:  # noqa: BLE001 - the registry may be away; the next tick tries again
            self.db.rollback()
            log.warning("catching up with the registry failed (%s); retrying in %ss", exc, CATCH_UP_SECONDS)
            return
        if applied:
            log.info("caught up with the registry: %d events applied", applied)

    @rpc
    def get_venue_copy(self, venue_id):
        """What this service knows of a registry venue (ops and UIs: is it bookable here yet?)."""
        return uc.VENUE_COPY_OUT.dump(uc.get_venue_copy(self.db, load_id("venue_id", venue_id)))

    @rpc(roles=FEDERATION, write=True)
    def rebuild_registry_copy(self):
        """Ops: re-read the registry's whole log into the copy (idempotent); returns the count."""
        copy.reset(self.db)
        return {"applied": copy.catch_up(self.db, self._fetch_registry_log)}

    def _fetch_registry_log(self, seq, limit):
        with ClusterRpcProxy({"AMQP_URI": self.config["AMQP_URI"]}, timeout=REGISTRY_TIMEOUT) as proxy:
            return proxy.registry.events_since(seq, limit)

    # --- talent's showcases ---
    @event_handler("talent", "showcase_requested")
    def on_showcase_requested(self, envelope):
        uc.answer_showcase(self.db, s.ShowcaseRequested().load(envelope["data"]))

