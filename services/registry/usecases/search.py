"""Finding venues: filters, text, and nearest first, paged with the kit's cursors."""
from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from services.common.orgpath import in_subtree
from services.common.pagination import Pager
from services.common.query import contains, get_or_not_found

from .. import domain
from ..models import Org, Venue, VenueArtField
from .shared import active_designation
from .venues import VENUE_OUT


def search_venues(session: Session, filters: dict) -> dict:
    conditions = []
    for key in ("type", "district", "status"):
        if key in filters:
            conditions.append(getattr(Venue, key) == filters[key])
    if "org_id" in filters:
        org = get_or_not_found(session, Org, filters["org_id"], "organisation")
        conditions.append(in_subtree(Venue.org_path, org.path))
    if "designation" in filters:
        conditions.append(active_designation(filters["designation"]))
    if "art_field" in filters:
        conditions.append(exists().where(VenueArtField.venue_id == Venue.id,
                                         VenueArtField.art_field == filters["art_field"]))
    if "text" in filters:
        pattern = contains(filters["text"])
        conditions.append(or_(Venue.name.ilike(pattern, escape="\\"), Venue.address.ilike(pattern, escape="\\")))
    if "near" in filters:
        return _search_near(session, conditions, filters["near"], Pager("search_venues", filters, (int, float), str))
    pager = Pager("search_venues", filters, str, str)
    rows = pager.rows(session, select(Venue).where(*conditions), Venue.name, Venue.id)
    return pager.page(rows, lambda v: [v.name, v.id], VENUE_OUT.dump)


def _search_near(session: Session, conditions: list, near: dict, pager: Pager) -> dict:
    """Nearest first. The bounding box narrows in SQL; exact distances are computed here."""
    min_lat, max_lat, min_lon, max_lon = domain.bounding_box(near["lat"], near["lon"], near["km"])
    lon_range = Venue.lon.between(min_lon, max_lon)
    if min_lon < -180:  # the box crosses the antimeridian: its far side is near +180
        lon_range = or_(lon_range, Venue.lon >= min_lon + 360)
    if max_lon > 180:
        lon_range = or_(lon_range, Venue.lon <= max_lon - 360)
    candidates = session.execute(select(Venue.id, Venue.lat, Venue.lon).where(
        *conditions, Venue.lat.between(min_lat, max_lat), lon_range)).all()
    hits = sorted((round(domain.distance_km(near["lat"], near["lon"], lat, lon), 6), id_)
                  for id_, lat, lon in candidates)
    hits = [h for h in hits if h[0] <= near["km"]]
    if pager.after:
        hits = [h for h in hits if (h[0], h[1]) > tuple(pager.after)]
    hits = hits[: pager.limit + 1]
    venues = {v.id: v for v in session.scalars(select(Venue).where(Venue.id.in_([h[1] for h in hits])))}
    rows = [(d, venues[i]) for d, i in hits if i in venues]

    def dump(row):
        return {**VENUE_OUT.dump(row[1]), "distance_km": round(row[0], 3)}

    return pager.page(rows, lambda r: [r[0], r[1].id], dump)
