"""What the benchmark scripts print, and the figures they print: shared by bench_registry.py,
bench_events.py, bench_talent.py and bench_awards.py (the rest they share is in ``common.py``).

- output: ``say`` (a line on stdout; progress lines go to stderr through ``common.note``);
- figures: ``percentile``, ``stats`` (n, p50, p90, p99, max, mean), ``server_mean`` (mean seconds
  between two readings of a service's histogram), ``histogram_quantile`` (a quantile of the calls
  between two readings of its buckets), ``cpu_delta`` (CPU burnt between two
  ``common.cpu_snapshot`` readings);
- formatting: ``ms``, ``secs``, ``table`` (Markdown, pasteable into docs/PERFORMANCE.md);
- the tables every script prints: ``print_throughput`` (calls/s and CPU per call by process),
  ``print_throughput_summary`` (calls/s per backend beside echo), ``print_cpu_used`` (CPU per
  process during one measured call), ``print_outcomes`` (what such calls wrote, their errors, the
  slow ones), ``print_statement_kinds`` (an in-process run's statements by
  kind, and its cProfile listing).

Nothing here needs eventlet, nameko or the services.
"""
from __future__ import annotations

import statistics
from collections.abc import Callable

NAN = float("nan")


# --------------------------------------------------------------------------------------------
# output and figures
# --------------------------------------------------------------------------------------------

def say(msg: str = "") -> None:
    """A line of the report (stdout, flushed)."""
    print(msg, flush=True)


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return NAN
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def stats(values: list[float]) -> dict:
    """n, p50, p90, p99, max and mean of ``values`` (seconds, in any order)."""
    v = sorted(values)
    return {"n": len(v), "p50": percentile(v, 50), "p90": percentile(v, 90), "p99": percentile(v, 99),
            "max": v[-1] if v else NAN, "mean": statistics.fmean(v) if v else NAN}


def server_mean(before: tuple[float, float], after: tuple[float, float]) -> float:
    """Mean seconds per call between two ``(sum, count)`` readings of a service's histogram
    (``common.rpc_latency_totals``); NaN when no call was counted between them."""
    (sum0, count0), (sum1, count1) = before, after
    return (sum1 - sum0) / (count1 - count0) if count1 > count0 else NAN


def histogram_quantile(q: float, before: dict, after: dict) -> float:
    """The ``q`` quantile (0..1) of the observations made between two ``common.rpc_latency_histogram``
    readings, from the bucket counts, interpolated linearly inside the bucket that holds it (as
    Prometheus' ``histogram_quantile``): accurate to the bucket's width. NaN without observations."""
    old = dict(before["buckets"])
    rows = [(le, n - old.get(le, 0.0)) for le, n in after["buckets"]]
    total = rows[-1][1] if rows else 0.0
    if total <= 0:
        return NAN
    rank, lower, below = q * total, 0.0, 0.0
    for le, n in rows:
        if n >= rank:
            if le == float("inf"):
                return lower  # beyond the last finite bound: the bound is all that is known
            return lower + (le - lower) * ((rank - below) / (n - below) if n > below else 1.0)
        lower, below = le, n
    return lower


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds each party burnt between two ``common.cpu_snapshot`` readings."""
    return {k: after[k] - before.get(k, 0.0) for k in after}


# --------------------------------------------------------------------------------------------
# formatting
# --------------------------------------------------------------------------------------------

def ms(seconds: float, digits: int | None = None, coarse: bool = False) -> str:
    """Seconds as milliseconds for a table: ``digits`` decimals, or 2/1/0 by size (``coarse``: 1/0,
    the registry's tables); ``-`` for NaN."""
    if seconds != seconds:  # nan
        return "-"
    v = seconds * 1000
    if digits is not None:
        return f"{v:.{digits}f}"
    if v < 1 and not coarse:
        return f"{v:.2f}"
    return f"{v:.1f}" if v < 100 else f"{v:.0f}"


def secs(value: float) -> str:
    """Seconds with two decimals; ``-`` for NaN."""
    return "-" if value != value else f"{value:.2f}"


def table(headers: list[str], rows: list[list], align: str | None = None) -> str:
    """A Markdown table (pasteable into docs/PERFORMANCE.md); ``align``: ``l``/``r`` a column
    (default: the first left, the others right)."""
    cells = [[str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    align = align or "l" + "r" * (len(headers) - 1)

    def line(values):
        return "| " + " | ".join(v.ljust(widths[i]) if align[i] == "l" else v.rjust(widths[i])
                                 for i, v in enumerate(values)) + " |"

    sep = "|" + "|".join(("-" * (w + 1) + ":") if a == "r" else ("-" * (w + 2))
                         for w, a in zip(widths, align)) + "|"
    return "\n".join([line(headers), sep] + [line(r) for r in cells])


# --------------------------------------------------------------------------------------------
# the tables the scripts share
# --------------------------------------------------------------------------------------------

def print_throughput(backend: str, tps: list[dict], concurrency: int, parties: list[str], *,
                     busy_header: str = "CPU busy (100% a core)", ratio_digits: int = 3, calls_column: bool = True,
                     server_column: bool = False, name: Callable[[dict], str] = lambda tp: tp["label"],
                     short: Callable[[dict], str] = lambda tp: tp["label"].split(" (")[0],
                     footnote: Callable[[dict], str | None] | None = None) -> None:
    """The throughput tables of one backend: per call (``common.throughput``'s figures, echo first)
    calls/s, the ratio to echo, mean and p99 round trip, errors; then the CPU each of ``parties``
    burnt per call and how busy the machine was.

    Where the scripts differ: ``name(tp)`` / ``short(tp)`` name a call in the first / the CPU
    table; ``calls_column`` (the number of calls), ``server_column`` (``server_ms``, the mean
    inside the service); ``ratio_digits``; ``busy_header`` (the CPU table's last column);
    ``footnote(tp)``: a line printed after the call's errors, if any."""
    is_echo = [name(tp).startswith("bench_echo") for tp in tps]
    echo = tps[0]["calls_per_s"] if tps and is_echo[0] else NAN
    say(f"### throughput, {concurrency} concurrent callers ({backend})\n")
    rows = []
    for tp, echoing in zip(tps, is_echo):
        rows.append([name(tp)] + ([str(tp["calls"])] if calls_column else [])
                    + [f"{tp['calls_per_s']:.0f}", "1" if echoing else f"{tp['calls_per_s'] / echo:.{ratio_digits}f}",
                       f"{tp['mean_ms']:.1f}", f"{tp['p99_ms']:.1f}"]
                    + (["-" if echoing else ms(tp["server_ms"] / 1000)] if server_column else [])
                    + [str(tp["errors"])])
    say(table(["call"] + (["calls"] if calls_column else []) + ["calls/s", "ratio to echo", "mean ms", "p99 ms"]
              + (["server ms (mean)"] if server_column else []) + ["errors"], rows))
    say("\nCPU used per call (ms), by process:\n")
    rows = []
    for tp in tps:
        per = tp["cpu_ms_per_call"]
        busy = sum(tp["cpu_s"].values()) / tp["seconds"]
        rows.append([short(tp)] + [f"{per.get(p, 0):.2f}" for p in parties]
                    + [f"{sum(per.values()):.2f}", f"{busy * 100:.0f}%"])
    say(table(["call"] + parties + ["total", busy_header], rows))
    for tp in tps:
        if tp["errors"]:
            say(f"\n{name(tp)}: errors {tp['errors_by_type']}, first: {tp['first_error']}")
        extra = footnote(tp) if footnote else None
        if extra:
            say(f"\n{extra}")
    say()


def print_throughput_summary(results: dict, service: str, methods: tuple[str, ...], digits: int) -> None:
    """After every backend: calls/s (ratio to echo, ``digits`` decimals) of ``service.<method>``
    (``throughput[1]``, ``[2]``, ... of each backend; ``[0]`` is the shared echo)."""
    say("## summary: throughput, calls/s (ratio to echo)\n")
    echo_cps = results["backends"][0]["throughput"][0]["calls_per_s"]
    rows = [["bench_echo.echo (same run, shared)"] + [f"{echo_cps:.0f} (1)"] * len(results["backends"])]
    for i, method in enumerate(methods, 1):
        rows.append([f"{service}.{method}"] + [
            f"{b['throughput'][i]['calls_per_s']:.0f} ({b['throughput'][i]['calls_per_s'] / echo_cps:.{digits}f})"
            for b in results["backends"]])
    say(table(["call"] + [b["backend"] for b in results["backends"]], rows))
    say()


def print_cpu_used(what: str, header: str, items: list[tuple[str, dict]], parties: list[str]) -> None:
    """The CPU (s) each party but the echo server burnt during one measured call: a row per
    ``(name, cpu_s)`` of ``items`` (``common.timed_call``'s ``cpu_s``)."""
    shown = [p for p in parties if p != "echo server"]
    say(f"\nCPU used during the {what} (s), by process:\n")
    say(table([header] + shown + ["total"],
              [[name] + [f"{cpu.get(p, 0):.2f}" for p in shown] + [f"{sum(cpu.values()):.2f}"]
               for name, cpu in items]))


def print_outcomes(items: list[dict], key: str, ok_line: Callable[[dict, dict], str], prefix: str = "",
                   error: str = "ERROR") -> None:
    """What follows the table of a script's long measured calls (``common.timed_call``'s figures
    with the script's ``check`` of what the call wrote), one line each: its error, the problems the
    check found, or ``ok_line(item, check)``; then the calls over 2 s of server time. An item is
    named ``<prefix><item[key]>`` (``normalise=none``, ``demonstration_base``)."""
    for it in items:
        if it["error"]:
            say(f"\n{error} ({prefix}{it[key]}): {it['error']}")
        elif it["check"]["problems"]:
            say(f"\nUNEXPECTED result ({prefix}{it[key]}): {'; '.join(it['check']['problems'])}")
        else:
            say(f"\n{ok_line(it, it['check'])}")
    slow = [it[key] for it in items if not it["server"] < 2.0]
    if slow:
        say(f"\nOVER 2 s of server time: {prefix}{', '.join(slow)}")
    say()


def print_statement_kinds(r: dict) -> None:
    """The end of an in-process run's report (``common.run_in_process``'s figures): its statements
    by kind, slowest first, and cProfile's listing when there is one."""
    say("\nstatements, by kind:\n")
    say(table(["statement", "count", "parameter sets", "s", "share of total"],
              [[k, str(v["count"]), f"{v['rows']:,}", f"{v['seconds']:.3f}", f"{100 * v['seconds'] / r['total']:.0f}%"]
               for k, v in sorted(r["kinds"].items(), key=lambda kv: -kv[1]["seconds"])], "lrrrr"))
    if r.get("profile"):
        say("\ncProfile (cumulative):\n\n```")
        say(r["profile"].rstrip())
        say("```")
    say()
