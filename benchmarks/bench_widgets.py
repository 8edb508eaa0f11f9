"""Slider-to-figure latency of the explorers: ``python -m benchmarks widgets``.

One sample is one slider change as a student makes it: set a control's value; the explorer's
callback writes the status text, draws the figure and renders it to the PNG the browser shows.
Every change is drawn: the explorers' kept settings (`c182lib.widgets._base.KEPT_SETTINGS`,
which show a revisited setting without drawing) are switched off here; the browser benchmark
measures both. Target: median <= 100 ms at the default sizes on a 2-core machine.

Wall time is the target's measure; the process CPU time is printed beside it because on a
machine shared with other work the wall time also counts the waits for a free core.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable

TARGET_MS = 100.0
CHANGES = 20


def _slider_moves(explorer) -> list[tuple[str, object]]:
    """(control name, value) changes: each numeric control (sliders and the seed box) one step
    away from its default and back. Choice controls (toggle buttons, check boxes, menus) are
    not moved.

    A ``FloatLogSlider``'s ``min``, ``max`` and ``step`` are exponents of its ``base``: one step
    multiplies the value by ``base ** step``.
    """
    moves = []
    for name, control in explorer.controls.items():
        step = getattr(control, "step", None)
        if step is None or not hasattr(control, "max") or isinstance(control.value, bool):
            continue
        default = control.value
        log_base = getattr(control, "base", None)  # only FloatLogSlider has one
        position = default if log_base is None else math.log(default, log_base)
        position += step if position + step <= control.max else -step
        other = position if log_base is None else log_base**position
        moves += [(name, other), (name, default)]
    return moves


def measure_explorer(make: Callable[[], object], changes: int = CHANGES) -> dict:
    """Latency samples (seconds) of ``changes`` slider moves of the explorer ``make()``.

    Returns a dict with ``total`` (set value -> PNG in the output widget) and ``cpu`` (process
    CPU time of the same) sample lists, and ``impossible`` (moves that hit an impossible
    setting; not timed).
    """
    samples = {"total": [], "cpu": [], "impossible": 0}
    explorer = make()
    moves = _slider_moves(explorer)
    if not moves:
        raise RuntimeError("the explorer has no slider to move")
    for i in range(changes):
        name, value = moves[i % len(moves)]
        start, start_cpu = time.perf_counter(), time.process_time()
        explorer.controls[name].value = value
        done = time.perf_counter()
        if explorer.error is not None:
            samples["impossible"] += 1
            continue
        samples["cpu"].append(time.process_time() - start_cpu)
        samples["total"].append(done - start)
    return samples


def _report(label: str, samples: dict) -> None:
    total_ms = [s * 1e3 for s in samples["total"]]
    if len(total_ms) < 2:
        print(f"  {label:<46s} too few valid samples ({len(total_ms)})")
        return
    median = statistics.median(total_ms)
    p90 = statistics.quantiles(total_ms, n=10)[-1]
    verdict = "meets" if median <= TARGET_MS else "MISSES"
    print(f"  {label:<46s} median {median:6.1f} ms   p90 {p90:6.1f} ms   "
          f"(CPU {statistics.median(samples['cpu']) * 1e3:5.1f} ms; n = {len(total_ms)}) "
          f"{verdict} target <= {TARGET_MS:.0f} ms")
    if samples["impossible"]:
        print(f"  {'':<46s} ({samples['impossible']} moves hit an impossible setting)")


def _explorers() -> list[tuple[str, Callable[[], object]]]:
    """(label, factory) of each explorer the browser suite times, at its defaults and at its
    largest settings: the calls of `benchmarks.bench_browser.EXPLORERS`, run here."""
    import c182lib.widgets
    from benchmarks.bench_browser import EXPLORERS

    explorers = {name: getattr(c182lib.widgets, name) for name in c182lib.widgets.__all__}
    return [(label, lambda call=call: eval(call, explorers)) for label, call in EXPLORERS]


def run(matmul_gflops: float) -> None:
    """Print median and p90 slider-to-PNG latency of every explorer (``matmul_gflops`` unused:
    drawing is not matmul-bound)."""
    from c182lib.widgets import _base

    if _base.ipywidgets is None:
        print("  ipywidgets is not installed: the explorers are static figures; nothing to time")
        return
    print(f"  slider change -> status + figure as PNG in the widget, {CHANGES} changes "
          f"(defaults, then largest settings), every one drawn; load average "
          f"{os.getloadavg()[0]:.1f}")
    kept = _base.KEPT_SETTINGS
    _base.KEPT_SETTINGS = 0
    try:
        for label, factory in _explorers():
            _report(label, measure_explorer(factory))
    finally:
        _base.KEPT_SETTINGS = kept
