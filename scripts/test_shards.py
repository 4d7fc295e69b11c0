"""The test suite as a few pytest processes at once: ``python scripts/test_shards.py [-j N] [pytest args]``.

Most of the suite waits (on the broker, on PostgreSQL, on a service process), so a 2-core machine
runs it in about half the time as three processes. Each test already has its own broker vhost and
its own databases (tests/conftest.py) and each e2e platform its own var dir, ports and vhost, so
shards share nothing but the servers. (pytest-xdist's workers hang under eventlet's monkey
patching; separate processes do not.)

The unit of a shard is a test file, except ``tests/e2e``, which is one unit: its platforms are
started once per process (a session fixture), not once per shard. Units are dealt longest first to
the least loaded shard, by the seconds each took last time (``tests/durations.json``, written again
by ``--record`` from the shards' JUnit reports). A unit not in that file counts as 30 s.

Each shard's output goes to ``var/test/shard-N.log`` and is printed whole when the shard ends;
the exit status is the first failing shard's (0 when every shard passed).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DURATIONS = ROOT / "tests" / "durations.json"
OUT = ROOT / "var" / "test"
DEFAULT_SECONDS = 30.0


def units() -> list[str]:
    """Test files under tests/, with tests/e2e as one unit."""
    found = set()
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        rel = path.relative_to(ROOT).as_posix()
        found.add("tests/e2e" if rel.startswith("tests/e2e/") else rel)
    return sorted(found)


def deal(names: list[str], seconds: dict[str, float], jobs: int) -> list[list[str]]:
    """Longest first, each to the shard with the least seconds so far."""
    shards: list[tuple[float, list[str]]] = [(0.0, []) for _ in range(jobs)]
    for name in sorted(names, key=lambda n: (-seconds.get(n, DEFAULT_SECONDS), n)):
        i = min(range(jobs), key=lambda k: shards[k][0])
        load, members = shards[i]
        shards[i] = (load + seconds.get(name, DEFAULT_SECONDS), members + [name])
    return [members for _, members in shards if members]


def unit_of(classname: str, file: str | None) -> str:
    rel = file or classname.replace(".", "/").rsplit("/", 1)[0] + ".py"
    return "tests/e2e" if rel.startswith("tests/e2e/") else rel


def read_durations(reports: list[Path]) -> dict[str, float]:
    seconds: dict[str, float] = {}
    for report in reports:
        if not report.exists():
            continue
        for case in ET.parse(report).iter("testcase"):
            name = unit_of(case.get("classname", ""), case.get("file"))
            seconds[name] = seconds.get(name, 0.0) + float(case.get("time", 0))
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-j", "--jobs", type=int, default=int(os.environ.get("TEST_JOBS", "3")))
    parser.add_argument("--record", action="store_true", help="write tests/durations.json from this run")
    args, pytest_args = parser.parse_known_args()
    known = json.loads(DURATIONS.read_text()) if DURATIONS.exists() else {}
    shards = deal(units(), known, max(1, args.jobs))
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    running = []
    for i, members in enumerate(shards, start=1):
        log, report = OUT / f"shard-{i}.log", OUT / f"shard-{i}.xml"
        report.unlink(missing_ok=True)
        expected = sum(known.get(m, DEFAULT_SECONDS) for m in members)
        print(f"shard {i}: {len(members)} units, ~{expected:.0f} s last time -> {log.relative_to(ROOT)}", flush=True)
        cmd = [sys.executable, "-m", "pytest", "-q", f"--junitxml={report}", "-o", "junit_family=xunit1",
               *pytest_args, *members]
        running.append((i, subprocess.Popen(cmd, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT),
                        log, report))
    status = 0
    for i, proc, log, _ in running:
        code = proc.wait()
        print(f"\n===== shard {i}: exit {code} after {time.monotonic() - started:.0f} s =====", flush=True)
        print(log.read_text(), flush=True)
        if code and not status:
            status = code
    print(f"all shards done in {time.monotonic() - started:.0f} s; "
          f"{'every shard passed' if not status else 'FAILED'}", flush=True)
    if args.record and not status:
        measured = read_durations([report for *_, report in running])
        DURATIONS.write_text(json.dumps({k: round(v, 1) for k, v in sorted(measured.items())}, indent=1) + "\n")
        print(f"wrote {DURATIONS.relative_to(ROOT)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
