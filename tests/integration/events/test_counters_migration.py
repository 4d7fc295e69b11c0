"""Events migration 0009 fills the new registration counters from the rows already there."""
from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from services.common.migrate import alembic_config

ACTIVITY = ("INSERT INTO activities (id, title, kind, org_id, org_path, capacity, audience_open, status, starts_at,"
            " ends_at, flags, version, created_at, updated_at) VALUES (:id, 't', 'performance', 'o', '/o/', 2, true,"
            " 'published', '2026-12-01 10:00:00', '2026-12-01 12:00:00', '[]', 1, '2026-11-01 00:00:00',"
            " '2026-11-01 00:00:00')")
REGISTRATION = ("INSERT INTO registrations (id, activity_id, worker_id, worker_name, worker_org_id, status, queue_seq,"
                " registered_at) VALUES (:id, 'a1', :worker, 'n', 'o', :status, :seq, '2026-11-01 00:00:00')")


def test_the_counters_start_as_the_rows_say(tmp_path):
    url = f"sqlite:///{tmp_path / 'events.db'}"
    config = alembic_config("events", url)
    command.upgrade(config, "0008")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for activity_id in ("a1", "a2"):
                conn.execute(text(ACTIVITY), {"id": activity_id})
            for seq, status in enumerate(["confirmed", "confirmed", "waitlisted", "cancelled", "waitlisted"], 1):
                conn.execute(text(REGISTRATION), {"id": f"r{seq}", "worker": f"w{seq}", "status": status, "seq": seq})
        command.upgrade(config, "0009")
        with engine.connect() as conn:
            counters = conn.execute(text("SELECT id, confirmed_count, waitlisted_count, last_queue_seq"
                                         " FROM activities ORDER BY id")).all()
        assert [tuple(row) for row in counters] == [("a1", 2, 2, 5), ("a2", 0, 0, 0)]
    finally:
        engine.dispose()
