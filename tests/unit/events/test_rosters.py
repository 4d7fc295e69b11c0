"""The rosters (``list_registrations``, ``my_registrations``) on an in-memory SQLite session."""
from __future__ import annotations

import pytest

from services.common.auth import Caller
from services.common.errors import Forbidden, NotFound, ValidationFailed
from services.events import schemas
from services.events.usecases import registrations, rosters

from .test_usecases import XG, ZS, activities, activity_input, booking, published, session, worker  # noqa: F401

ME = Caller(sub="w1", name="w1", roles=("worker",), org_id="zs-1")


def roster(session, activity_id, caller=ZS, **filters):  # noqa: F811 - the fixture's name
    return rosters.list_registrations(session, caller, activity_id, schemas.RosterFilters().load(filters))


def mine(session, caller=ME, **filters):  # noqa: F811
    return rosters.my_registrations(session, caller, schemas.MyRegistrationFilters().load(filters))


def every_page(fetch, cursor=None, **filters):
    items = []
    while True:
        page = fetch(**filters, **({"cursor": cursor} if cursor else {}))
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_the_door_list_is_confirmed_by_arrival_then_the_waitlist_by_position_then_cancelled(session):  # noqa: F811
    activity = published(session)
    for i in range(6):
        registrations.register(session, ZS, activity.id, worker(f"w{i}"))
    registrations.cancel_registration(session, ZS, activity.id, "w1")  # w3 is promoted
    registrations.check_in(session, ZS, activity.id, "w0")
    items = roster(session, activity.id)["items"]
    assert [(i["worker_id"], i["status"], i["position"], i["checked_in"]) for i in items] == [
        ("w0", "confirmed", None, True), ("w2", "confirmed", None, False), ("w3", "confirmed", None, False),
        ("w4", "waitlisted", 1, False), ("w5", "waitlisted", 2, False), ("w1", "cancelled", None, False)]
    assert items[0]["checked_in_at"] is not None and items[1]["checked_in_at"] is None
    assert items[0]["registered_at"].endswith("+08:00") and items[0]["worker_name"] == "w0"


def test_the_door_list_pages_without_repeats_or_gaps_while_workers_register(session):  # noqa: F811
    activity = published(session, capacity=3)
    for i in range(7):
        registrations.register(session, ZS, activity.id, worker(f"w{i}"))
    first = roster(session, activity.id, limit=2)
    registrations.register(session, ZS, activity.id, worker("late"))  # joins the end of the waitlist
    rest = every_page(lambda **f: roster(session, activity.id, **f), limit=2, cursor=first["next_cursor"])
    seen = [i["worker_id"] for i in first["items"] + rest]
    assert seen == [f"w{i}" for i in range(7)] + ["late"]
    assert [i["position"] for i in first["items"] + rest][3:] == [1, 2, 3, 4, 5]


def test_the_door_list_filters_by_status_and_check_in(session):  # noqa: F811
    activity = published(session, capacity=2)
    for i in range(3):
        registrations.register(session, ZS, activity.id, worker(f"w{i}"))
    registrations.check_in(session, ZS, activity.id, "w1")
    ids = lambda **f: [i["worker_id"] for i in roster(session, activity.id, **f)["items"]]  # noqa: E731
    assert ids(status="waitlisted") == ["w2"]
    assert ids(checked_in=True) == ["w1"]
    assert ids(status="confirmed", checked_in=False) == ["w0"]


def test_only_the_organising_subtree_reads_the_door_list(session):  # noqa: F811
    activity = published(session)
    with pytest.raises(Forbidden):
        roster(session, activity.id, caller=XG)
    with pytest.raises(NotFound):
        roster(session, "no-such-activity")


def test_a_cursor_is_for_its_own_activity_and_filters(session):  # noqa: F811
    one, two = published(session), published(session, bookings=[booking(start=72)])
    for i in range(3):
        registrations.register(session, ZS, one.id, worker(f"w{i}"))
    cursor = roster(session, one.id, limit=1)["next_cursor"]
    for activity_id, filters in [(two.id, {}), (one.id, {"status": "confirmed"})]:
        with pytest.raises(ValidationFailed):
            roster(session, activity_id, limit=1, cursor=cursor, **filters)


def test_a_worker_sees_only_their_own_registrations_by_start(session):  # noqa: F811
    later_one = published(session, title="读书会", bookings=[booking(start=72)])
    sooner = published(session, title="五月歌会", capacity=1)
    registrations.register(session, ZS, sooner.id, worker("w0"))
    for activity in (later_one, sooner):
        registrations.register(session, ZS, activity.id, worker("w1"))
    registrations.register(session, ZS, later_one.id, worker("w2"))
    items = every_page(lambda **f: mine(session, **f), limit=1)
    assert [(i["activity"]["title"], i["status"], i["position"]) for i in items] == [
        ("五月歌会", "waitlisted", 1), ("读书会", "confirmed", None)]
    assert {i["worker_id"] for i in items} == {"w1"}
    assert items[0]["activity"]["venues"] == [{"id": "hall", "name": "hall", "address": "人民路1号"}]
    assert items[0]["activity"]["starts_at"].endswith("+08:00") and items[0]["activity"]["status"] == "published"


def test_a_worker_filters_their_list_by_status_and_start(session):  # noqa: F811
    sooner, later_one = published(session), published(session, bookings=[booking(start=72)])
    for activity in (sooner, later_one):
        registrations.register(session, ZS, activity.id, worker("w1"))
    registrations.cancel_registration(session, ZS, sooner.id, "w1")
    assert [i["activity_id"] for i in mine(session, status="cancelled")["items"]] == [sooner.id]
    assert [i["activity_id"] for i in mine(session, starts_from=later_one.starts_at)["items"]] == [later_one.id]
    assert [i["activity_id"] for i in mine(session, starts_before=later_one.starts_at)["items"]] == [sooner.id]
