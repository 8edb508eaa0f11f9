"""Hypothesis strategies and random arrays for the 2-D convolution tests."""

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
