"""Timing helpers shared by the benchmarks.

NumPy and PyTorch are timed in one process, interleaved, and the machine is left to settle
before each timed block: OpenBLAS worker threads keep spinning for ~0.1 s after a call, which
would slow whichever library is timed next and flatter the other one's ratio.
"""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable

import numpy as np

SETTLE_SECONDS = 0.3

try:
    import torch
except ImportError:  # PyTorch is optional: its columns are left out.
    torch = None


def median_seconds(fn: Callable[[], object], repeats: int = 7, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` over ``repeats`` runs, after ``warmup`` untimed runs."""
    for _ in range(warmup):
        fn()
    time.sleep(SETTLE_SECONDS)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def interleaved(candidates: dict[str, Callable[[], object]], rounds: int = 3,
                repeats: int = 5) -> dict[str, float]:
    """Median seconds per candidate, measured in ``rounds`` alternating blocks."""
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for fn in candidates.values():
        fn()  # warm-up (allocations, thread pools, lazy imports)
    for _ in range(rounds):
        for name, fn in candidates.items():
            samples[name].append(median_seconds(fn, repeats=repeats, warmup=0))
    return {name: statistics.median(values) for name, values in samples.items()}


def matmul_gflops(n: int = 1024, dtype=np.float64) -> float:
    """Achieved GFLOP/s of ``np.matmul`` on n x n matrices: the ceiling for im2col-style code."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    seconds = median_seconds(lambda: a @ b, repeats=5)
    return 2 * n**3 / seconds / 1e9


def machine_summary() -> str:
    """One line naming the machine, NumPy's BLAS and PyTorch's version, for the report."""
    import os

    torch_version = torch.__version__ if torch is not None else "not installed"
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, NumPy {np.__version__}, "
            f"PyTorch {torch_version}")


def report_row(label: str, seconds: float, baseline: float | None = None,
               baseline_name: str = "") -> str:
    """Format ``label: 12.3 ms`` plus ``(0.85x baseline)`` when a baseline time is given."""
    row = f"  {label:<42s} {seconds * 1e3:10.2f} ms"
    if baseline is not None:
        row += f"   {seconds / baseline:8.3f}x {baseline_name}"
    return row
