"""The two brands with their own workflow: the Mobile Lecture Hall 职工流动大讲堂 (order, confirm,
deliver, rate) and Culture Express 文化快车企业行 (a tour of ordered enterprise stops)."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import create_engine, func, select

from services.events.models import Tour

from .conftest import ALL_DAY, now_for, on, wait_for


def venue_input(name, org_id, district, spaces=(("报告厅", 120),), type_="enterprise_centre"):
    return {"name": name, "type": type_, "org_id": org_id, "district": district,
            "address": f"大连市{district}{name}", "location": {"lat": 38.9, "lon": 121.6},
            "spaces": [{"name": n, "capacity": c} for n, c in spaces], "opening_hours": ALL_DAY}


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(RemoteError) as err:
        call(*args, **kwargs)
    return err.value.exc_type


def count_rows(url, model):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(model))
    finally:
        engine.dispose()


def test_the_mobile_lecture_hall_from_catalogue_to_rating(world, client, token):
    w = world
    ev = lambda m, *a, tok=None: client.call("events", m, *a, token=tok)  # noqa: E731
    reg = lambda m, *a, tok=None: client.call("registry", m, *a, token=tok)  # noqa: E731
    brand = ev("create_brand", {"name": "职工流动大讲堂", "description": "订单自选、送课上门、免费授课"}, tok=w.fed)

    # The catalogue: the federation adds lectures; anyone lists them.
    spirit = {"topic": "劳模精神与工匠精神", "lecturer": {"id": "lecturer-li", "name": "李教授"},
              "duration_minutes": 90, "field": "general", "federation_cost": 800.00, "description": "大国工匠故事"}
    assert refused(ev, "add_lecture", spirit, tok=w.zs_admin) == "Forbidden"
    lecture = ev("add_lecture", spirit, tok=w.fed)
    assert (lecture["federation_cost"], lecture["unit_cost"], lecture["lecturer"]) == (
        "800.00", 0, {"id": "lecturer-li", "name": "李教授"})  # money: a decimal string, never a float
    calligraphy = ev("add_lecture", {"topic": "书法入门", "lecturer": {"id": "lecturer-wang", "name": "王老师"},
                                     "duration_minutes": 60, "field": "calligraphy", "federation_cost": 500},
                     tok=w.fed)
    assert {l["id"] for l in ev("list_lectures")["items"]} == {lecture["id"], calligraphy["id"]}
    assert [l["id"] for l in ev("list_lectures", {"field": "calligraphy"})["items"]] == [calligraphy["id"]]
    assert [l["id"] for l in ev("list_lectures", {"lecturer_id": "lecturer-li"})["items"]] == [lecture["id"]]
    assert [l["id"] for l in ev("list_lectures", {"text": "工匠"})["items"]] == [lecture["id"]]

    # Two grassroots unions order it: the port at its own activity centre, the shipyard at an address.
    centre = reg("register_venue", venue_input("大连港职工文化活动中心", w.port, "中山区"), tok=w.port_admin)
    shipyard = reg("register_org", {"name": "大连船舶重工集团工会", "kind": "grassroots", "parent_id": w.xigang,
                                    "enterprise": "大连船舶重工集团有限公司"}, tok=w.xg_admin)["id"]
    shipyard_admin = token("unit_admin", shipyard, sub="shipyard")
    wait_for(lambda: ev("get_venue_copy", centre["id"]), what="events to learn the centre")
    at_centre = {"venue_id": centre["id"], "space_id": centre["spaces"][0]["id"]}
    tomorrow = (datetime.now() + timedelta(days=1)).date().isoformat()
    order = ev("order_lecture", {"lecture_id": lecture["id"], "org_id": w.port, "site": at_centre,
                                 "preferred_dates": [tomorrow]}, tok=w.port_admin)
    assert (order["status"], order["site"], order["preferred_dates"]) == ("ordered", at_centre, [tomorrow])
    address = {"address": "大连市西岗区船坞路1号 职工食堂二楼"}
    other = wait_for(lambda: ev("order_lecture", {"lecture_id": lecture["id"], "org_id": shipyard, "site": address},
                                tok=shipyard_admin), what="events to learn the shipyard union")
    assert other["site"] == address
    # (once events knows the shipyard: before, it would answer NotFound for the union, not Forbidden)
    assert refused(ev, "order_lecture", {"lecture_id": lecture["id"], "org_id": shipyard,
                                         "site": {"address": "别人的地方"}}, tok=w.port_admin) == "Forbidden"

    # The federation confirms: a published lecture activity at the unit's site, with the lecturer.
    starts, ends = now_for(90)
    assert refused(ev, "confirm_lecture_order", order["id"], starts, tok=w.port_admin) == "Forbidden"
    confirmed = ev("confirm_lecture_order", order["id"], starts, tok=w.fed)
    assert confirmed["status"] == "confirmed"
    act = ev("get_activity", confirmed["activity_id"])
    assert (act["status"], act["kind"], act["lecturer_id"], act["brand_id"], act["title"]) == (
        "published", "lecture", "lecturer-li", brand["id"], "劳模精神与工匠精神")
    assert [(b["venue_id"], b["space_id"], b["starts_at"], b["ends_at"]) for b in act["bookings"]] == [
        (centre["id"], centre["spaces"][0]["id"], starts, ends)]
    assert (act["capacity"], act["audience"]) == (120, {"open": False, "org_id": w.port})
    assert refused(ev, "confirm_lecture_order", order["id"], starts, tok=w.fed) == "InvalidState"
    # The same lecturer half an hour later at the shipyard: two places at once.
    clash = (datetime.fromisoformat(starts) + timedelta(minutes=30)).isoformat()
    assert refused(ev, "confirm_lecture_order", other["id"], clash, tok=w.fed) == "Conflict"
    later = ev("confirm_lecture_order", other["id"], on(2, "14:00"), tok=w.fed)  # still ordered: it can be
    at_address = ev("get_activity", later["activity_id"])
    assert (at_address["address"], at_address["bookings"], at_address["capacity"]) == (address["address"], [], 100)
    assert at_address["audience"] == {"open": False, "org_id": shipyard}

    # The unit's members register; another unit's worker cannot.
    for i in range(3):
        reply = ev("register", act["id"], {"id": f"port-{i}", "name": f"港务职工{i}", "org_id": w.port},
                   tok=token("worker", w.port, sub=f"port-{i}"))
        assert reply == {"status": "confirmed", "position": None}
    assert refused(ev, "register", act["id"], {"id": "ship-0", "name": "造船职工", "org_id": shipyard},
                   tok=token("worker", shipyard, sub="ship-0")) == "Forbidden"

    # Delivered: the activity completes, the event tells who paid what.
    assert refused(ev, "rate_lecture", order["id"], 5, tok=w.port_admin) == "InvalidState"
    ev("start_activity", act["id"], tok=w.port_admin)
    ev("check_in", act["id"], "port-0", tok=w.port_admin)
    ev("check_in", act["id"], "port-1", tok=w.port_admin)
    done = ev("complete_activity", act["id"], tok=w.port_admin)
    assert done["attendance"] == {"confirmed": 3, "checked_in": 2, "rate": 0.6667}
    delivered = [e for e in ev("events_since", 0, 200)["items"] if e["type"] == "lecture_delivered"]
    assert [e["data"] for e in delivered] == [{
        "order_id": order["id"], "lecture_id": lecture["id"], "activity_id": act["id"], "org_id": w.port,
        "lecturer_id": "lecturer-li", "federation_cost": "800.00", "unit_cost": 0, "attendance": done["attendance"]}]

    # The unit rates it, once.
    assert refused(ev, "rate_lecture", order["id"], 5, tok=shipyard_admin) == "Forbidden"
    rated = ev("rate_lecture", order["id"], 5, "讲得生动，职工爱听", tok=w.port_admin)
    assert (rated["status"], rated["rating"], rated["comment"]) == ("delivered", 5, "讲得生动，职工爱听")
    assert refused(ev, "rate_lecture", order["id"], 4, tok=w.port_admin) == "Conflict"


def test_one_lecturer_confirmed_twice_at_once_is_confirmed_once(world, client, token):
    w = world
    ev = lambda m, *a, tok=None: client.call("events", m, *a, token=tok)  # noqa: E731
    lecture = ev("add_lecture", {"topic": "职工心理健康", "lecturer": {"id": "lecturer-zhao", "name": "赵医生"},
                                 "duration_minutes": 120, "federation_cost": 600}, tok=w.fed)
    orders = [ev("order_lecture", {"lecture_id": lecture["id"], "org_id": w.port,
                                   "site": {"address": f"大连港{n}号码头职工之家"}}, tok=w.port_admin)
              for n in (1, 2, 3)]
    proxy = client.proxy(w.fed).events.confirm_lecture_order
    pending = [proxy.call_async(o["id"], on(3, "09:00")) for o in orders]
    outcomes = []
    for reply in pending:
        try:
            outcomes.append(reply.result()["status"])
        except RemoteError as err:
            outcomes.append(err.exc_type)
    assert sorted(outcomes) == ["Conflict", "Conflict", "confirmed"]
    scheduled = [a for a in ev("search_activities", {"kind": "lecture"})["items"]]
    assert len(scheduled) == 1 and scheduled[0]["lecturer_id"] == "lecturer-zhao"


def test_a_culture_express_tour_schedules_its_stops_in_order_or_nothing(world, platform, client):
    w = world
    ev = lambda m, *a, tok=None: client.call("events", m, *a, token=tok)  # noqa: E731
    reg = lambda m, *a, tok=None: client.call("registry", m, *a, token=tok)  # noqa: E731
    enterprises = [(w.port, "中山区")]
    for name, parent, district in (("大连机车车辆有限公司工会", w.zhongshan, "中山区"),
                                   ("大连化工集团有限公司工会", w.xigang, "西岗区")):
        enterprises.append((reg("register_org", {"name": name, "kind": "grassroots", "parent_id": parent,
                                                 "enterprise": name.removesuffix("工会")}, tok=w.fed)["id"], district))
    venues = [reg("register_venue", venue_input(f"企业文化活动中心{i}", org, district), tok=w.fed)
              for i, (org, district) in enumerate(enterprises)]
    for v in venues:
        wait_for(lambda: ev("get_venue_copy", v["id"]), what="events to learn the enterprise centres")
    brand = ev("create_brand", {"name": "文化快车企业行"}, tok=w.fed)

    def stops(day, times):
        return [{"org_id": org, "venue_id": v["id"], "space_id": v["spaces"][0]["id"],
                 "starts_at": on(day, s), "ends_at": on(day, e)}
                for (org, _), v, (s, e) in zip(enterprises, venues, times)]

    plan = stops(3, [("09:00", "11:00"), ("14:00", "16:00"), ("19:00", "21:00")])
    tour_input = {"title": "文化快车企业行·冬季巡演", "brand_id": brand["id"], "stops": plan}
    # A district admin cannot send the tour into another district.
    with pytest.raises(RemoteError) as err:
        ev("create_tour", tour_input, tok=w.zs_admin)
    assert err.value.exc_type == "Forbidden"
    tour = ev("create_tour", tour_input, tok=w.fed)
    assert [s["tour"] for s in tour["stops"]] == [{"id": tour["id"], "position": p} for p in (1, 2, 3)]
    assert [(s["org_id"], s["bookings"][0]["venue_id"], s["starts_at"]) for s in tour["stops"]] == [
        (st["org_id"], st["venue_id"], st["starts_at"]) for st in plan]
    assert all(s["brand_id"] == brand["id"] and s["status"] == "draft" and s["capacity"] == 120
               for s in tour["stops"])
    listed = ev("search_activities", {"tour_id": tour["id"]}, tok=w.fed)["items"]
    assert [(a["id"], a["tour"]["position"]) for a in listed] == [(s["id"], i) for i, s in enumerate(tour["stops"], 1)]

    # Stops out of order: refused before anything is written.
    with pytest.raises(RemoteError) as err:
        ev("create_tour", {**tour_input, "stops": list(reversed(stops(4, [("09:00", "10:00"), ("11:00", "12:00"),
                                                                          ("13:00", "14:00")])))}, tok=w.fed)
    assert err.value.exc_type == "ValidationFailed"
    # The second stop's centre is booked that morning: the whole tour fails, no stop is scheduled.
    ev("schedule_activity", {"title": "机车厂职工运动会颁奖", "kind": "competition", "org_id": enterprises[1][0],
                             "capacity": 50, "bookings": [{"venue_id": venues[1]["id"],
                                                           "space_id": venues[1]["spaces"][0]["id"],
                                                           "starts_at": on(5, "10:00"), "ends_at": on(5, "12:00")}]},
       tok=w.zs_admin)
    scheduled_before = ev("search_activities", {"limit": 100}, tok=w.fed)["items"]
    with pytest.raises(RemoteError) as err:
        ev("create_tour", {**tour_input, "title": "文化快车·加演",
                           "stops": stops(5, [("08:00", "09:30"), ("11:00", "12:30"), ("15:00", "16:00")])},
           tok=w.fed)
    assert err.value.exc_type == "Conflict"
    assert ev("search_activities", {"limit": 100}, tok=w.fed)["items"] == scheduled_before
    assert len(scheduled_before) == 4
    assert count_rows(platform.events_url, Tour) == 1
