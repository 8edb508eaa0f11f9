"""Timing helpers shared by the benchmarks.

NumPy and PyTorch are timed in one process, interleaved, and the machine is left to settle
before each timed block: OpenBLAS worker threads keep spinning for ~0.1 s after a call, which
would slow whichever library is timed next and flatter the other one's ratio.
"""

from __future__ import annotations

import ctypes
import glob
import math
import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

SETTLE_SECONDS = 0.3

try:
    import torch
except ImportError:  # PyTorch is optional: its columns are left out.
    torch = None


class Timing(NamedTuple):
    """Wall time of one candidate in seconds: the median (the reported figure, used for ratios)
    and the minimum (the least disturbed run: a large gap to the median means a noisy machine)."""

    median: float
    minimum: float


def _samples(fn: Callable[[], object], repeats: int, warmup: int) -> list[float]:
    """Wall times of ``repeats`` runs of ``fn()``, after ``warmup`` untimed runs and a pause."""
    for _ in range(warmup):
        fn()
    time.sleep(SETTLE_SECONDS)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def median_seconds(fn: Callable[[], object], repeats: int = 7, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` over ``repeats`` runs, after ``warmup`` untimed runs."""
    return statistics.median(_samples(fn, repeats, warmup))


def interleaved(candidates: dict[str, Callable[[], object]], rounds: int = 5,
                block_seconds: float = 0.1) -> dict[str, Timing]:
    """Timing per candidate, measured in ``rounds`` alternating blocks of runs.

    A block runs a candidate for about ``block_seconds`` (at least 5 runs), so a 1 ms call is
    sampled about 100 times per block and its median is not decided by a few disturbed runs.
    The median is the median of the per-block medians; the minimum is over every run.
    """
    block_medians: dict[str, list[float]] = {name: [] for name in candidates}
    minima: dict[str, float] = dict.fromkeys(candidates, float("inf"))
    repeats = {}
    for name, fn in candidates.items():
        fn()  # warm-up (allocations, thread pools, lazy imports)
        start = time.perf_counter()
        fn()
        repeats[name] = max(5, math.ceil(block_seconds / (time.perf_counter() - start)))
    for _ in range(rounds):
        for name, fn in candidates.items():
            samples = _samples(fn, repeats[name], warmup=0)
            block_medians[name].append(statistics.median(samples))
            minima[name] = min(minima[name], *samples)
    return {name: Timing(statistics.median(block_medians[name]), minima[name])
            for name in candidates}


def numpy_blas_threads() -> int:
    """Threads of the OpenBLAS bundled with NumPy wheels, else OpenBLAS's default rule."""
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__) + ".libs", "*openblas*.so*"))
    for path in libs:
        lib = ctypes.CDLL(path)
        for symbol in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads"):
            if hasattr(lib, symbol):
                return int(getattr(lib, symbol)())
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if os.environ.get(variable, "").isdigit():
            return int(os.environ[variable])
    return os.cpu_count() or 1


def matmul_gflops(n: int = 1024, dtype=np.float64) -> float:
    """Achieved GFLOP/s of ``np.matmul`` on n x n matrices: the ceiling for im2col-style code."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    seconds = median_seconds(lambda: a @ b, repeats=5)
    return 2 * n**3 / seconds / 1e9


def machine_summary() -> str:
    """One line naming the machine, NumPy's BLAS and PyTorch's version, for the report."""
    torch_version = torch.__version__ if torch is not None else "not installed"
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, NumPy {np.__version__}, "
            f"PyTorch {torch_version}")


def report_row(label: str, seconds: float | Timing, baseline: float | Timing | None = None,
               baseline_name: str = "") -> str:
    """Format ``label  12.30 ms (min 11.90 ms)   0.850x baseline``.

    ``seconds`` and ``baseline`` are a `Timing` (median and minimum shown) or plain seconds (a
    single median, as for the naive loops); the ratio is of the medians.
    """
    median = seconds.median if isinstance(seconds, Timing) else seconds
    row = f"  {label:<42s} {median * 1e3:10.2f} ms"
    row += (f" (min {seconds.minimum * 1e3:8.2f} ms)" if isinstance(seconds, Timing)
            else " " * 18)
    if baseline is not None:
        baseline_median = baseline.median if isinstance(baseline, Timing) else baseline
        row += f"   {median / baseline_median:8.3f}x {baseline_name}"
    return row.rstrip()
