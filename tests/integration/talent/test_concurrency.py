"""Judges and admins at once, on PostgreSQL with two talent replicas on one database (see
tests/integration/events/test_concurrency.py for why SQLite runs one replica): two closes of one
round, one closes and the other is refused; one judge's parallel submissions for one candidate
leave one score."""
from __future__ import annotations

import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import select

from services.talent.models import Score
from services.talent.service import Service as Talent
from tests.conftest import config_for
from tests.integration.events.test_cross_service import query

from .conftest import campaign_input

SCORES = {"technique": 80, "expression": 70, "originality": 60}


@pytest.fixture
def replicas(platform, container_factory, rabbit_config, backend):
    containers = [platform.talent]
    if backend == "postgres":
        second = container_factory(Talent, config_for("talent", rabbit_config["AMQP_URI"], platform.talent_url))
        second.start()
        containers.append(second)
    return containers


def ready_round(world, client):
    w = world
    t = lambda m, *a, tok: client.call("talent", m, *a, token=tok)  # noqa: E731
    campaign = t("open_campaign", campaign_input(rounds=1), tok=w.fed)
    people = [t("nominate", campaign["id"], {"channel": "audition", "field": "music", "person": {
        "worker_id": f"w{i}", "name": f"职工{i}", "org_id": w.port}}, tok=w.fed) for i in range(3)]
    for person in people:
        t("screen", person["id"], True, tok=w.fed)
    t("set_panel", campaign["id"], 1, [{"judge_id": j, "name": j} for j in w.judges], tok=w.fed)
    return campaign, people


def outcomes(method, argument_lists):
    """Every call sent before any reply is awaited; each reply, or its error type."""
    pending = [method.call_async(*args) for args in argument_lists]
    results = []
    for reply in pending:
        try:
            results.append(reply.result())
        except RemoteError as exc:
            results.append(exc.exc_type)
    return results


def test_two_closes_at_once_close_the_round_once(world, client, replicas):
    w = world
    campaign, people = ready_round(world, client)
    for tok in w.judges.values():
        for person in people:
            client.call("talent", "submit_score", campaign["id"], 1, person["id"], SCORES, token=tok)
    results = outcomes(client.proxy(w.fed).talent.close_round, [(campaign["id"], 1)] * 2)
    assert sorted(r if isinstance(r, str) else r["status"] for r in results) == ["InvalidState", "closed"], results
    ranking = client.call("talent", "ranking", campaign["id"], 1, token=w.fed)["items"]
    assert len(ranking) == 3
    log = client.call("talent", "events_since", 0, 500)["items"]
    assert [e["type"] for e in log].count("round_closed") == 1
    assert [e["type"] for e in log].count("candidate_advanced") == 2


def test_one_judges_parallel_submissions_leave_one_score(world, client, replicas, platform):
    w = world
    campaign, people = ready_round(world, client)
    tok = w.judges["judge-1"]
    results = outcomes(client.proxy(tok).talent.submit_score,
                       [(campaign["id"], 1, people[0]["id"], {**SCORES, "technique": 50 + n}) for n in range(12)])
    assert all(isinstance(r, dict) or r == "Conflict" for r in results), results
    assert sum(isinstance(r, dict) for r in results) >= 1
    rows = query(platform.talent_url, select(Score.judge_id, Score.submissions).where(
        Score.candidate_id == people[0]["id"]))
    assert len(rows) == 1
    assert rows[0].submissions == sum(isinstance(r, dict) for r in results)
