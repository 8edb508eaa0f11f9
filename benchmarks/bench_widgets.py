"""Slider-to-figure latency of the explorers: ``python -m benchmarks widgets``.

One sample is one slider change as a student makes it: set a control's value (the explorer's
callback runs: the status text and the figure), then render the figure to PNG bytes, which is
what the notebook's inline backend does before the browser can show it. Target: median
<= 100 ms at the default sizes on a 2-core machine.

Wall time is the target's measure; the process CPU time is printed beside it because on a
machine shared with other work the wall time also counts the waits for a free core.
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import time
from collections.abc import Callable

TARGET_MS = 100.0
CHANGES = 20


def _render_png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _slider_moves(explorer) -> list[tuple[str, object]]:
    """(control name, value) changes: each slider one step away from its default and back."""
    moves = []
    for name, control in explorer.controls.items():
        step = getattr(control, "step", None)
        if step is None or not hasattr(control, "max") or isinstance(control.value, bool):
            continue
        default = control.value
        other = default + step if default + step <= control.max else default - step
        moves += [(name, other), (name, default)]
    return moves


def measure_explorer(make: Callable[[], object], changes: int = CHANGES) -> dict:
    """Latency samples (seconds) of ``changes`` slider moves of the explorer ``make()``.

    Returns a dict with ``total`` (set value -> PNG bytes), ``callback``, ``render`` and
    ``cpu`` (process CPU time of the whole) sample lists and ``impossible`` (moves that hit an
    impossible setting; not timed).
    """
    samples = {"total": [], "callback": [], "render": [], "cpu": [], "impossible": 0}
    # Outside a notebook the explorer's display() prints the figure's repr: silence it.
    with contextlib.redirect_stdout(io.StringIO()):
        explorer = make()
        moves = _slider_moves(explorer)
        if not moves:
            raise RuntimeError("the explorer has no slider to move")
        _render_png(explorer.figure)  # warm-up: font cache, first Agg canvas
        for i in range(changes):
            name, value = moves[i % len(moves)]
            start, start_cpu = time.perf_counter(), time.process_time()
            explorer.controls[name].value = value
            drawn = time.perf_counter()
            if explorer.figure is None:
                samples["impossible"] += 1
                continue
            _render_png(explorer.figure)
            done = time.perf_counter()
            samples["cpu"].append(time.process_time() - start_cpu)
            samples["total"].append(done - start)
            samples["callback"].append(drawn - start)
            samples["render"].append(done - drawn)
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
          f"(callback {statistics.median(samples['callback']) * 1e3:5.1f} + PNG "
          f"{statistics.median(samples['render']) * 1e3:5.1f} ms; CPU "
          f"{statistics.median(samples['cpu']) * 1e3:5.1f} ms; n = {len(total_ms)}) "
          f"{verdict} target <= {TARGET_MS:.0f} ms")
    if samples["impossible"]:
        print(f"  {'':<46s} ({samples['impossible']} moves hit an impossible setting)")


def _explorers() -> list[tuple[str, Callable[[], object] | None]]:
    """(label, factory) for each explorer; factory None when its module is not available."""
    from c182lib.widgets.conv import conv_explorer

    found = [("conv_explorer() (1-D, defaults)", conv_explorer)]
    try:
        from c182lib.widgets.pool import pool_explorer
    except ImportError:
        pool_explorer = None
    found.append(("pool_explorer() (defaults)", pool_explorer))
    try:
        from c182lib.widgets.rnn import rnn_gradient_explorer
    except ImportError:
        rnn_gradient_explorer = None
    found.append(("rnn_gradient_explorer() (defaults)", rnn_gradient_explorer))
    found.append(("conv_explorer(dims=2, n=16, show_matrix=True)",
                  lambda: conv_explorer(dims=2, n=16, show_matrix=True)))
    return found


def run(matmul_gflops: float) -> None:
    """Print median and p90 slider-to-PNG latency of every explorer (``matmul_gflops`` unused:
    drawing is not matmul-bound)."""
    from c182lib.widgets._base import ipywidgets

    if ipywidgets is None:
        print("  ipywidgets is not installed: the explorers are static figures; nothing to time")
        return
    print(f"  slider change -> callback -> figure as PNG bytes, {CHANGES} changes "
          f"(the last row is a worst case, not a default); load average "
          f"{os.getloadavg()[0]:.1f}")
    for label, factory in _explorers():
        if factory is None:
            print(f"  {label:<46s} not available")
            continue
        _report(label, measure_explorer(factory))
