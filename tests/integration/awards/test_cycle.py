"""A cycle with all four services running: eligibility from what registry and events published,
quotas under parallel nominations, and awards taking effect in registry and talent."""
from __future__ import annotations

import pytest
from nameko.exceptions import RemoteError

from .conftest import cycle_input, nomination, wait_for

PARALLEL = 20


@pytest.fixture
def replicas(platform, container_factory, rabbit_config, backend):
    """Two awards replicas on one PostgreSQL database (one on SQLite: see events' concurrency tests)."""
    from services.awards.service import Service as Awards
    from tests.conftest import config_for

    if backend == "postgres":
        container_factory(Awards, config_for("awards", rabbit_config["AMQP_URI"], platform.awards_url)).start()


def test_the_quota_holds_exactly_under_parallel_nominations(world, client, replicas):
    w = world
    cycle = client.call("awards", "open_cycle", cycle_input("golden_ribbon", ("outstanding_work",), quota=3),
                        token=w.fed)
    method = client.proxy(w.zs_admin).awards.nominate
    pending = [method.call_async(cycle["id"], {**nomination(w, None, kind="work", category="outstanding_work"),
                                               "nominee": {"kind": "work", "name": f"作品{i}"}})
               for i in range(PARALLEL)]
    outcomes = []
    for reply in pending:
        try:
            outcomes.append(reply.result()["id"])
        except RemoteError as exc:
            outcomes.append(exc.exc_type)
            assert exc.exc_type != "Conflict" or "quota of 3" in str(exc.value)
    assert sum(o == "Conflict" for o in outcomes) == PARALLEL - 3, outcomes
    listed = client.call("awards", "list_nominations", cycle["id"], token=w.fed)["items"]
    assert len(listed) == 3
    # Another organisation's quota is its own.
    assert client.call("awards", "nominate", cycle["id"], {
        **nomination(w, None, kind="work", category="outstanding_work", by=w.xigang),
        "nominee": {"kind": "work", "name": "西岗作品"}}, token=w.xg_admin)["status"] == "submitted"


def test_a_demonstration_base_is_eligible_from_its_sixth_completed_activity_and_granted(world, client, token):
    w = world
    ev = lambda m, *a, tok=None: client.call("events", m, *a, token=tok)  # noqa: E731
    aw = lambda m, *a, tok=None: client.call("awards", m, *a, token=tok)  # noqa: E731
    from tests.integration.events.conftest import now_for

    starts, ends = now_for(30)

    def hold_activity(space):
        act = ev("schedule_activity", {"title": "职工读书会", "kind": "exchange", "org_id": w.zhongshan, "capacity": 10,
                                       "bookings": [{"venue_id": w.hall["id"], "space_id": space, "starts_at": starts,
                                                     "ends_at": ends}]}, tok=w.zs_admin)
        for step in ("publish_activity", "start_activity", "complete_activity"):
            ev(step, act["id"], tok=w.zs_admin)

    spaces = [s["id"] for s in w.hall["spaces"]]
    for space in spaces[:5]:
        hold_activity(space)
    cycle = aw("open_cycle", cycle_input(closes_in_s=25), tok=w.fed)
    nominated = aw("nominate", cycle["id"], nomination(w, w.hall["id"]), tok=w.zs_admin)
    assert not nominated["eligible"]
    ruling = aw("eligibility", nominated["id"], tok=w.zs_admin)
    assert [r["rule"] for r in ruling["reasons"] if not r["passed"]] == ["activities"]
    hold_activity(spaces[5])
    wait_for(lambda: aw("eligibility", nominated["id"], tok=w.zs_admin)["eligible"], timeout=15,
             what="the sixth completed activity to reach awards")

    aw("set_reviewers", cycle["id"], [{"reviewer_id": "r-xg", "name": "西岗评委", "org_id": w.xigang},
                                      {"reviewer_id": "r-port", "name": "港务评委", "org_id": w.port}], tok=w.fed)
    with pytest.raises(RemoteError) as err:  # from the nominating organisation's subtree: recused
        aw("submit_review", nominated["id"], 90, tok=token("judge", None, sub="r-port"))
    assert err.value.exc_type == "Forbidden"
    aw("submit_review", nominated["id"], 88, "示范作用突出", tok=token("judge", None, sub="r-xg"))
    wait_for(lambda: _shortlisted(aw, cycle["id"], w.fed), timeout=40, what="the nominations to close")
    notice = aw("open_public_notice", cycle["id"], 5, _ago(days=5, seconds=-8), tok=w.fed)
    assert notice["status"] == "notice"
    objection = aw("file_objection", nominated["id"], "活动场次存疑", tok=token("worker", w.port, sub="w1"))
    with pytest.raises(RemoteError) as err:
        aw("finalize", cycle["id"], tok=w.fed)
    assert err.value.exc_type == "InvalidState"
    aw("resolve_objection", objection["id"], False, "经核实，六场活动属实", tok=w.fed)
    wait_for(lambda: _finalized(aw, cycle["id"], w.fed), timeout=20, what="the notice to end")
    assert [n["id"] for n in aw("results", cycle["id"])["items"]] == [nominated["id"]]
    venue = wait_for(lambda: (v := client.call("registry", "get_venue", w.hall["id"])) and
                     any(d["designation"] == "demonstration_base" and d["active"] for d in v["designations"]) and v,
                     what="registry to designate the demonstration base")
    assert venue["id"] == w.hall["id"]


def _ago(days=0, seconds=0) -> str:
    from datetime import datetime, timedelta, timezone
    return (datetime.now(timezone.utc) - timedelta(days=days, seconds=seconds)).isoformat()


def _shortlisted(aw, cycle_id, fed):
    try:
        return aw("shortlist", cycle_id, 3, tok=fed)
    except RemoteError as exc:
        if exc.exc_type != "InvalidState":
            raise
        return None


def _finalized(aw, cycle_id, fed):
    try:
        return aw("finalize", cycle_id, tok=fed)
    except RemoteError as exc:
        if exc.exc_type != "InvalidState":
            raise
        return None
