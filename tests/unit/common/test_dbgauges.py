"""The domain figures Prometheus scrapes (the kit's DatabaseCollector): a scrape within the max age
of the last count answers that count again; an older one, or a max age of 0, counts afresh."""
from __future__ import annotations

from types import SimpleNamespace

from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.orm import Session

from services.common.db import make_engine
from services.common.dbgauges import DatabaseCollector


def test_a_scrape_within_the_max_age_answers_the_last_count(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'figures.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE things (id INTEGER PRIMARY KEY)"))
    counts = []

    def read(session):
        counts.append(1)
        return {"culture_test_things": [((), session.scalar(text("SELECT count(*) FROM things")))]}

    def scrape():
        [family] = collector.collect()
        return family.samples[0].value

    collector = DatabaseCollector([("culture_test_things", "Things", [])], read)
    try:
        collector.add(SimpleNamespace(url="figures", session=lambda: Session(engine)))
        collector.max_age = 3600
        assert scrape() == 0 and len(counts) == 1
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO things (id) VALUES (1)"))
        assert scrape() == 0 and len(counts) == 1  # within the max age: the last count, not counted again
        collector.max_age = 0
        assert scrape() == 1 and len(counts) == 2  # 0: every scrape counts
        assert scrape() == 1 and len(counts) == 3
        collector.max_age = 3600
        collector.add(SimpleNamespace(url="figures", session=lambda: Session(engine)))  # a replica starts
        assert scrape() == 1 and len(counts) == 4  # counted afresh (one database, counted once)
    finally:
        REGISTRY.unregister(collector)
        engine.dispose()
