"""Hypothesis strategies, random arrays and brute-force windows for the convolution tests."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from c182lib.shapes import conv_output_size


@st.composite
def geometry_2d(draw, max_batch=2, max_channels=3, max_extra=5):
    """Shapes and (rows, cols) hyperparameters of a 2-D convolution whose output is >= 1x1.

    Kernels are often non-square, strides often do not tile, padding may exceed the kernel.
    """
    n, c, f = (draw(st.integers(1, max_batch)), draw(st.integers(1, max_channels)),
               draw(st.integers(1, 3)))
    kernel, stride, padding, dilation, size = [], [], [], [], []
    for _ in range(2):
        k, s, p, d = (draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(0, 2)),
                      draw(st.integers(1, 2)))
        lowest = max(1, d * (k - 1) + 1 - 2 * p)
        size.append(draw(st.integers(lowest, lowest + max_extra)))
        kernel.append(k)
        stride.append(s)
        padding.append(p)
        dilation.append(d)
    return dict(x_shape=(n, c, *size), w_shape=(f, c, *kernel), stride=tuple(stride),
                padding=tuple(padding), dilation=tuple(dilation))


def conv_arrays(geometry, seed):
    """Random x, w, b and an upstream gradient for `geometry`."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(geometry["x_shape"])
    w = rng.standard_normal(geometry["w_shape"])
    b = rng.standard_normal(geometry["w_shape"][0])
    out_hw = [conv_output_size(*args) for args in zip(
        geometry["x_shape"][2:], geometry["w_shape"][2:], geometry["stride"],
        geometry["padding"], geometry["dilation"], strict=True)]
    dout = rng.standard_normal((geometry["x_shape"][0], geometry["w_shape"][0], *out_hw))
    return x, w, b, dout


def hyper(geometry):
    return {key: geometry[key] for key in ("stride", "padding", "dilation")}


def brute_windows(n, k, s, p, d):
    """Padded indices read by each window: slide a start along the padded input while the
    dilated window still fits."""
    windows = []
    start = 0
    while start + d * (k - 1) <= n + 2 * p - 1:
        windows.append([start + j * d for j in range(k)])
        start += s
    return windows


def brute_dropped(n, k, s, p, d):
    """Cells after the last cell any window reads."""
    last = max(max(window) for window in brute_windows(n, k, s, p, d))
    return n + 2 * p - 1 - last


@st.composite
def settings_1d(draw, max_n=12):
    """(n, k, s, p, d) with output size >= 1, strides that often do not tile."""
    k = draw(st.integers(1, 4))
    d = draw(st.integers(1, 3))
    p = draw(st.integers(0, 2))
    span = d * (k - 1) + 1
    n = draw(st.integers(max(1, span - 2 * p), max(max_n, span)))
    s = draw(st.integers(1, 4))
    return n, k, s, p, d
