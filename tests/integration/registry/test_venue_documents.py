"""The stored venue documents (services/registry/usecases/documents.py) never drift from what the
ORM path answers, after every kind of venue write, on both databases; the migration that made them
builds them for the venues already there; over RPC a read right after a write returns the write."""
from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from alembic import command
from services.common.auth import Caller
from services.common.db import make_engine
from services.common.envelope import new_envelope
from services.common.migrate import alembic_config, upgrade
from services.registry import schemas as s
from services.registry.models import Venue, VenueDocument
from services.registry.usecases import awards, documents, orgs, venues

from .conftest import venue_data

FOUNDER = Caller(sub="founder", name="founder", roles=("federation_admin",), org_id=None)


def world(engine):
    """A city and a district, a district hall and a book room, written through the use cases."""
    with Session(engine) as session, session.begin():
        city = orgs.register_org(session, FOUNDER, s.OrgInput().load({"name": "市总", "kind": "city", "parent_id": None}))
        fed = Caller(sub="fed", name="fed", roles=("federation_admin",), org_id=city.id)
        district = orgs.register_org(session, fed, s.OrgInput().load(
            {"name": "中山区总工会", "kind": "district", "parent_id": city.id, "district": "中山区"}))
        hall = venues.register_venue(session, fed, s.VenueInput().load(venue_data(district.id)))
        room = venues.register_venue(session, fed, s.VenueInput().load(venue_data(
            district.id, name="中山区职工书屋1", type="book_room", book_count=1200, spaces=[{"name": "阅览室", "capacity": 30}])))
        return fed, hall.id, room.id


def orm_answer(engine, venue_id):
    with Session(engine) as session:
        return documents.VENUE_OUT.dump(session.get(Venue, venue_id))


def assert_no_drift(engine):
    """Every venue's stored document is its fresh ORM answer, and names the venue's version."""
    with Session(engine) as session:
        stored = {d.venue_id: (d.version, d.document) for d in session.scalars(select(VenueDocument))}
        ids = session.scalars(select(Venue.id)).all()
    assert sorted(stored) == sorted(ids)
    for venue_id in ids:
        want = orm_answer(engine, venue_id)
        assert stored[venue_id] == (want["version"], want), venue_id


def write(engine, fn, *args, **kwargs):
    with Session(engine) as session, session.begin():
        return fn(session, *args, **kwargs)


def test_every_kind_of_venue_write_keeps_the_stored_document_equal_to_the_orm_answer(migrated_database):
    engine = make_engine(migrated_database("registry"))
    try:
        fed, hall, room = world(engine)
        assert_no_drift(engine)
        spaces = orm_answer(engine, hall)["spaces"]
        changes = [
            {"name": "中山区工人文化宫", "address": "大连市中山区解放路1号", "location": {"lat": 38.93, "lon": 121.66},
             "facilities": ["钢琴"], "art_fields": ["literature"],
             "opening_hours": {"sat": [["10:00", "18:00"]]}},
            # a space renamed, one added
            {"spaces": [{"id": spaces[0]["id"], "name": "小剧场", "capacity": 300},
                        {"id": spaces[1]["id"], "name": "排练厅", "capacity": 60}, {"name": "书画室", "capacity": 20}]},
            # two spaces swap names and order, the third removed
            {"spaces": [{"id": spaces[1]["id"], "name": "小剧场", "capacity": 61},
                        {"id": spaces[0]["id"], "name": "排练厅", "capacity": 300}]},
            {"spaces": [], "art_fields": [], "facilities": []},
        ]
        for change in changes:
            write(engine, venues.update_venue, fed, hall, s.VenueChanges().load(change))
            assert_no_drift(engine)
        write(engine, venues.update_venue, fed, room, s.VenueChanges().load({"book_count": 5000}))
        assert_no_drift(engine)
        write(engine, venues.designate_venue, hall, "featured_base", 2025, source="rpc:fed", caller=fed)
        assert_no_drift(engine)
        award = new_envelope("awards", "award_granted", hall, {
            "programme": "demonstration_base", "year": 2026, "nominee": {"kind": "venue", "ref_id": hall}})
        write(engine, awards.apply_award, award)
        write(engine, awards.apply_award, award)  # replayed: nothing changes
        assert_no_drift(engine)
        assert [d["designation"] for d in orm_answer(engine, hall)["designations"]] == ["featured_base", "demonstration_base"]
        write(engine, venues.revoke_designation, fed, hall, "featured_base", "评估未通过")
        assert_no_drift(engine)
        for status in ("suspended", "open", "closed"):
            write(engine, venues.set_venue_status, fed, hall, status, "检修")
            assert_no_drift(engine)
        assert orm_answer(engine, hall)["version"] == 11  # registered, then ten changes
    finally:
        engine.dispose()


def test_a_write_rolled_back_leaves_the_document_as_it_was(migrated_database):
    engine = make_engine(migrated_database("registry"))
    try:
        fed, hall, _ = world(engine)
        before = orm_answer(engine, hall)
        with Session(engine) as session:
            venues.update_venue(session, fed, hall, s.VenueChanges().load({"name": "不会保存"}))
            session.rollback()
        assert_no_drift(engine)
        assert orm_answer(engine, hall) == before
    finally:
        engine.dispose()


def test_the_migration_builds_a_document_for_every_venue_already_registered(migrated_database):
    url = migrated_database("registry")
    engine = make_engine(url)
    try:
        fed, hall, _ = world(engine)
        write(engine, venues.designate_venue, hall, "featured_base", 2025, source="rpc:fed", caller=fed)
        write(engine, venues.revoke_designation, fed, hall, "featured_base", "评估未通过")
        command.downgrade(alembic_config("registry", url), "0005")  # the table goes, with its documents
        with engine.connect() as conn:
            assert "venue_documents" not in {r[0] for r in conn.execute(text(
                "SELECT table_name FROM information_schema.tables" if engine.dialect.name == "postgresql"
                else "SELECT name FROM sqlite_master WHERE type = 'table'"))}
        engine.dispose()
        upgrade("registry", url)
        assert_no_drift(engine)
    finally:
        engine.dispose()


def test_get_venue_right_after_each_write_returns_that_write(tree, client):
    call = lambda method, *a: client.call("registry", method, *a, token=tree.fed)  # noqa: E731
    venue = call("register_venue", venue_data(tree.zhongshan))
    assert call("get_venue", venue["id"]) == venue
    for n in range(5):
        updated = call("update_venue", venue["id"], {"name": f"中山区工人文化馆{n}", "spaces": [
            {"id": venue["spaces"][0]["id"], "name": f"大剧场{n}", "capacity": 800 + n}]})
        assert call("get_venue", venue["id"]) == updated
        assert updated["name"] == f"中山区工人文化馆{n}" and updated["spaces"][0]["name"] == f"大剧场{n}"
        page = call("search_venues", {"district": "中山区"})
        assert page["items"] == [updated]
    designated = call("designate_venue", venue["id"], "featured_base", 2025)
    assert call("get_venue", venue["id"]) == designated
    revoked = call("revoke_designation", venue["id"], "featured_base", "评估未通过")
    assert call("get_venue", venue["id"]) == revoked and revoked["designations"][0]["active"] is False
    suspended = call("set_venue_status", venue["id"], "suspended", "检修")
    assert call("get_venue", venue["id"]) == suspended
    near = call("search_venues", {"near": {"lat": 38.921, "lon": 121.645, "km": 1}})["items"]
    assert [{k: v for k, v in item.items() if k != "distance_km"} for item in near] == [suspended]
