"""Internals of the fast `conv2d_forward`: the bias trick and what it leaves in the cache."""

from __future__ import annotations

import numpy as np
import pytest

from c182lib.conv import conv2d_backward, conv2d_forward, conv2d_forward_naive, im2col

GEOMETRIES = [
    # x shape, w shape, stride, padding, dilation
    ((3, 3, 11, 11), (5, 3, 3, 3), 2, 1, 1),          # the first benchmark shape, smaller
    ((1, 2, 8, 7), (4, 2, 3, 2), (2, 3), (1, 0), (1, 2)),  # stride does not tile, batch 1
    ((2, 1, 5, 6), (3, 1, 5, 5), 1, 2, 1),            # taps wholly in the padding
    ((2, 4, 6, 6), (1, 4, 1, 1), 1, 0, 1),            # 1x1 kernel, one filter
    ((2, 3, 8, 7), (4, 3, 3, 2), (2, 3), (1, 0), (1, 2)),  # non-square, untiled, dilated
]


@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding", "dilation"), GEOMETRIES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cache_holds_exactly_the_im2col_matrix(x_shape, w_shape, stride, padding, dilation,
                                               dtype):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype)
    kwargs = dict(stride=stride, padding=padding, dilation=dilation)
    out, cache = conv2d_forward(x, w, b, **kwargs)
    expected = im2col(x, w_shape[2:], **kwargs)
    assert cache.cols.shape == expected.shape and cache.cols.dtype == expected.dtype == dtype
    np.testing.assert_array_equal(cache.cols, expected)  # the row of ones is not part of it
    # The bias folded into the product equals adding it afterwards, up to rounding.
    without_bias, _ = conv2d_forward(x, w, np.zeros_like(b), **kwargs)
    tolerance = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(out, without_bias + b[:, None, None], rtol=tolerance,
                               atol=tolerance)


@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding", "dilation"), GEOMETRIES)
def test_backward_from_fast_and_naive_caches_agree(x_shape, w_shape, stride, padding, dilation):
    rng = np.random.default_rng(1)
    x, w, b = (rng.standard_normal(x_shape), rng.standard_normal(w_shape),
               rng.standard_normal(w_shape[0]))
    kwargs = dict(stride=stride, padding=padding, dilation=dilation)
    out, fast_cache = conv2d_forward(x, w, b, **kwargs)
    naive_out, naive_cache = conv2d_forward_naive(x, w, b, **kwargs)
    np.testing.assert_allclose(out, naive_out, rtol=1e-12, atol=1e-12)
    dout = rng.standard_normal(out.shape)
    for fast, naive in zip(conv2d_backward(dout, fast_cache), conv2d_backward(dout, naive_cache),
                           strict=True):
        np.testing.assert_allclose(fast, naive, rtol=1e-13, atol=1e-13)
