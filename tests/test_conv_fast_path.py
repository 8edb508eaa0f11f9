"""The fast conv layer (im2col + one product) against the naive loops, its bias and its cache."""

from __future__ import annotations

import inspect

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
def test_the_bias_is_added_to_every_position_of_its_filter(x_shape, w_shape, stride, padding,
                                                        dilation, dtype):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype)
    kwargs = dict(stride=stride, padding=padding, dilation=dilation)
    out, _ = conv2d_forward(x, w, b, **kwargs)
    without_bias, _ = conv2d_forward(x, w, np.zeros_like(b), **kwargs)
    assert out.dtype == dtype
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


def test_the_cache_holds_the_arguments_and_the_fast_layers_columns():
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3)), np.zeros(4)
    for x_dtype in (np.float64, np.float32):  # a float32 x is not converted in the cache
        x = x.astype(x_dtype)
        _, cache = conv2d_forward(x, w, b, padding=1)
        _, naive_cache = conv2d_forward_naive(x, w, b, padding=1)
        for fast, naive, argument in zip(cache[:3], naive_cache[:3], (x, w, b), strict=True):
            assert fast is naive is argument                      # references, no copies
        assert cache[3:6] == naive_cache[3:6] == ((1, 1), (1, 1), (1, 1))
        # The columns the forward multiplied, in its working dtype (float64: w is float64).
        np.testing.assert_array_equal(cache.cols, im2col(x.astype(np.float64), 3, padding=1))
        assert naive_cache.cols is None


@pytest.mark.parametrize("layer", [conv2d_forward, conv2d_forward_naive])
def test_both_layers_document_their_parameters(layer):
    doc = inspect.getdoc(layer)
    for section in ("Parameters", "Returns", "Raises", "dilation : int or (int, int)"):
        assert doc.count(section) == 1, section
    assert "\n\n\n" not in doc
