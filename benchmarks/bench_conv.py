"""2-D convolution: naive loops vs `c182lib.conv` (im2col + matmul) vs PyTorch (where installed).

Shapes (the issue's targets, float64): fast forward and forward+backward within 1.5x of
PyTorch on both shapes, and at least 1000x faster than the naive loop on the first shape.
PyTorch is limited to the number of threads NumPy's BLAS uses, so both get the same cores.
"""

from __future__ import annotations

import os
import subprocess
import sys
from unittest import mock

import numpy as np

from c182lib import _validate
from c182lib.conv import conv2d_backward, conv2d_forward, conv2d_forward_naive
from c182lib.shapes import conv_output_shape

from ._timing import interleaved, median_seconds, report_row, torch

# (x shape, w shape, stride, padding, repeats of the naive loop: it takes seconds per run)
CASES = [
    ((100, 3, 31, 31), (25, 3, 3, 3), 2, 1, 3),
    ((64, 16, 32, 32), (32, 16, 3, 3), 1, 1, 1),
]


def _torch_candidates(x, w, b, dout, stride, padding) -> dict:
    conv2d = torch.nn.functional.conv2d
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    dout_t = torch.tensor(dout)

    def forward():
        with torch.no_grad():
            conv2d(xt, wt, bt, stride=stride, padding=padding)

    def forward_backward():
        xt.grad = wt.grad = bt.grad = None
        conv2d(xt, wt, bt, stride=stride, padding=padding).backward(dout_t)

    return {"torch fwd": forward, "torch fwd+bwd": forward_backward}


# Run in a new interpreter that never imports PyTorch, as a student's kernel: the time per call
# there also shows whether the allocator hands memory back to the system between calls (then
# every call page-faults its buffers in again).
_FRESH_PROCESS = """
import ast, resource, statistics, sys, time
import numpy as np
from c182lib import _validate
from c182lib.conv import conv2d_backward, conv2d_forward
x_shape, w_shape, stride, padding = ast.literal_eval(sys.argv[1])
rng = np.random.default_rng(0)
x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
b = rng.standard_normal(w_shape[0])
dout = rng.standard_normal(conv2d_forward(x, w, b, stride, padding)[0].shape)
calls = {"fwd": lambda: conv2d_forward(x, w, b, stride, padding),
         "fwd+bwd": lambda: conv2d_backward(dout, conv2d_forward(x, w, b, stride, padding)[1])}
for name, call in calls.items():
    call()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    seconds = []
    for _ in range(30):
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / 30
    print(name, statistics.median(seconds), faults)
"""


def _fresh_process_rows(x_shape, w_shape, stride, padding) -> list[str]:
    """Median time and page faults per call of the fast layer in a new process without torch."""
    if sys.platform == "win32":  # no resource module
        return []
    result = subprocess.run([sys.executable, "-c", _FRESH_PROCESS,
                             repr((x_shape, w_shape, stride, padding))],
                            capture_output=True, text=True, check=True)
    rows = []
    for line in result.stdout.splitlines():
        name, seconds, faults = line.split()
        rows.append(report_row(f"fast {name}, new process without PyTorch", float(seconds))
                    + f" ({float(faults):.0f} page faults per call)")
    return rows


def run(matmul_gflops: float) -> None:
    """Print medians, ratios and GFLOP/s of conv2d on the issue's two shapes, float64."""
    print(f"1-minute load average before: {os.getloadavg()[0]:.2f} (other processes skew "
          f"the timings; above ~0.5 on 2 cores, rerun)")
    rng = np.random.default_rng(0)
    for x_shape, w_shape, stride, padding, naive_repeats in CASES:
        x = rng.standard_normal(x_shape)
        w = rng.standard_normal(w_shape)
        b = rng.standard_normal(w_shape[0])
        out_shape = conv_output_shape(x_shape, w_shape, stride, padding)
        dout = rng.standard_normal(out_shape)
        flops = 2 * np.prod(out_shape) * np.prod(w_shape[1:])  # one multiply-add per tap

        def fast_forward(x=x, w=w, b=b, stride=stride, padding=padding):
            return conv2d_forward(x, w, b, stride=stride, padding=padding)

        def fast_forward_backward(fast_forward=fast_forward, dout=dout):
            conv2d_backward(dout, fast_forward()[1])

        candidates = {"fast fwd": fast_forward, "fast fwd+bwd": fast_forward_backward}
        if torch is not None:
            candidates |= _torch_candidates(x, w, b, dout, stride, padding)
        times = interleaved(candidates)
        with mock.patch.object(_validate, "MAX_LOOP_STEPS", 10**8):  # the naive loop is long
            naive = median_seconds(
                lambda x=x, w=w, b=b, stride=stride, padding=padding:
                conv2d_forward_naive(x, w, b, stride=stride, padding=padding),
                repeats=naive_repeats, warmup=0)

        print(f"\nx {x_shape}, w {w_shape}, stride {stride}, padding {padding} -> out "
              f"{out_shape}, float64 ({flops / 1e6:.1f} MFLOP per forward)")
        print(report_row(f"naive fwd ({naive_repeats} run{'s' * (naive_repeats > 1)})", naive))
        print(report_row("fast fwd", times["fast fwd"], naive, "naive"))
        if torch is not None:
            print(report_row("torch fwd", times["torch fwd"]))
            print(report_row("fast fwd / torch fwd", times["fast fwd"], times["torch fwd"],
                             "torch (target <= 1.5)"))
            print(report_row("fast fwd+bwd", times["fast fwd+bwd"]))
            print(report_row("torch fwd+bwd (autograd)", times["torch fwd+bwd"]))
            print(report_row("fast fwd+bwd / torch fwd+bwd", times["fast fwd+bwd"],
                             times["torch fwd+bwd"], "torch (target <= 1.5)"))
        else:
            print(report_row("fast fwd+bwd", times["fast fwd+bwd"]))
        gflops = flops / times["fast fwd"].median / 1e9
        print(f"  fast fwd: {gflops:.1f} GFLOP/s = {gflops / matmul_gflops:.0%} of np.matmul's "
              f"{matmul_gflops:.1f}; {naive / times['fast fwd'].median:.0f}x faster than naive "
              f"(target >= 1000x on the first shape)")
        for row in _fresh_process_rows(x_shape, w_shape, stride, padding):
            print(row)
    print(f"1-minute load average after: {os.getloadavg()[0]:.2f}")
