"""A campaign driven over RPC as the admin UIs and judges drive it, with registry, events and
talent running: organisations learned from registry events, a showcase scheduled (or refused) by
events through events, an award raising a tier."""
from __future__ import annotations

import urllib.request
import uuid

import pytest
from kombu import Connection
from nameko.exceptions import RemoteError

from services.common.envelope import new_envelope
from services.common.outbox import event_exchange

from .conftest import campaign_input, on, wait_for


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(RemoteError) as err:
        call(*args, **kwargs)
    return err.value.exc_type


def test_a_campaign_from_nomination_to_the_pool(world, client, token):
    w = world
    t = lambda m, *a, tok: client.call("talent", m, *a, token=tok)  # noqa: E731
    campaign = t("open_campaign", campaign_input(), tok=w.fed)
    assert [r["number"] for r in campaign["rounds"]] == [1, 2]
    assert refused(t, "open_campaign", campaign_input(), tok=w.zs_admin) == "Forbidden"

    # The three channels.
    worker = token("worker", w.port, sub="w-self")
    people = [
        t("nominate", campaign["id"], {"channel": "recommendation", "field": "music", "recommended_by_org_id": w.port,
                                       "person": {"worker_id": "w-rec", "name": "王丽华", "org_id": w.port}},
          tok=w.zs_admin),
        t("nominate", campaign["id"], {"channel": "self", "field": "music",
                                       "person": {"worker_id": "w-self", "name": "张建国", "org_id": w.port}},
          tok=worker),
        t("nominate", campaign["id"], {"channel": "audition", "field": "music",
                                       "person": {"worker_id": "w-aud", "name": "李秀英", "org_id": w.bus}},
          tok=w.xg_admin),
    ]
    assert refused(t, "nominate", campaign["id"], {"channel": "self", "field": "music", "person": {
        "worker_id": "someone-else", "name": "冒名", "org_id": w.port}}, tok=worker) == "Forbidden"
    assert refused(t, "nominate", campaign["id"], {"channel": "audition", "field": "music", "person": {
        "worker_id": "w-x", "name": "越权", "org_id": w.bus}}, tok=w.zs_admin) == "Forbidden"
    assert refused(t, "nominate", campaign["id"], {"channel": "audition", "field": "music", "person": {
        "worker_id": "w-rec", "name": "王丽华", "org_id": w.port}}, tok=w.fed) == "Conflict"
    assert refused(t, "screen", people[2]["id"], True, tok=w.zs_admin) == "Forbidden"
    for person in people:
        t("screen", person["id"], True, tok=w.fed)

    # Two rounds, five judges; a judge from the bus company's union is recused for its candidate.
    judges = [{"judge_id": j, "name": j, "org_id": w.bus if j == "judge-0" else None} for j in w.judges]
    for number in (1, 2):
        t("set_panel", campaign["id"], number, judges, tok=w.fed)
    assert refused(t, "submit_score", campaign["id"], 1, people[2]["id"],
                   {"technique": 99, "expression": 99, "originality": 99}, tok=w.judges["judge-0"]) == "Forbidden"
    marks = {people[0]["id"]: 90, people[1]["id"]: 80, people[2]["id"]: 70}
    for judge, tok in w.judges.items():
        for candidate_id, mark in marks.items():
            if judge == "judge-0" and candidate_id == people[2]["id"]:
                continue
            scores = {"technique": mark, "expression": mark, "originality": mark}
            t("submit_score", campaign["id"], 1, candidate_id, scores, tok=tok)
    assert refused(t, "submit_score", campaign["id"], 1, people[0]["id"], {"technique": 1}, tok=w.judges["judge-1"]) \
        == "ValidationFailed"
    assert t("close_round", campaign["id"], 1, tok=w.fed)["advanced"] == 2
    assert refused(t, "close_round", campaign["id"], 1, tok=w.fed) == "InvalidState"
    ranking = t("ranking", campaign["id"], 1, tok=w.fed)["items"]
    assert [(r["candidate_id"], r["rank"], r["advanced"]) for r in ranking] == [
        (people[0]["id"], 1, True), (people[1]["id"], 2, True), (people[2]["id"], 3, False)]
    for judge, tok in w.judges.items():
        for candidate_id in (people[0]["id"], people[1]["id"]):
            t("submit_score", campaign["id"], 2, candidate_id, {"technique": 85, "expression": 85, "originality": 85},
              tok=tok)
    t("close_round", campaign["id"], 2, tok=w.fed)
    finalists = [people[0]["id"], people[1]["id"]]

    # The showcase, through events only; the same space at the same time again is refused.
    request = {"venue_id": w.hall["id"], "space_id": w.theatre, "starts_at": on(20, "19:00"),
               "ends_at": on(20, "21:00"), "candidate_ids": finalists}
    asked = t("request_showcase", campaign["id"], request, tok=w.fed)
    assert asked["status"] == "requested"
    shown = wait_for(lambda: t("get_candidate", finalists[0], tok=w.fed)["showcase"]["status"] == "scheduled" and
                     t("get_candidate", finalists[0], tok=w.fed), timeout=20, what="events to schedule the showcase")
    activity = client.call("events", "get_activity", shown["showcase"]["activity_id"])
    assert (activity["kind"], activity["status"]) == ("showcase", "published")
    again = t("request_showcase", campaign["id"], request, tok=w.fed)
    refusal = wait_for(lambda: (c := t("get_candidate", finalists[1], tok=w.fed))["showcase"]["showcase_id"] ==
                       again["showcase_id"] and c["showcase"]["status"] == "refused" and c, timeout=20,
                       what="events to refuse the second showcase")
    assert "booked" in refusal["showcase"]["reason"]

    # The pool: finalists only; an award raises the tier.
    assert refused(t, "admit_to_pool", people[2]["id"], "backbone", tok=w.fed) == "InvalidState"
    talent = t("admit_to_pool", finalists[0], "backbone", {"achievements": ["决赛第一"], "volunteer": True}, tok=w.fed)
    stages = [s["stage"] for s in t("get_candidate", finalists[0], tok=w.fed)["stages"]]
    assert stages[:4] == ["nominated", "screened_in", "advanced", "advanced"]
    assert stages[-1] == "admitted" and "showcase_scheduled" in stages
    award = new_envelope("awards", "award_granted", str(uuid.uuid4()), {
        "programme": "golden_ribbon", "category": "outstanding_individual", "year": 2026,
        "nominee": {"kind": "talent", "ref_id": talent["id"], "name": "王丽华"}})
    award["seq"] = 1
    with Connection(client.config["AMQP_URI"]) as conn:
        conn.Producer().publish(award, exchange=event_exchange("awards"), routing_key="award_granted",
                                serializer="json", declare=[event_exchange("awards")])
    wait_for(lambda: t("get_talent", talent["id"], tok=w.fed)["tier"] == "top_talent", what="the award's tier")
    found = t("search_pool", {"tier": "top_talent"}, tok=worker)["items"]
    assert [x["id"] for x in found] == [talent["id"]]


def test_the_gauges_count_candidates_by_stage_and_the_pool_by_tier(world, client, platform):
    w = world
    t = lambda m, *a, tok: client.call("talent", m, *a, token=tok)  # noqa: E731
    campaign = t("open_campaign", campaign_input(rounds=1), tok=w.fed)
    people = [t("nominate", campaign["id"], {"channel": "audition", "field": "music", "person": {
        "worker_id": f"g{i}", "name": f"职工{i}", "org_id": w.port}}, tok=w.fed) for i in range(3)]
    t("screen", people[0]["id"], False, "非会员", tok=w.fed)
    port = next(d for d in platform.talent.extensions if type(d).__name__ == "MetricsServer").port
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    assert f'culture_talent_candidates{{campaign_id="{campaign["id"]}",status="nominated"}} 2.0' in text
    assert f'culture_talent_candidates{{campaign_id="{campaign["id"]}",status="screened_out"}} 1.0' in text
