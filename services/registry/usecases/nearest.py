"""Nearest first: the venues of a ``near`` search, a page at a time, without reading the whole circle.

A page is the first ``count`` venues by (distance, id) after the cursor's (distance, id) and within
``km``. It is found in growing rings: the venues in the bounding box of a radius ``r`` (indexed
``lat``/``lon``, the other filters in the same query) get their exact distance here, and once the
ring between the cursor's distance and ``r`` holds ``count`` venues, nothing outside ``r`` can
come before them, so the page is complete. Otherwise ``r`` grows (from the density seen so far)
until it reaches ``km``, where the box is the one the whole circle needs. A page therefore reads
about the venues it returns plus those of the pages before it that fall in its box, wherever the
cursor is: page 3 costs what page 1 does, not the whole circle again.

Distances are ``domain.distance_km`` rounded to 6 places (1 mm), compared as they are stored in the
cursor, so an order and a cursor are what they always were.
"""
from __future__ import annotations

import math

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from .. import domain
from ..models import Venue

FIRST_RING_KM = 0.5   # a dense district holds ~100 venues within 0.5 km; a sparse one grows in a few steps
MARGIN_KM = 0.001     # a box a little wider than the ring: a distance rounded to r is inside it
MAX_GROWTH = 4.0      # per step, the ring's width grows at most this much
MIN_GROWTH = 1.5      # ... and at least this much


def in_box(lat: float, lon: float, km: float) -> list:
    """SQL conditions: within the bounding box of the circle of ``km`` around (lat, lon), the box
    wrapped round the antimeridian when it crosses it."""
    min_lat, max_lat, min_lon, max_lon = domain.bounding_box(lat, lon, km)
    lon_range = Venue.lon.between(min_lon, max_lon)
    if min_lon < -180:  # the box crosses the antimeridian: its far side is near +180
        lon_range = or_(lon_range, Venue.lon >= min_lon + 360)
    if max_lon > 180:
        lon_range = or_(lon_range, Venue.lon <= max_lon - 360)
    return [Venue.lat.between(min_lat, max_lat), lon_range]


def nearest(session: Session, conditions: list, related: list, near: dict, after: list | None,
            count: int) -> list[tuple]:
    """Up to ``count`` ``(distance_km, venue id)`` after ``after`` (a cursor's key), nearest first,
    of the venues that meet ``conditions`` (on ``venues``) and ``related`` (``EXISTS`` on other
    tables). The latter are tested per venue in the box, in the select list: in ``WHERE``,
    PostgreSQL may hash a whole table (every active ``featured_base``) for a box of a few hundred."""
    columns = [Venue.id, Venue.lat, Venue.lon] + ([and_(*related).label("ok")] if related else [])
    lat, lon, km = near["lat"], near["lon"], near["km"]
    start = after[0] if after else 0.0
    after_key = tuple(after) if after else None
    r = min(km, start + FIRST_RING_KM)
    while True:
        last = r >= km
        box = in_box(lat, lon, km if last else r + MARGIN_KM)
        reach = km if last else r
        hits = []
        for row in session.execute(select(*columns).where(*conditions, *box)):
            if related and not row.ok:
                continue
            hit = (round(domain.distance_km(lat, lon, row.lat, row.lon), 6), row.id)
            if hit[0] <= reach and (after_key is None or hit > after_key):
                hits.append(hit)
        if last or len(hits) >= count:
            hits.sort()
            return hits[:count]
        r = min(km, _next_radius(start, r, len(hits), count))


def _next_radius(start: float, r: float, found: int, count: int) -> float:
    """The radius whose ring (from ``start``) should hold ``count`` venues (with a quarter to spare)
    at the density of the ring up to ``r`` that held ``found``. A box 4x wider reads ~16x the rows:
    the width grows by 1.5 to 4 per step."""
    width = r - start
    if found == 0:
        return start + width * MAX_GROWTH
    density = found / (math.pi * (r * r - start * start))
    wanted = math.sqrt(start * start + 1.25 * count / (math.pi * density))
    return min(start + width * MAX_GROWTH, max(start + width * MIN_GROWTH, wanted))
