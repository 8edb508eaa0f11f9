"""Run every benchmark: ``python -m benchmarks [conv|pool|rnn|widgets|checks|browser ...]``.

``make bench`` runs them all."""

import importlib
import sys

from ._timing import machine_summary, matmul_gflops, numpy_blas_threads, torch

SUITES = ["conv", "pool", "rnn", "widgets", "checks", "browser"]


def main(argv: list[str]) -> None:
    chosen = argv or SUITES
    unknown = sorted(set(chosen) - set(SUITES))
    if unknown:
        raise SystemExit(f"unknown benchmark suite(s) {unknown}; choose from {SUITES}")
    print(machine_summary())
    threads = numpy_blas_threads()
    if torch is not None:
        torch.set_num_threads(threads)  # a fair comparison: both libraries on as many threads
        print(f"NumPy's BLAS uses {threads} threads; torch.set_num_threads({threads})")
    else:
        print(f"NumPy's BLAS uses {threads} threads; PyTorch not installed (its rows are skipped)")
    ceiling = matmul_gflops()
    print(f"np.matmul float64 1024x1024: {ceiling:.1f} GFLOP/s (the ceiling for im2col designs)")
    for name in chosen:
        print(f"\n== {name} ==")
        importlib.import_module(f"benchmarks.bench_{name}").run(matmul_gflops=ceiling)


if __name__ == "__main__":
    main(sys.argv[1:])
