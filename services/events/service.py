"""The events service: nameko entrypoints, each a few lines (see services/registry/service.py)."""
from __future__ import annotations

from services.common.auth import ADMIN_ROLES, Auth
from services.common.base import ServiceBase
from services.common.consumer import event_handler
from services.common.db import Database
from services.common.dbgauges import DatabaseGauges
from services.common.entrypoints import rpc
from services.common.fields import load_id, schema_of
from services.common.follower import Follower
from services.common.metrics import MetricsServer
from services.common.outbox import OutboxRelay

from . import calendar, registry_copy
from . import schemas as s
from .metrics import COLLECTOR as PARTICIPATION
from .models import metadata
from .usecases import activities, brands, lectures, registrations, reports, rosters, showcases, tours, venues
from .usecases.shared import OUTBOX

FEDERATION = ("federation_admin",)
TOUR_ORGANISERS = ("federation_admin", "district_admin")
REGISTRANTS = ("worker",) + ADMIN_ROLES


class Service(ServiceBase):
    name = "events"

    session = Database(metadata)
    auth = Auth()
    metrics = MetricsServer()
    relay = OutboxRelay(OUTBOX)
    outbox = OUTBOX
    gauges = DatabaseGauges(PARTICIPATION)  # this year's participation, counted when Prometheus scrapes
    registry = Follower("registry", registry_copy.apply, registry_copy.TYPES,  # the copy of the registry
                        apply_many=registry_copy.apply_many)

    # --- brands ---
    @rpc(roles=FEDERATION, write=True)
    def create_brand(self, data):
        return brands.BRAND_OUT.dump(brands.create_brand(self.session, schema_of(s.BrandInput).load(data)))

    @rpc
    def list_brands(self):
        return brands.list_brands(self.session)

    # --- activities ---
    @rpc(roles=ADMIN_ROLES, write=True)
    def schedule_activity(self, data):
        activity = activities.schedule_activity(self.session, self.auth.caller, schema_of(s.ActivityInput).load(data))
        return activities.activity_view(self.session, activity, new=True)

    @rpc(roles=ADMIN_ROLES, write=True)
    def publish_activity(self, id):
        return activities.activity_view(self.session, activities.publish_activity(self.session, self.auth.caller, load_id("id", id)))

    @rpc(roles=ADMIN_ROLES, write=True)
    def start_activity(self, id):
        return activities.activity_view(self.session, activities.start_activity(self.session, self.auth.caller, load_id("id", id)))

    @rpc(roles=ADMIN_ROLES, write=True)
    def complete_activity(self, id):
        return activities.activity_view(self.session, activities.complete_activity(self.session, self.auth.caller, load_id("id", id)))

    @rpc(roles=ADMIN_ROLES, write=True)
    def cancel_activity(self, id, reason):
        args = schema_of(s.CancelInput).load({"id": id, "reason": reason})
        return activities.activity_view(self.session, activities.cancel_activity(self.session, self.auth.caller, args["id"], args["reason"]))

    @rpc
    def get_activity(self, id):
        return activities.activity_view(self.session, activities.get_activity(self.session, self.auth.optional, load_id("id", id)))

    @rpc
    def search_activities(self, filters=None):
        filters = schema_of(s.ActivitySearch).load({} if filters is None else filters)
        return activities.search_activities(self.session, self.auth.optional, filters)

    # --- registrations ---
    @rpc(roles=REGISTRANTS, write=True)
    def register(self, activity_id, worker):
        activity_id, worker = load_id("activity_id", activity_id), schema_of(s.WorkerInput).load(worker)
        return registrations.register(self.session, self.auth.caller, activity_id, worker)

    @rpc(roles=REGISTRANTS, write=True)
    def cancel_registration(self, activity_id, worker_id):
        return registrations.cancel_registration(self.session, self.auth.caller, load_id("activity_id", activity_id),
                                      load_id("worker_id", worker_id))

    @rpc(roles=ADMIN_ROLES, write=True)
    def check_in(self, activity_id, worker_id):
        return registrations.check_in(self.session, self.auth.caller, load_id("activity_id", activity_id), load_id("worker_id", worker_id))

    @rpc(roles=ADMIN_ROLES)
    def list_registrations(self, activity_id, filters=None):
        activity_id, filters = load_id("activity_id", activity_id), schema_of(s.RosterFilters).load({} if filters is None else filters)
        return rosters.list_registrations(self.session, self.auth.caller, activity_id, filters)

    @rpc(roles=("worker",))
    def my_registrations(self, filters=None):
        filters = schema_of(s.MyRegistrationFilters).load({} if filters is None else filters)
        return rosters.my_registrations(self.session, self.auth.caller, filters)

    # --- calendars and reports ---
    @rpc
    def calendar(self, filters=None):
        filters = schema_of(s.CalendarFilters).load({} if filters is None else filters)
        return calendar.to_ical(*activities.calendar_activities(self.session, filters))

    @rpc(roles=ADMIN_ROLES)
    def participation_report(self, org_id, start, end):
        args = schema_of(s.ReportInput).load({"org_id": org_id, "start": start, "end": end})
        return reports.participation_report(self.session, self.auth.caller, **args)

    # --- the Mobile Lecture Hall ---
    @rpc(roles=FEDERATION, write=True)
    def add_lecture(self, data):
        return lectures.LECTURE_OUT.dump(lectures.add_lecture(self.session, schema_of(s.LectureInput).load(data)))

    @rpc
    def list_lectures(self, filters=None):
        return lectures.list_lectures(self.session, schema_of(s.LectureSearch).load({} if filters is None else filters))

    @rpc(roles=ADMIN_ROLES, write=True)
    def order_lecture(self, data):
        return lectures.ORDER_OUT.dump(lectures.order_lecture(self.session, self.auth.caller, schema_of(s.LectureOrderInput).load(data)))

    @rpc(roles=FEDERATION, write=True)
    def confirm_lecture_order(self, order_id, starts_at):
        args = schema_of(s.ConfirmInput).load({"order_id": order_id, "starts_at": starts_at})
        return lectures.ORDER_OUT.dump(lectures.confirm_lecture_order(self.session, self.auth.caller, **args))

    @rpc(roles=ADMIN_ROLES, write=True)
    def rate_lecture(self, order_id, rating, comment=None):
        args = schema_of(s.RateInput).load({"order_id": order_id, "rating": rating, "comment": comment})
        return lectures.ORDER_OUT.dump(lectures.rate_lecture(self.session, self.auth.caller, **args))

    # --- Culture Express ---
    @rpc(roles=TOUR_ORGANISERS, write=True)
    def create_tour(self, data):
        return tours.create_tour(self.session, self.auth.caller, schema_of(s.TourInput).load(data))

    # --- the copy of the registry (the kit's follower: live events, catch-up, rebuild) ---
    @registry.live
    def on_registry_event(self, envelope):
        self.registry.apply(envelope)

    @rpc
    def get_venue_copy(self, venue_id):
        """What this service knows of a registry venue (ops and UIs: is it bookable here yet?)."""
        return venues.VENUE_COPY_OUT.dump(venues.get_venue_copy(self.session, load_id("venue_id", venue_id)))

    @rpc(roles=FEDERATION, write=True)
    def rebuild_registry_copy(self):
        """Ops: re-read the registry's whole log into the copy (idempotent); returns the count."""
        return {"applied": self.registry.rebuild()}

    # --- talent's showcases ---
    @event_handler("talent", "showcase_requested")
    def on_showcase_requested(self, envelope):
        showcases.answer_showcase(self.session, schema_of(s.ShowcaseRequested).load(envelope["data"]))

