"""The registry's rules, as plain Python: no session, no broker, no framework.

- the organisation tree: which kind may sit under which;
- venue statuses and the transitions between them;
- opening hours: well-formed, not inverted, not overlapping;
- designations: which may be granted by RPC, and to which venues;
- geography: distance on the sphere and the bounding box of a radius search.
"""
from __future__ import annotations

import math
import re

from services.common.errors import Conflict, Forbidden, InvalidState, ValidationFailed
from services.common.lifecycle import Lifecycle

ORG_KINDS = ("city", "district", "pilot_zone", "industrial", "department", "grassroots")
VENUE_TYPES = ("palace", "district_hall", "enterprise_centre", "community_centre", "book_room", "club",
               "city_centre")
NETWORK_TYPES = VENUE_TYPES[:5]  # the "five-in-one" network 五位一体
VENUE_STATUSES = ("planned", "under_construction", "open", "suspended", "closed")
VENUE = Lifecycle("a venue", {
    "planned": ("under_construction", "open", "closed"),
    "under_construction": ("open", "closed"),
    "open": ("suspended", "closed"),
    "suspended": ("open", "closed"),
    "closed": (),
}, final="nothing (closed is final)", same_is_error=True)
TRANSITIONS = VENUE.transitions
INITIAL_STATUSES = ("planned", "under_construction", "open", "suspended")
VENUE_DESIGNATIONS = ("featured_base", "demonstration_base")
RPC_DESIGNATIONS = ("featured_base",)
GROUP_KINDS = ("association", "interest_group", "art_troupe", "literary_federation", "sports_association",
               "volunteer_team")
GROUP_DESIGNATIONS = ("excellent_team",)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FEATURED_BASE_TARGET = 50  # "四个一批": at least 50 city featured culture bases
EARTH_RADIUS_KM = 6371.0088  # mean radius

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


def org_parent_error(kind: str, parent_kind: str | None) -> str | None:
    """Why an organisation of ``kind`` cannot sit under ``parent_kind`` (None: it can)."""
    if kind == "city":
        return None if parent_kind is None else "a city federation is the root: it has no parent"
    if parent_kind is None:
        return "only the city federation has no parent"
    if parent_kind == "grassroots":
        return "a grassroots union is a leaf: nothing sits under it"
    if kind in ("district", "pilot_zone", "department") and parent_kind != "city":
        return f"a {kind} organisation sits directly under the city federation"
    return None


def opening_hours_errors(hours: dict) -> dict[str, list[str]]:
    """Field messages for bad opening hours (empty when they are good).

    Each day maps to a list of ``["HH:MM", "HH:MM"]`` ranges; ``24:00`` may end a range; an empty
    list is a closed day; ranges must not be inverted or empty and must not overlap.
    """
    errors: dict[str, list[str]] = {}
    for day, ranges in hours.items():
        if day not in DAYS:
            errors.setdefault(day, []).append(f"unknown day; use {', '.join(DAYS)}")
            continue
        if not isinstance(ranges, list):
            errors.setdefault(day, []).append("a list of [start, end] ranges")
            continue
        parsed = []
        for i, r in enumerate(ranges):
            if (not isinstance(r, (list, tuple)) or len(r) != 2
                    or not all(isinstance(t, str) and _TIME.fullmatch(t) for t in r)):
                errors.setdefault(day, []).append(f"range {i + 1}: must be [\"HH:MM\", \"HH:MM\"]")
                continue
            start, end = (_minutes(t) for t in r)
            if start == 24 * 60:
                errors.setdefault(day, []).append(f"range {i + 1}: 24:00 can only end a range")
            elif start >= end:
                errors.setdefault(day, []).append(f"range {i + 1}: starts at or after its end ({r[0]}-{r[1]})")
            else:
                parsed.append((start, end, r))
        parsed.sort()
        for (s1, e1, r1), (s2, e2, r2) in zip(parsed, parsed[1:]):
            if s2 < e1:
                errors.setdefault(day, []).append(f"ranges overlap: {r1[0]}-{r1[1]} and {r2[0]}-{r2[1]}")
    return errors


def normalise_opening_hours(hours: dict) -> dict:
    """Every day present, ranges sorted (call after ``opening_hours_errors`` found none)."""
    return {day: sorted(([r[0], r[1]] for r in hours.get(day, [])), key=lambda r: _minutes(r[0]))
            for day in DAYS}


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def check_transition(current: str, new: str) -> None:
    """A venue's move along its life cycle, or ``InvalidState`` saying what is allowed."""
    VENUE.check(current, new)


def check_can_designate(designation: str, status: str, active: set[str], *, by_award: bool) -> None:
    """Raise unless ``designation`` may be granted now to a venue in ``status``."""
    if designation not in RPC_DESIGNATIONS and not by_award:
        raise Forbidden(f"{designation} is granted only through the awards service")
    if status != "open":
        raise InvalidState(f"only an open venue can be designated; this one is {status}")
    if designation in active:
        raise Conflict(f"the venue already holds an active {designation} designation")
    if designation == "demonstration_base" and "featured_base" not in active:
        raise InvalidState("a demonstration base must first be a featured culture base")


def check_can_revoke(designation: str, active: set[str], *, by_award: bool) -> None:
    if designation not in RPC_DESIGNATIONS and not by_award:
        raise Forbidden(f"{designation} is revoked only through the awards service")
    if designation not in active:
        # revoking what is not held is a state error, not an unknown id (and raised as the contract's
        # own InvalidState: a subclass would reach the caller under its own exc_type)
        raise InvalidState(f"the venue holds no active {designation} designation")


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) that contains every point within ``km``.

    Longitudes may run past ±180 (the caller wraps them round the antimeridian); a radius that
    reaches a pole spans every longitude.
    """
    angle = km / EARTH_RADIUS_KM
    dlat = math.degrees(angle)
    if angle >= math.pi / 2 - math.radians(abs(lat)):
        dlon = 180.0
    else:
        # The circle is widest north or south of the centre's parallel: asin, not angle / cos(lat).
        dlon = math.degrees(math.asin(math.sin(angle) / math.cos(math.radians(lat))))
    slack = 1e-9  # degrees (~0.1 mm), so rounding never drops a point on the circle: the box only pre-filters
    return lat - dlat - slack, lat + dlat + slack, lon - dlon - slack, lon + dlon + slack


def validation(field: str, message: str) -> ValidationFailed:
    return ValidationFailed({field: [message]})
