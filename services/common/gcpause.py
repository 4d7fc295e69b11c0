"""Python's cyclic garbage collector paused for a bulk step: ``with collector_paused(): ...``.

A use case that makes hundreds of thousands of objects at once (a shortlist of 10,000 nominations:
rows, facts, rules, reasons, ballots) sets off hundreds of the collector's passes, several of them
over the whole heap: a quarter to a third of its time (docs/PERFORMANCE.md). Nothing such a step
makes needs the collector: reference counting frees it. The collector runs again once the step
ends.

When the last pause ends, the C allocator is asked to give the memory the step freed back to the
operating system (glibc's ``malloc_trim``; elsewhere nothing): without it a service keeps the
high-water mark of its largest step as resident memory (a 10,000-candidate close left talent at
~156 MB on PostgreSQL).

The pause is process-wide (the worker's other green threads run without the collector meanwhile),
so it is for steps of seconds. Pauses may nest or overlap (two green threads in bulk steps at once):
the collector is enabled again when the last one ends, and only if it was enabled when the first
began.

``freeze_startup_objects()`` (called by ``services.common.run`` once the containers have started)
takes the startup heap out of the collector's full passes for good.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Iterator
from contextlib import contextmanager

_depth = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    global _depth, _was_enabled
    if _depth == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            if _was_enabled:
                gc.enable()
            release_freed_memory()


def _malloc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to ask
        return None


_TRIM = _malloc_trim()


def release_freed_memory() -> None:
    """Hand the allocator's free pages back to the operating system (glibc), if it can."""
    if _TRIM is not None:
        _TRIM(0)


def freeze_startup_objects() -> int:
    """Move every object alive now (the modules, classes and schemas a started service holds: some
    120,000) out of the collector's reach (``gc.freeze``), so that none of its later full passes
    walks them again; returns how many were frozen. A full pass over a started service's heap takes
    tens of milliseconds, during which no request is served: a latency spike every few thousand
    calls. Call it once, after the service has started."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
