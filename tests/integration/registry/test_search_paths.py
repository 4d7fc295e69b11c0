"""``search_venues`` finds what the straightforward query finds, on both backends.

The search chooses its way to the venues (composite indexes, a subtree per organisation on
PostgreSQL, SQLite's trigram index, nearest first in growing rings: docs/PERFORMANCE.md); this
checks, for a table of seeded queries over a few hundred venues, that walking every page of it
gives exactly the venues, order and distances of the plain query it replaces (every filter as a
``WHERE``, ``ORDER BY name, id``; for ``near`` the bounding box, every distance, a sort).
"""
from __future__ import annotations

import random
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import exists, insert, or_, select
from sqlalchemy.orm import Session

from services.common.db import make_engine
from services.common.orgpath import in_subtree
from services.common.query import contains
from services.common.vocabulary import ART_FIELDS
from services.registry import domain
from services.registry.models import Org, Venue, VenueArtField, metadata
from services.registry.schemas import VenueSearch
from services.registry.usecases import documents, search
from services.registry.usecases.nearest import in_box
from services.registry.usecases.shared import active_designation

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
DISTRICTS = ["中山区", "西岗区", "长海县"]
WORDS = ["职工书屋", "Workers Hall", "workers CLUB", "文化宫", "100% Room", "Art_Space", "港湾"]
CLUSTERS = [(38.915, 121.645, 0.01), (38.95, 121.52, 0.05), (39.27, 122.59, 0.2), (-16.5, 179.995, 0.02)]


def _uid(rng) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _orgs(rng, root_name="大连市总工会"):
    def org(name, kind, parent, district=None):
        oid = _uid(rng)
        return {"id": oid, "name": name, "kind": kind, "parent_id": parent["id"] if parent else None,
                "path": (parent["path"] if parent else "/") + oid + "/", "district": district,
                "enterprise": None, "created_at": NOW}

    root = org(root_name, "city", None)
    out = [root]
    for d in DISTRICTS:
        fed = org(d + "总工会", "district", root, d)
        out.append(fed)
        out += [org(f"{d}基层工会{i}", "grassroots", fed, d) for i in range(3)]
    return out


def _load(engine, rng, orgs, n):
    venues, arts, designations = [], [], []
    for i in range(n):
        lat0, lon0, spread = rng.choice(CLUSTERS)
        owner = rng.choice(orgs)
        name = f"{owner['district'] or '大连'}{rng.choice(WORDS)}{rng.randint(1, 40)}"  # repeats: ties by id
        lon = lon0 + rng.gauss(0, spread)
        venues.append({
            "id": _uid(rng), "name": name, "type": rng.choice(domain.VENUE_TYPES), "org_id": owner["id"],
            "org_path": owner["path"], "district": owner["district"] or rng.choice(DISTRICTS),
            "address": f"大连市{rng.choice(WORDS)}路{rng.randint(1, 99)}号", "lat": round(lat0 + rng.gauss(0, spread), 6),
            "lon": round((lon + 180) % 360 - 180, 6), "opening_hours": {}, "facilities": [], "art_fields": [],
            "book_count": None, "status": rng.choice(domain.VENUE_STATUSES), "version": 1, "created_at": NOW,
            "updated_at": NOW})
        arts += [{"venue_id": venues[-1]["id"], "art_field": f} for f in rng.sample(ART_FIELDS, rng.randint(0, 3))]
        if rng.random() < 0.3:
            designations.append({"venue_id": venues[-1]["id"], "designation": rng.choice(domain.VENUE_DESIGNATIONS),
                                 "year": 2025, "source": "test", "granted_at": NOW,
                                 "revoked_at": NOW if rng.random() < 0.3 else None, "revoke_reason": None})
    t = metadata.tables
    with engine.begin() as conn:
        conn.execute(insert(t["orgs"]), orgs)
        conn.execute(insert(t["venues"]), venues)
        for table, rows in (("venue_art_fields", arts), ("venue_designations", designations)):
            if rows:
                conn.execute(insert(t[table]), rows)
    with Session(engine) as session:
        documents.refresh(session, [v["id"] for v in venues])
        session.commit()
    return venues


def _queries(rng, orgs, venues, count):
    """Seeded filters, one to three at a time, ``near`` in half of them."""
    out = []
    for _ in range(count):
        f = {}
        for key in rng.sample(["type", "district", "status", "org_id", "designation", "art_field", "text"],
                              rng.choice((1, 1, 2, 3))):
            f[key] = {"type": lambda: rng.choice(domain.VENUE_TYPES), "district": lambda: rng.choice(DISTRICTS),
                      "status": lambda: rng.choice(domain.VENUE_STATUSES), "org_id": lambda: rng.choice(orgs)["id"],
                      "designation": lambda: rng.choice(domain.VENUE_DESIGNATIONS),
                      "art_field": lambda: rng.choice(ART_FIELDS),
                      "text": lambda: rng.choice(WORDS + ["workers", "HALL", "书屋", "%", "_", "区", "没有"])}[key]()
        if rng.random() < 0.5:
            v = rng.choice(venues)
            f["near"] = {"lat": v["lat"] + rng.uniform(-0.01, 0.01), "lon": v["lon"],
                         "km": rng.choice((0.05, 0.5, 2, 5, 30, 500))}
        out.append(f)
    return out


def _reference(session, filters):
    """The plain query: every filter in WHERE; by name, or every distance in the box sorted."""
    cond = [getattr(Venue, k) == filters[k] for k in ("type", "district", "status") if k in filters]
    if "org_id" in filters:
        cond.append(in_subtree(Venue.org_path, session.get(Org, filters["org_id"]).path))
    if "designation" in filters:
        cond.append(active_designation(filters["designation"]))
    if "art_field" in filters:
        cond.append(exists().where(VenueArtField.venue_id == Venue.id, VenueArtField.art_field == filters["art_field"]))
    if "text" in filters:
        p = contains(filters["text"])
        cond.append(or_(Venue.name.ilike(p, escape="\\"), Venue.address.ilike(p, escape="\\")))
    if "near" not in filters:
        return [(i, None) for i in session.scalars(select(Venue.id).where(*cond).order_by(Venue.name, Venue.id))]
    n = filters["near"]
    rows = session.execute(select(Venue.id, Venue.lat, Venue.lon).where(*cond, *in_box(n["lat"], n["lon"], n["km"])))
    hits = sorted((round(domain.distance_km(n["lat"], n["lon"], la, lo), 6), i) for i, la, lo in rows)
    return [(i, round(d, 3)) for d, i in hits if d <= n["km"]]


def _walk(session, filters, limit):
    found, cursor = [], None
    while True:
        page = search.search_venues(session, VenueSearch().load({**filters, "limit": limit, "cursor": cursor}))
        found += [(v["id"], v.get("distance_km")) for v in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return found
        assert len(page["items"]) == limit


@pytest.fixture
def engine(database_url):
    e = make_engine(database_url)
    yield e
    e.dispose()


def test_every_page_of_every_query_is_what_the_plain_query_finds(engine, monkeypatch):
    rng = random.Random(11)
    orgs = _orgs(rng)
    venues = _load(engine, rng, orgs, 400)
    queries = _queries(rng, orgs, venues, 70) + [{"org_id": orgs[0]["id"]}, {"text": "职工书屋"}, {}]

    def check(queries):
        with Session(engine) as session:
            for i, filters in enumerate(queries):
                expected = _reference(session, filters)
                limit = (1, 3, 7, 50)[i % 4] if len(expected) < 60 else 25
                assert _walk(session, filters, limit) == expected, filters

    check(queries)
    monkeypatch.setattr(search, "FTS_FEW", 3)  # SQLite: the text found in name order, not by the index
    check([q for q in queries if "text" in q])
    monkeypatch.undo()
    other = _orgs(rng, "第二个根组织")  # a second root: the first root's subtree is no longer everything
    venues += _load(engine, rng, other, 50)
    check([{"org_id": orgs[0]["id"]}, {"org_id": other[0]["id"]}, {"org_id": other[1]["id"], "type": "club"}]
          + _queries(rng, orgs + other, venues, 20))


def test_text_search_sees_renames(engine):
    """SQLite's trigram index follows a venue's writes (its triggers): a renamed venue is found by
    its new name, no longer by its old one."""
    rng = random.Random(5)
    orgs = _orgs(rng)
    venue = _load(engine, rng, orgs, 3)[0]
    with Session(engine) as session:
        session.get(Venue, venue["id"]).name = "新名字工人文化宫"
        session.commit()
        names = lambda text: [v["id"] for v in search.search_venues(  # noqa: E731
            session, VenueSearch().load({"text": text}))["items"]]
        assert names("新名字工人文化") == [venue["id"]]
        assert venue["id"] not in names(venue["name"])
        session.delete(session.get(Venue, venue["id"]))
        session.commit()
        assert names("新名字工人文化") == []


def test_a_near_walk_while_venues_are_registered_lists_every_earlier_venue_once_in_order(tree, client, rabbit_config):
    """Pages of a ``near`` search, over RPC, while another caller registers venues all around (nearer
    and farther than the cursor): every venue that existed before the walk appears exactly once,
    in (distance, id) order, and nothing appears twice."""
    import eventlet

    from tests.conftest import RpcClient

    from .conftest import venue_data

    rng = random.Random(3)
    centre = (38.9146, 121.6430)

    def somewhere():
        return {"lat": round(centre[0] + rng.uniform(-0.03, 0.03), 6), "lon": round(centre[1] + rng.uniform(-0.04, 0.04), 6)}

    def register(c, i, tag):
        data = venue_data(tree.zhongshan, name=f"{tag} {i}", location=somewhere())
        return c.call("registry", "register_venue", data, token=tree.zs_admin)

    before = [register(client, i, "before") for i in range(40)]
    writer, added, walking = RpcClient(rabbit_config["AMQP_URI"]), [], [True]

    def keep_registering():
        while walking[0]:
            added.append(register(writer, len(added), "during")["id"])

    thread = eventlet.spawn(keep_registering)
    near = {"lat": centre[0], "lon": centre[1], "km": 4}
    seen, cursor = [], None
    try:
        while True:
            page = client.call("registry", "search_venues", {"near": near, "limit": 3, "cursor": cursor})
            seen += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
            eventlet.sleep(0.02)  # the writer registers between pages
    finally:
        walking[0] = False
        thread.wait()
        writer.close()
    ids = [v["id"] for v in seen]
    assert len(ids) == len(set(ids))
    assert added, "no venue was registered during the walk"
    expected = sorted((round(domain.distance_km(*centre, v["location"]["lat"], v["location"]["lon"]), 6), v["id"])
                      for v in before)
    expected = [i for d, i in expected if d <= near["km"]]
    assert [i for i in ids if i in set(expected)] == expected
    assert [v["distance_km"] for v in seen] == sorted(v["distance_km"] for v in seen)
