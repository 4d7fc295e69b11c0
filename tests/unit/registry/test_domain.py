"""The registry's rules, without I/O: the organisation tree, opening hours, the venue life cycle,
designations and the geography of a radius search."""
from __future__ import annotations

import math

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from services.common.errors import Conflict, Forbidden, InvalidState
from services.registry import domain
from services.registry.domain import (bounding_box, check_can_designate, check_can_revoke, check_transition,
                                      distance_km, normalise_opening_hours, opening_hours_errors,
                                      org_parent_error)

# --- the organisation tree -----------------------------------------------------------------

# Every (kind, parent kind) the tree accepts; every other pair of the matrix is refused.
ALLOWED_UNDER = {
    ("city", None),
    ("district", "city"), ("pilot_zone", "city"), ("department", "city"),
    ("industrial", "city"), ("industrial", "district"), ("industrial", "pilot_zone"),
    ("industrial", "industrial"), ("industrial", "department"),
    ("grassroots", "city"), ("grassroots", "district"), ("grassroots", "pilot_zone"),
    ("grassroots", "industrial"), ("grassroots", "department"),
}


@pytest.mark.parametrize("parent_kind", (None,) + domain.ORG_KINDS)
@pytest.mark.parametrize("kind", domain.ORG_KINDS)
def test_an_organisation_sits_only_under_a_parent_of_an_allowed_kind(kind, parent_kind):
    error = org_parent_error(kind, parent_kind)
    if (kind, parent_kind) in ALLOWED_UNDER:
        assert error is None
    else:
        assert isinstance(error, str) and error


def test_the_city_federation_is_the_only_root_and_nothing_sits_under_a_grassroots_union():
    assert "root" in org_parent_error("city", "district")
    assert "only the city federation" in org_parent_error("district", None)
    assert "leaf" in org_parent_error("grassroots", "grassroots")
    assert "directly under the city" in org_parent_error("district", "district")


# --- opening hours -------------------------------------------------------------------------

def test_good_opening_hours_have_no_errors():
    hours = {"mon": [], "tue": [["09:00", "12:00"], ["13:30", "21:00"]], "sun": [["00:00", "24:00"]]}
    assert opening_hours_errors(hours) == {}


def test_touching_ranges_do_not_overlap():
    assert opening_hours_errors({"wed": [["09:00", "12:00"], ["12:00", "13:00"]]}) == {}
    assert opening_hours_errors({"wed": [["12:00", "13:00"], ["09:00", "12:00"]]}) == {}


def test_an_inverted_range_is_refused():
    errors = opening_hours_errors({"mon": [["21:00", "09:00"]]})
    assert list(errors) == ["mon"]
    assert "starts at or after its end" in errors["mon"][0]


def test_an_empty_range_is_refused():
    errors = opening_hours_errors({"tue": [["09:00", "09:00"]]})
    assert "starts at or after its end" in errors["tue"][0]


@pytest.mark.parametrize("ranges", [
    [["09:00", "12:00"], ["11:59", "13:00"]],
    [["13:00", "18:00"], ["09:00", "14:00"]],   # given out of order
    [["09:00", "21:00"], ["10:00", "11:00"]],   # one inside the other
    [["09:00", "12:00"], ["09:00", "12:00"]],   # the same twice
])
def test_overlapping_ranges_are_refused(ranges):
    errors = opening_hours_errors({"fri": ranges})
    assert any("overlap" in m for m in errors["fri"])


def test_24_00_may_only_end_a_range():
    assert opening_hours_errors({"sat": [["18:00", "24:00"]]}) == {}
    errors = opening_hours_errors({"sat": [["24:00", "24:00"]]})
    assert "24:00 can only end a range" in errors["sat"][0]


@pytest.mark.parametrize("day", ["monday", "Mon", "", "holiday"])
def test_an_unknown_day_is_refused(day):
    errors = opening_hours_errors({day: [["09:00", "17:00"]]})
    assert "unknown day" in errors[day][0]


@pytest.mark.parametrize("ranges", [
    [["9:00", "17:00"]],          # hours need two digits
    [["09:00", "25:00"]],
    [["09:60", "17:00"]],
    [["24:30", "24:45"]],
    [["09:00"]],
    [["09:00", "12:00", "18:00"]],
    ["09:00-17:00"],
    [[9, 17]],
    [None],
])
def test_a_badly_formed_range_is_refused(ranges):
    errors = opening_hours_errors({"thu": ranges})
    assert 'must be ["HH:MM", "HH:MM"]' in errors["thu"][0]


def test_a_day_that_is_not_a_list_of_ranges_is_refused():
    assert opening_hours_errors({"thu": "09:00-17:00"}) == {"thu": ["a list of [start, end] ranges"]}


def test_every_bad_day_is_reported_at_once():
    errors = opening_hours_errors({"mon": [["10:00", "09:00"]], "xyz": [], "sun": [["9", "10"]]})
    assert set(errors) == {"mon", "xyz", "sun"}


def test_normalised_hours_name_every_day_with_ranges_sorted():
    hours = normalise_opening_hours({"tue": [["13:30", "21:00"], ["09:00", "12:00"]], "sun": [("10:00", "24:00")]})
    assert list(hours) == list(domain.DAYS)
    assert hours["tue"] == [["09:00", "12:00"], ["13:30", "21:00"]]
    assert hours["sun"] == [["10:00", "24:00"]]
    assert hours["mon"] == [] and hours["sat"] == []


# --- the venue life cycle ------------------------------------------------------------------

ALLOWED_TRANSITIONS = [
    ("planned", "under_construction"), ("planned", "open"), ("planned", "closed"),
    ("under_construction", "open"), ("under_construction", "closed"),
    ("open", "suspended"), ("open", "closed"),
    ("suspended", "open"), ("suspended", "closed"),
]


@pytest.mark.parametrize("current, new", ALLOWED_TRANSITIONS)
def test_a_venue_may_make_each_allowed_transition(current, new):
    check_transition(current, new)


@pytest.mark.parametrize("current, new", [
    ("open", "planned"), ("open", "under_construction"), ("suspended", "planned"),
    ("suspended", "under_construction"), ("under_construction", "planned"),
    ("under_construction", "suspended"), ("planned", "suspended"),
])
def test_a_venue_cannot_go_back_in_its_life_cycle(current, new):
    with pytest.raises(InvalidState, match=f"from {current} to {new}"):
        check_transition(current, new)


@pytest.mark.parametrize("new", [s for s in domain.VENUE_STATUSES if s != "closed"])
def test_closed_is_final(new):
    with pytest.raises(InvalidState, match="closed is final"):
        check_transition("closed", new)


@pytest.mark.parametrize("status", domain.VENUE_STATUSES)
def test_a_venue_cannot_move_to_the_status_it_already_has(status):
    with pytest.raises(InvalidState, match=f"already {status}"):
        check_transition(status, status)


def test_the_allowed_transitions_are_exactly_those_listed():
    every = {(a, b) for a in domain.VENUE_STATUSES for b in domain.VENUE_STATUSES}
    allowed = set()
    for current, new in every:
        try:
            check_transition(current, new)
            allowed.add((current, new))
        except InvalidState:
            pass
    assert allowed == set(ALLOWED_TRANSITIONS)


# --- designations --------------------------------------------------------------------------

def test_the_federation_designates_an_open_venue_a_featured_base():
    check_can_designate("featured_base", "open", set(), by_award=False)


def test_a_demonstration_base_is_refused_unless_it_comes_from_an_award():
    with pytest.raises(Forbidden, match="awards service"):
        check_can_designate("demonstration_base", "open", {"featured_base"}, by_award=False)
    check_can_designate("demonstration_base", "open", {"featured_base"}, by_award=True)


@pytest.mark.parametrize("status", ["planned", "under_construction", "suspended", "closed"])
def test_only_an_open_venue_is_designated(status):
    with pytest.raises(InvalidState, match="only an open venue"):
        check_can_designate("featured_base", status, set(), by_award=False)
    with pytest.raises(InvalidState, match="only an open venue"):
        check_can_designate("demonstration_base", status, {"featured_base"}, by_award=True)


def test_a_designation_already_held_is_a_conflict():
    with pytest.raises(Conflict):
        check_can_designate("featured_base", "open", {"featured_base"}, by_award=False)
    with pytest.raises(Conflict):
        check_can_designate("demonstration_base", "open", {"featured_base", "demonstration_base"}, by_award=True)


def test_a_demonstration_base_must_first_be_a_featured_base():
    with pytest.raises(InvalidState, match="first be a featured"):
        check_can_designate("demonstration_base", "open", set(), by_award=True)


def test_revoking_a_held_featured_base_is_allowed():
    check_can_revoke("featured_base", {"featured_base"}, by_award=False)
    check_can_revoke("demonstration_base", {"featured_base", "demonstration_base"}, by_award=True)


def test_a_demonstration_base_is_revoked_only_through_awards():
    with pytest.raises(Forbidden):
        check_can_revoke("demonstration_base", {"featured_base", "demonstration_base"}, by_award=False)


def test_revoking_what_is_not_held_is_a_state_error():
    with pytest.raises(InvalidState, match="no active featured_base"):
        check_can_revoke("featured_base", set(), by_award=False)
    with pytest.raises(InvalidState):
        check_can_revoke("featured_base", {"demonstration_base"}, by_award=False)


# --- geography -----------------------------------------------------------------------------

ZHONGSHAN_SQUARE = (38.9146, 121.6430)  # downtown Dalian
LUSHUN = (38.8517, 121.2617)             # Lüshunkou district


def test_downtown_dalian_is_about_thirty_odd_km_from_lushun():
    assert 30 <= distance_km(*ZHONGSHAN_SQUARE, *LUSHUN) <= 35


def test_beijing_to_shanghai_is_about_1070_km():
    assert distance_km(39.9042, 116.4074, 31.2304, 121.4737) == pytest.approx(1068, abs=10)


def test_distance_is_symmetric_and_zero_to_itself():
    assert distance_km(*ZHONGSHAN_SQUARE, *LUSHUN) == pytest.approx(distance_km(*LUSHUN, *ZHONGSHAN_SQUARE))
    assert distance_km(*LUSHUN, *LUSHUN) == 0


def test_distance_is_short_across_the_antimeridian():
    assert distance_km(0.0, 179.9, 0.0, -179.9) == pytest.approx(22.24, abs=0.05)


def _inside(box, lat, lon) -> bool:
    """In the box; a box past ±180° of longitude wraps round (as the search's SQL filter does)."""
    min_lat, max_lat, min_lon, max_lon = box
    return min_lat <= lat <= max_lat and any(min_lon <= lon + k <= max_lon for k in (-360.0, 0.0, 360.0))


def _destination(lat, lon, bearing_deg, km):
    """The point ``km`` from (lat, lon) along ``bearing_deg`` on the sphere."""
    d = km / 6371.0088
    p1, l1, b = math.radians(lat), math.radians(lon), math.radians(bearing_deg)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), (math.degrees(l2) + 540.0) % 360.0 - 180.0


lats = st.floats(min_value=-89.9, max_value=89.9, allow_nan=False)
lons = st.floats(min_value=-180, max_value=180, allow_nan=False)
radii = st.floats(min_value=0.01, max_value=500, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(lat=lats, lon=lons, km=radii, bearing=st.floats(min_value=0, max_value=360), fraction=st.floats(0, 1))
@example(lat=60.0, lon=10.0, km=500.0, bearing=90.0, fraction=1.0)      # widest at the circle's edge
@example(lat=89.5, lon=0.0, km=100.0, bearing=0.0, fraction=1.0)        # over the pole
@example(lat=38.9, lon=179.95, km=20.0, bearing=90.0, fraction=0.5)     # across the antimeridian
def test_the_bounding_box_contains_every_point_within_the_radius(lat, lon, km, bearing, fraction):
    point = _destination(lat, lon, bearing, km * fraction)
    assume(distance_km(lat, lon, *point) <= km)
    assert _inside(bounding_box(lat, lon, km), *point)


@settings(max_examples=100, deadline=None)
@given(lat=lats, lon=lons, km=radii)
@example(lat=60.0, lon=10.0, km=500.0)    # angle / cos(lat) would miss ~1 km at the widest point
@example(lat=89.9, lon=0.0, km=5.0)
@example(lat=-45.0, lon=-179.99, km=300.0)
def test_the_bounding_box_contains_the_whole_circle(lat, lon, km):
    box = bounding_box(lat, lon, km)
    for step in range(720):  # every half degree of bearing, just inside the radius
        point = _destination(lat, lon, step / 2, km * (1 - 1e-9))
        assert _inside(box, *point), (point, distance_km(lat, lon, *point))


def test_the_bounding_box_of_a_city_search_stays_small():
    min_lat, max_lat, min_lon, max_lon = bounding_box(*ZHONGSHAN_SQUARE, 10)
    assert 0.17 < max_lat - min_lat < 0.19   # 20 km north to south
    assert 0.22 < max_lon - min_lon < 0.25   # 20 km east to west at 39°N
