"""The collector paused for a bulk step, and enabled again when the last pause ends."""
import gc

import pytest

from services.common.gcpause import collector_paused


@pytest.fixture(autouse=True)
def _collector_restored():
    was = gc.isenabled()
    yield
    gc.enable() if was else gc.disable()


def test_paused_inside_enabled_after_even_when_the_step_fails():
    gc.enable()
    with pytest.raises(RuntimeError):
        with collector_paused():
            assert not gc.isenabled()
            raise RuntimeError("the step failed")
    assert gc.isenabled()


def test_overlapping_pauses_enable_it_when_the_last_ends():
    gc.enable()
    first, second = collector_paused(), collector_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)   # the first to begin ends first: the other still runs
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled():
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_startup_objects_are_frozen_out_of_the_collector_and_new_ones_still_collected():
    import subprocess
    import sys
    import textwrap

    # in a process of its own: freezing is for good
    script = textwrap.dedent("""
        import gc
        import services.events.service  # a service's startup heap
        from services.common.gcpause import freeze_startup_objects
        frozen = freeze_startup_objects()
        class Cycle: pass
        a, b = Cycle(), Cycle(); a.b, b.a = b, a; del a, b
        found = gc.collect()
        print(frozen, len(gc.get_objects(generation=2)), found)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "PYTHONPATH": "."})
    frozen, still_walked, found = map(int, out.stdout.split())
    assert frozen > 50_000 and still_walked < frozen / 10  # the full pass walks a fraction of the heap
    assert found >= 2  # a cycle made after the freeze is still collected
