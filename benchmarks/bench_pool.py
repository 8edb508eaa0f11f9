"""Max and average pooling: naive loops vs `c182lib.pool` vs PyTorch (where installed).

Shape: x (64, 16, 32, 32) float64, 2x2 windows, stride 2 (the issue's target: max pooling
forward+backward at most 2x PyTorch's autograd).
"""

from __future__ import annotations

import numpy as np

from c182lib.pool import (
    avgpool2d_backward,
    avgpool2d_forward,
    maxpool2d_backward,
    maxpool2d_forward,
)

from ._timing import interleaved, median_seconds, report_row, torch

SHAPE = (64, 16, 32, 32)
KERNEL = 2


def naive_pool_forward(x: np.ndarray, k: int, mode: str) -> np.ndarray:
    """k x k windows, stride k, no padding, one window at a time (the textbook loop)."""
    n, c, h, w = x.shape
    out = np.empty((n, c, h // k, w // k))
    for a in range(n):
        for b in range(c):
            for i in range(h // k):
                for j in range(w // k):
                    window = x[a, b, i * k:(i + 1) * k, j * k:(j + 1) * k]
                    out[a, b, i, j] = window.max() if mode == "max" else window.mean()
    return out


def naive_pool_backward(x: np.ndarray, dout: np.ndarray, k: int, mode: str) -> np.ndarray:
    """Gradient of `naive_pool_forward`, window by window."""
    n, c, h, w = x.shape
    dx = np.zeros_like(x)
    for a in range(n):
        for b in range(c):
            for i in range(h // k):
                for j in range(w // k):
                    window = x[a, b, i * k:(i + 1) * k, j * k:(j + 1) * k]
                    if mode == "max":
                        r, s = np.unravel_index(np.argmax(window), window.shape)
                        dx[a, b, i * k + r, j * k + s] += dout[a, b, i, j]
                    else:
                        dx[a, b, i * k:(i + 1) * k, j * k:(j + 1) * k] += dout[a, b, i, j] / k**2
    return dx


def _torch_candidates(x: np.ndarray, dout: np.ndarray, mode: str) -> dict:
    pool = torch.nn.functional.max_pool2d if mode == "max" else torch.nn.functional.avg_pool2d
    xt = torch.tensor(x, requires_grad=True)
    dt = torch.tensor(dout)

    def forward():
        with torch.no_grad():
            pool(xt, KERNEL)

    def forward_backward():
        xt.grad = None
        pool(xt, KERNEL).backward(dt)

    return {"torch fwd": forward, "torch fwd+bwd": forward_backward}


def run(matmul_gflops: float) -> None:
    """Print medians and ratios for max and average pooling on x (64, 16, 32, 32) float64."""
    del matmul_gflops  # pooling does no multiply-adds: the matmul ceiling does not apply
    rng = np.random.default_rng(0)
    x = rng.standard_normal(SHAPE)
    dout = rng.standard_normal((SHAPE[0], SHAPE[1], SHAPE[2] // KERNEL, SHAPE[3] // KERNEL))
    print(f"x {SHAPE} float64, kernel {KERNEL}, stride {KERNEL}")
    layers = {"max": (maxpool2d_forward, maxpool2d_backward),
              "avg": (avgpool2d_forward, avgpool2d_backward)}
    for mode, (forward, backward) in layers.items():
        def fast_forward(forward=forward):
            return forward(x, KERNEL)

        def fast_forward_backward(forward=forward, backward=backward):
            _, cache = forward(x, KERNEL)
            return backward(dout, cache)

        candidates = {"fast fwd": fast_forward, "fast fwd+bwd": fast_forward_backward}
        if torch is not None:
            candidates |= _torch_candidates(x, dout, mode)
        times = interleaved(candidates)
        naive_fwd = median_seconds(lambda mode=mode: naive_pool_forward(x, KERNEL, mode),
                                   repeats=1, warmup=0)
        naive_bwd = median_seconds(lambda mode=mode: naive_pool_backward(x, dout, KERNEL, mode),
                                   repeats=1, warmup=0)
        out, cache = forward(x, KERNEL)
        assert np.allclose(out, naive_pool_forward(x, KERNEL, mode))
        assert np.allclose(backward(dout, cache), naive_pool_backward(x, dout, KERNEL, mode))
        print(f"{mode} pooling")
        print(report_row("naive loops fwd", naive_fwd))
        print(report_row("naive loops fwd+bwd", naive_fwd + naive_bwd))
        for stage, naive in (("fwd", naive_fwd), ("fwd+bwd", naive_fwd + naive_bwd)):
            print(report_row(f"c182lib {stage}", times[f"fast {stage}"], naive, "naive"))
            if torch is not None:
                print(report_row(f"c182lib {stage} vs torch", times[f"fast {stage}"],
                                 times[f"torch {stage}"], "torch"))
                print(report_row(f"torch {stage}", times[f"torch {stage}"]))
