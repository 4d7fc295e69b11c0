"""The registry service: nameko entrypoints, each a few lines.

Parse with the schema, check the caller (roles declared on ``@rpc``; the organisation subtree in
the use case, which knows the tree), call the use case, return the schema's dump. The kit commits
before replying, writes the audit row for every ``write=True`` call, and maps errors.
"""
from __future__ import annotations

from services.common.auth import ADMIN_ROLES, Auth
from services.common.base import ServiceBase
from services.common.consumer import event_handler
from services.common.db import Database
from services.common.entrypoints import rpc
from services.common.fields import load_id, schema_of
from services.common.metrics import MetricsServer
from services.common.outbox import OutboxRelay

from . import schemas as s
from .usecases import awards, groups, network, orgs, search, venues
from .usecases.shared import OUTBOX
from .metrics import DomainGauges
from .models import metadata

FEDERATION = ("federation_admin",)
ORG_WRITERS = ("federation_admin", "district_admin")


class Service(ServiceBase):
    name = "registry"

    session = Database(metadata)
    auth = Auth()
    metrics = MetricsServer()
    relay = OutboxRelay(OUTBOX)
    outbox = OUTBOX
    domain_gauges = DomainGauges()

    # --- organisations ---
    @rpc(roles=ORG_WRITERS, write=True)
    def register_org(self, data):
        return orgs.ORG_OUT.dump(orgs.register_org(self.session, self.auth.caller, schema_of(s.OrgInput).load(data)))

    @rpc
    def get_org(self, org_id):
        return orgs.ORG_OUT.dump(orgs.get_org(self.session, load_id("org_id", org_id)))

    @rpc
    def list_orgs(self, parent_id=None, limit=50, cursor=None):
        query = schema_of(s.OrgListQuery).load({"parent_id": parent_id, "limit": limit, "cursor": cursor})
        return orgs.list_orgs(self.session, query)

    # --- venues ---
    @rpc(roles=ADMIN_ROLES, write=True)
    def register_venue(self, data):
        data = schema_of(s.VenueInput).load(data)
        return venues.VENUE_OUT.dump(venues.register_venue(self.session, self.auth.caller, data))

    @rpc(roles=ADMIN_ROLES, write=True)
    def update_venue(self, venue_id, changes):
        venue_id = load_id("venue_id", venue_id)
        venue = venues.update_venue(self.session, self.auth.caller, venue_id, schema_of(s.VenueChanges).load(changes))
        return venues.VENUE_OUT.dump(venue)

    @rpc(roles=ADMIN_ROLES, write=True)
    def set_venue_status(self, venue_id, status, reason):
        args = schema_of(s.StatusInput).load({"venue_id": venue_id, "status": status, "reason": reason})
        return venues.VENUE_OUT.dump(venues.set_venue_status(self.session, self.auth.caller, **args))

    @rpc
    def get_venue(self, venue_id):
        return venues.get_venue(self.session, load_id("venue_id", venue_id))  # stored as VenueOut dumps it

    @rpc
    def search_venues(self, filters=None):
        return search.search_venues(self.session, schema_of(s.VenueSearch).load({} if filters is None else filters))

    @rpc(roles=FEDERATION, write=True)
    def designate_venue(self, venue_id, designation, year):
        args = schema_of(s.DesignateInput).load({"venue_id": venue_id, "designation": designation, "year": year})
        caller = self.auth.caller
        venue = venues.designate_venue(self.session, args["venue_id"], args["designation"], args["year"],
                                   source=f"rpc:{caller.sub}"[:100], caller=caller)  # the column holds 100
        return venues.VENUE_OUT.dump(venue)

    @rpc(roles=FEDERATION, write=True)
    def revoke_designation(self, venue_id, designation, reason):
        args = schema_of(s.RevokeInput).load({"venue_id": venue_id, "designation": designation, "reason": reason})
        return venues.VENUE_OUT.dump(venues.revoke_designation(self.session, self.auth.caller, **args))

    # --- groups ---
    @rpc(roles=ADMIN_ROLES, write=True)
    def register_group(self, data):
        data = schema_of(s.GroupInput).load(data)
        return groups.GROUP_OUT.dump(groups.register_group(self.session, self.auth.caller, data))

    @rpc
    def get_group(self, group_id):
        return groups.GROUP_OUT.dump(groups.get_group(self.session, load_id("group_id", group_id)))

    @rpc
    def search_groups(self, filters=None):
        return groups.search_groups(self.session, schema_of(s.GroupSearch).load({} if filters is None else filters))

    # --- the network ---
    @rpc
    def network_summary(self, org_id=None):
        return network.network_summary(self.session, schema_of(s.SummaryInput).load({"org_id": org_id})["org_id"])

    # --- events from other services ---
    @event_handler("awards", "award_granted")
    def on_award_granted(self, envelope):
        awards.apply_award(self.session, envelope)
