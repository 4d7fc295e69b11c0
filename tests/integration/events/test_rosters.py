"""Rosters over RPC, beside a real registry, on a real broker and both databases: the door's list
of an activity's registrations (``list_registrations``) and a worker's own (``my_registrations``)."""
from __future__ import annotations

import pytest
from nameko.exceptions import RemoteError

from .conftest import on


def activity(w, space, starts, ends, capacity, title="五月歌会·中山区专场"):
    return {"title": title, "kind": "performance", "org_id": w.zhongshan, "capacity": capacity,
            "bookings": [{"venue_id": w.hall["id"], "space_id": space, "starts_at": starts, "ends_at": ends}]}


def worker(wid, w):
    return {"id": wid, "name": f"职工{wid}", "org_id": w.port}


@pytest.fixture
def events(client):
    return lambda method, *args, tok=None: client.call("events", method, *args, token=tok)


def published(events, w, data):
    act = events("schedule_activity", data, tok=w.zs_admin)
    return events("publish_activity", act["id"], tok=w.zs_admin)


def every_page(events, tok, activity_id, **filters):
    items, cursor = [], None
    while True:
        page = events("list_registrations", activity_id, {**filters, **({"cursor": cursor} if cursor else {})},
                      tok=tok)
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def refused(call) -> str:
    with pytest.raises(RemoteError) as err:
        call()
    return err.value.exc_type


def test_an_organiser_pages_through_exactly_its_activitys_registrations_at_the_door(world, events):
    w = world
    act = published(events, w, activity(w, w.theatre, on(2, "10:00"), on(2, "12:00"), capacity=3))
    other = published(events, w, activity(w, w.theatre, on(3, "10:00"), on(3, "12:00"), capacity=3))
    for i in range(7):
        events("register", act["id"], worker(f"w{i}", w), tok=w.zs_admin)
    events("register", other["id"], worker("elsewhere", w), tok=w.zs_admin)
    assert events("cancel_registration", act["id"], "w1", tok=w.zs_admin)["promoted_worker_id"] == "w3"
    events("check_in", act["id"], "w0", tok=w.zs_admin)

    first = events("list_registrations", act["id"], {"limit": 3}, tok=w.zs_admin)
    events("register", act["id"], worker("late", w), tok=w.zs_admin)  # while the door pages: the waitlist's end
    rest = every_page(events, w.zs_admin, act["id"], limit=3, cursor=first["next_cursor"])
    items = first["items"] + rest
    assert [(i["worker_id"], i["status"], i["position"], i["checked_in"]) for i in items] == [
        ("w0", "confirmed", None, True), ("w2", "confirmed", None, False), ("w3", "confirmed", None, False),
        ("w4", "waitlisted", 1, False), ("w5", "waitlisted", 2, False), ("w6", "waitlisted", 3, False),
        ("late", "waitlisted", 4, False), ("w1", "cancelled", None, False)]
    assert len({i["id"] for i in items}) == 8 and {i["activity_id"] for i in items} == {act["id"]}
    door = items[0]
    assert door["checked_in_at"].endswith("+08:00") and door["registered_at"].endswith("+08:00")
    assert door["worker_name"] == "职工w0" and door["worker_org_id"] == w.port
    assert items[-1]["cancelled_at"] is not None
    # the federation (above the organiser) reads it too, in one page
    assert [i["id"] for i in every_page(events, w.fed, act["id"], limit=500)] == [i["id"] for i in items]

    ids = lambda **f: [i["worker_id"] for i in every_page(events, w.zs_admin, act["id"], **f)]  # noqa: E731
    assert ids(status="waitlisted") == ["w4", "w5", "w6", "late"]
    assert ids(status="cancelled") == ["w1"]
    assert ids(checked_in=True) == ["w0"]
    assert ids(status="confirmed", checked_in=False) == ["w2", "w3"]
    assert ids(status="confirmed", limit=1) == ["w0", "w2", "w3"]


def test_only_an_admin_of_the_organising_subtree_reads_the_door_list(world, events, token):
    w = world
    act = published(events, w, activity(w, w.theatre, on(2, "10:00"), on(2, "12:00"), capacity=3))
    events("register", act["id"], worker("w0", w), tok=w.zs_admin)
    for outsider in (w.xg_admin, w.port_admin, token("worker", w.port, sub="w0"), token("judge", w.city)):
        assert refused(lambda: events("list_registrations", act["id"], {}, tok=outsider)) == "Forbidden"
    assert refused(lambda: events("list_registrations", act["id"], {})) == "Unauthorized"
    assert refused(lambda: events("list_registrations", "00000000-0000-4000-8000-000000000000", {},
                                  tok=w.zs_admin)) == "NotFound"
    assert [i["worker_id"] for i in events("list_registrations", act["id"], tok=w.zs_admin)["items"]] == ["w0"]


def test_a_worker_sees_only_their_own_registrations_with_the_activity(world, events, token):
    w = world
    soon = published(events, w, activity(w, w.rehearsal, on(2, "10:00"), on(2, "12:00"), capacity=1,
                                         title="合唱排练"))
    later = published(events, w, activity(w, w.theatre, on(4, "10:00"), on(4, "12:00"), capacity=50,
                                          title="五月歌会"))
    dropped = published(events, w, activity(w, w.theatre, on(5, "10:00"), on(5, "12:00"), capacity=50,
                                            title="读书会"))
    me, neighbour = token("worker", w.port, sub="me"), token("worker", w.port, sub="neighbour")
    events("register", soon["id"], worker("neighbour", w), tok=neighbour)
    for act in (later, soon, dropped):
        events("register", act["id"], worker("me", w), tok=me)
    events("cancel_registration", dropped["id"], "me", tok=me)

    items, cursor = [], None
    while True:  # one a page: the cursor walks the list by the activity's start
        page = events("my_registrations", {"limit": 1, **({"cursor": cursor} if cursor else {})}, tok=me)
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [(i["activity"]["title"], i["status"], i["position"]) for i in items] == [
        ("合唱排练", "waitlisted", 1), ("五月歌会", "confirmed", None), ("读书会", "cancelled", None)]
    assert {i["worker_id"] for i in items} == {"me"}
    first = items[0]["activity"]
    assert first["id"] == soon["id"] and first["starts_at"] == soon["starts_at"] and first["status"] == "published"
    assert first["venues"] == [{"id": w.hall["id"], "name": w.hall["name"], "address": w.hall["address"]}]

    mine = lambda tok, **f: [i["activity_id"] for i in events("my_registrations", f, tok=tok)["items"]]  # noqa: E731
    assert mine(neighbour) == [soon["id"]]
    assert mine(me, status="confirmed") == [later["id"]]
    assert mine(me, starts_from=later["starts_at"]) == [later["id"], dropped["id"]]
    assert mine(me, starts_from=later["starts_at"], starts_before=dropped["starts_at"]) == [later["id"]]
    assert mine(token("worker", w.port, sub="nobody")) == []
    for not_a_worker in (w.zs_admin, w.fed, token("judge", w.city)):
        assert refused(lambda: events("my_registrations", {}, tok=not_a_worker)) == "Forbidden"
    assert refused(lambda: events("my_registrations", {})) == "Unauthorized"
