"""c182lib.conv against independent references: np.correlate, scipy.signal, explicit index
loops, the explicit matrix, numerical gradients and PyTorch (skipped when absent)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
from _conv_helpers import conv_arrays, geometry_2d, hyper
from hypothesis import given, settings
from hypothesis import strategies as st

from c182lib.conv import (
    Conv2dCache,
    col2im,
    conv2d_backward,
    conv2d_forward,
    conv2d_forward_naive,
    conv_matrix_1d,
    conv_matrix_2d,
    corr1d,
    corr1d_backward,
    corr2d,
    im2col,
)
from c182lib.gradcheck import numerical_gradients, rel_error
from c182lib.shapes import conv_output_size

SETTINGS = settings(max_examples=40, deadline=None)
SLOW_SETTINGS = settings(max_examples=12, deadline=None)  # numerical gradients, PyTorch
SEEDS = st.integers(0, 2**32 - 1)


@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch")
    return torch


# ----------------------------------------------------------------------------- strategies


@st.composite
def geometry_1d(draw):
    """(n, k, stride, padding, dilation) for which the dilated filter fits the padded input."""
    k, s, p, d = (draw(st.integers(1, 5)), draw(st.integers(1, 4)), draw(st.integers(0, 3)),
                  draw(st.integers(1, 3)))
    n = draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 14))
    return n, k, s, p, d


def corr1d_arrays(geometry, seed):
    """Random x (n,), w (k,) and an upstream gradient dy (n_out,) for a 1-D ``geometry``."""
    n, k, s, p, d = geometry
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(n), rng.standard_normal(k)
    return x, w, rng.standard_normal(conv_output_size(n, k, s, p, d))


# ----------------------------------------------------------------------------- references


def dilate(w: np.ndarray, d: int, axes=(0,)) -> np.ndarray:
    """``w`` with ``d - 1`` zeros inserted between neighbouring entries along ``axes``."""
    shape = list(w.shape)
    for axis in axes:
        shape[axis] = d * (shape[axis] - 1) + 1
    out = np.zeros(shape)
    out[tuple(slice(None, None, d) if a in axes else slice(None) for a in range(w.ndim))] = w
    return out


def reference_corr1d(x, w, s, p, d):
    """np.correlate on the padded input with the dilated filter, subsampled by the stride."""
    return np.correlate(np.pad(x, p), dilate(w, d), mode="valid")[::s]


def loops_corr1d(x, w, s, p, d):
    """The defining sum, one index at a time."""
    n, k = len(x), len(w)
    n_out = conv_output_size(n, k, s, p, d)
    y = np.zeros(n_out)
    for o in range(n_out):
        for j in range(k):
            m = o * s + j * d - p  # index into the unpadded x
            if 0 <= m < n:
                y[o] += w[j] * x[m]
    return y


def reference_conv2d(x, w, b, stride, padding, dilation):
    """Sum over channels of scipy.signal.correlate2d with dilated kernels, then subsample."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    x_padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = []
    for image in x_padded:
        maps = []
        for f in range(w.shape[0]):
            total = sum(scipy.signal.correlate2d(image[c], dilate(dilate(w[f, c], dh), dw, (1,)),
                                                 mode="valid") for c in range(w.shape[1]))
            maps.append(total[::sh, ::sw] + b[f])
        out.append(maps)
    return np.array(out)


# ----------------------------------------------------------------------------- corr1d


def test_corr1d_worksheet_example():
    x, w = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 0.0, -1.0])
    np.testing.assert_array_equal(corr1d(x, w), [1 - 3, 2 - 4])
    np.testing.assert_array_equal(corr1d(x, w, padding=1), [0 - 2, 1 - 3, 2 - 4, 3 - 0])
    np.testing.assert_array_equal(corr1d(x, w, stride=2, padding=1), [0 - 2, 2 - 4])
    np.testing.assert_array_equal(corr1d(x, [1, 1], dilation=3), [1 + 4])


@SETTINGS
@given(geometry=geometry_1d(), seed=SEEDS)
def test_corr1d_matches_numpy_scipy_and_loops(geometry, seed):
    n, k, s, p, d = geometry
    x, w, _ = corr1d_arrays(geometry, seed)
    y = corr1d(x, w, s, p, d)
    np.testing.assert_allclose(y, reference_corr1d(x, w, s, p, d), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y, loops_corr1d(x, w, s, p, d), rtol=1e-12, atol=1e-12)
    if d == 1:
        scipy_y = scipy.signal.correlate(np.pad(x, p), w, mode="valid")[::s]
        np.testing.assert_allclose(y, scipy_y, rtol=1e-12, atol=1e-12)


def test_corr1d_dtypes():
    assert corr1d(np.ones(5, np.float32), np.ones(2, np.float32)).dtype == np.float32
    assert corr1d(np.ones(5, np.float32), np.ones(2)).dtype == np.float64
    assert corr1d([1, 2, 3], [1, 1]).dtype == np.float64


F16, F32, F64 = np.float16, np.float32, np.float64


@pytest.mark.parametrize(("dtypes", "expected"), [
    ((F32, F32, F32), F32), ((F32, F32, F64), F64), ((F64, F32, F32), F64),
    ((np.int64, F32, F32), F64), ((F16, F16, F16), F16), ((F16, F32, F16), F32),
])
def test_dtype_is_the_promotion_of_the_arguments_as_documented(dtypes, expected):
    """The module docstring's rule, for every function with more than one array argument."""
    x_dtype, w_dtype, b_dtype = dtypes
    x = np.arange(2 * 2 * 5 * 5).reshape(2, 2, 5, 5).astype(x_dtype) % 3
    w, b = np.ones((3, 2, 2, 2), w_dtype), np.ones(3, b_dtype)
    for forward in (conv2d_forward, conv2d_forward_naive):
        out, cache = forward(x, w, b, stride=np.array(2))
        assert out.dtype == expected
        assert all(g.dtype == expected for g in conv2d_backward(np.ones_like(out), cache))
    assert corr1d(x[0, 0, 0], w[0, 0, 0]).dtype == np.result_type(x[0, 0, 0], w)
    assert corr2d(x[0, 0], w[0, 0]).dtype == np.result_type(x[0, 0], w)
    dy = np.ones(4, b_dtype)
    dx, dw = corr1d_backward(dy, x[0, 0, 0], w[0, 0, 0])
    assert dx.dtype == dw.dtype == np.result_type(dy, x, w)


def test_zero_dimensional_integer_hyperparameters_count_as_ints():
    rng = np.random.default_rng(70)
    x, w, b = rng.standard_normal((2, 2, 7, 6)), rng.standard_normal((3, 2, 3, 2)), np.ones(3)
    two, one = np.array(2), np.array(1)
    for forward in (conv2d_forward, conv2d_forward_naive):
        np.testing.assert_array_equal(
            forward(x, w, b, stride=two, padding=one, dilation=one)[0],
            forward(x, w, b, stride=2, padding=1, dilation=1)[0])
    np.testing.assert_array_equal(im2col(x, np.array(2), stride=two), im2col(x, 2, stride=2))
    np.testing.assert_array_equal(corr2d(x[0, 0], w[0, 0], stride=two, padding=one),
                                  corr2d(x[0, 0], w[0, 0], stride=2, padding=1))
    np.testing.assert_array_equal(conv_matrix_2d(np.array([4, 5]), w[0, 0], stride=two),
                                  conv_matrix_2d((4, 5), w[0, 0], stride=2))
    np.testing.assert_array_equal(corr1d(x[0, 0, 0], w[0, 0, 0], stride=two, padding=one),
                                  corr1d(x[0, 0, 0], w[0, 0, 0], stride=2, padding=1))


# ----------------------------------------------------------------------------- corr1d_backward


def test_corr1d_backward_worksheet_problem_3():
    # y = x * w with x in R^4, w in R^3, no padding: y in R^2.
    rng = np.random.default_rng(3)
    x, w, dy = rng.standard_normal(4), rng.standard_normal(3), rng.standard_normal(2)
    dx, dw = corr1d_backward(dy, x, w)
    np.testing.assert_allclose(dx, [dy[0] * w[0], dy[0] * w[1] + dy[1] * w[0],
                                    dy[0] * w[2] + dy[1] * w[1], dy[1] * w[2]], rtol=1e-14)
    np.testing.assert_allclose(dw, [dy[0] * x[0] + dy[1] * x[1], dy[0] * x[1] + dy[1] * x[2],
                                    dy[0] * x[2] + dy[1] * x[3]], rtol=1e-14)
    # As convolutions: dw correlates x with dy, dx is the full convolution of dy with w.
    np.testing.assert_allclose(dw, np.correlate(x, dy, mode="valid"), rtol=1e-14)
    np.testing.assert_allclose(dx, np.convolve(dy, w, mode="full"), rtol=1e-14)


def test_corr1d_backward_untiled_remainder_gets_zero_gradient():
    # n=8, k=3, stride 2: windows start at 0, 2, 4; x[7] is read by none of them.
    rng = np.random.default_rng(0)
    dx, _ = corr1d_backward(rng.standard_normal(3), rng.standard_normal(8),
                            rng.standard_normal(3), stride=2)
    assert dx[7] == 0
    assert np.all(dx[:7] != 0)


@SLOW_SETTINGS
@given(geometry=geometry_1d(), seed=SEEDS)
def test_corr1d_backward_matches_numerical_gradients(geometry, seed):
    n, k, s, p, d = geometry
    x, w, dy = corr1d_arrays(geometry, seed)
    dx, dw = corr1d_backward(dy, x, w, s, p, d)
    dx_num, dw_num = numerical_gradients(lambda x_, w_: corr1d(x_, w_, s, p, d), (x, w), dy)
    assert rel_error(dx, dx_num) < 1e-7
    assert rel_error(dw, dw_num) < 1e-7


@SETTINGS
@given(geometry=geometry_1d(), seed=SEEDS)
def test_corr1d_backward_matches_the_matrix(geometry, seed):
    n, k, s, p, d = geometry
    x, w, dy = corr1d_arrays(geometry, seed)
    dx, dw = corr1d_backward(dy, x, w, s, p, d)
    np.testing.assert_allclose(dx, conv_matrix_1d(n, w, s, p, dilation=d).T @ dy,
                               rtol=1e-12, atol=1e-12)
    # y is linear in w too: dw[j] = dy . (matrix of the unit filter e_j) @ x.
    dw_matrix = [dy @ conv_matrix_1d(n, np.eye(k)[j], s, p, dilation=d) @ x for j in range(k)]
    np.testing.assert_allclose(dw, dw_matrix, rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------------------- conv matrices


def test_conv_matrix_1d_worksheet_problem_2():
    # x in R^4, w in R^3, zero padding 1: a 4x6 matrix acting on x_bar in R^6.
    w1, w2, w3 = 2.0, -3.0, 5.0
    matrix = conv_matrix_1d(4, [w1, w2, w3], padding=1, on_padded=True)
    expected = [[w1, w2, w3, 0, 0, 0],
                [0, w1, w2, w3, 0, 0],
                [0, 0, w1, w2, w3, 0],
                [0, 0, 0, w1, w2, w3]]
    assert matrix.shape == (4, 6)
    for r in range(4):
        for c in range(6):
            assert matrix[r, c] == expected[r][c], (r, c)
    x = np.array([1.0, -2.0, 4.0, 3.0])
    x_bar = np.array([0.0, *x, 0.0])
    np.testing.assert_allclose(matrix @ x_bar, corr1d(x, [w1, w2, w3], padding=1), rtol=1e-15)
    # Acting on the unpadded input drops the columns of the padding zeros.
    unpadded = conv_matrix_1d(4, [w1, w2, w3], padding=1)
    np.testing.assert_array_equal(unpadded, np.array(expected)[:, 1:5])


@SETTINGS
@given(geometry=geometry_1d(), seed=SEEDS)
def test_conv_matrix_1d_is_the_convolution(geometry, seed):
    n, k, s, p, d = geometry
    x, w, _ = corr1d_arrays(geometry, seed)
    y = loops_corr1d(x, w, s, p, d)
    np.testing.assert_allclose(conv_matrix_1d(n, w, s, p, dilation=d) @ x, y,
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(conv_matrix_1d(n, w, s, p, True, d) @ np.pad(x, p), y,
                               rtol=1e-12, atol=1e-12)


@SETTINGS
@given(geometry=geometry_2d(max_batch=1, max_channels=1), seed=SEEDS)
def test_conv_matrix_2d(geometry, seed):
    geometry["dilation"] = (1, 1)  # corr2d has no dilation; the drawn sizes still fit
    x, w, b, dout = conv_arrays(geometry, seed)
    image, kernel, dy = x[0, 0], w[0, 0], dout[0, 0]
    (h, width), (kh, kw) = image.shape, kernel.shape
    (sh, sw), (ph, pw) = geometry["stride"], geometry["padding"]
    matrix = conv_matrix_2d((h, width), kernel, (sh, sw), (ph, pw))
    y = corr2d(image, kernel, (sh, sw), (ph, pw))
    np.testing.assert_allclose(matrix @ image.ravel(), y.ravel(), rtol=1e-12, atol=1e-12)
    padded = conv_matrix_2d((h, width), kernel, (sh, sw), (ph, pw), on_padded=True)
    image_padded = np.pad(image, ((ph, ph), (pw, pw)))
    np.testing.assert_allclose(padded @ image_padded.ravel(), y.ravel(), rtol=1e-12, atol=1e-12)
    # Doubly-block Toeplitz, entry by entry: output (r, c) weights padded cell
    # (r*sh + i, c*sw + j) by kernel[i, j]; every other entry is zero.
    h_out, w_out = y.shape
    wp = width + 2 * pw
    expected = np.zeros_like(padded)
    for r in range(h_out):
        for c in range(w_out):
            for i in range(kh):
                for j in range(kw):
                    expected[r * w_out + c, (r * sh + i) * wp + c * sw + j] = kernel[i, j]
    np.testing.assert_array_equal(padded, expected)
    # The transpose carries the output gradient back to the input.
    dx, _, _ = conv2d_backward(dy[None, None], conv2d_forward(
        image[None, None], kernel[None, None], [0.0], (sh, sw), (ph, pw))[1])
    np.testing.assert_allclose(matrix.T @ dy.ravel(), dx.ravel(), rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------------------- corr2d


@SETTINGS
@given(geometry=geometry_2d(max_batch=1, max_channels=1), seed=SEEDS)
def test_corr2d_matches_scipy(geometry, seed):
    geometry["dilation"] = (1, 1)  # corr2d has no dilation; the drawn sizes still fit
    x, w, _, _ = conv_arrays(geometry, seed)
    image, kernel = x[0, 0], w[0, 0]
    (sh, sw), (ph, pw) = geometry["stride"], geometry["padding"]
    expected = scipy.signal.correlate2d(np.pad(image, ((ph, ph), (pw, pw))), kernel,
                                        mode="valid")[::sh, ::sw]
    np.testing.assert_allclose(corr2d(image, kernel, (sh, sw), (ph, pw)), expected,
                               rtol=1e-12, atol=1e-12)


def test_corr2d_int_arguments_apply_to_both_axes():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((7, 6)), rng.standard_normal((3, 2))
    np.testing.assert_array_equal(corr2d(x, w, 2, 1), corr2d(x, w, (2, 2), (1, 1)))


# ----------------------------------------------------------------------------- im2col / col2im


@SETTINGS
@given(geometry=geometry_2d(), seed=SEEDS)
def test_im2col_layout(geometry, seed):
    x, w, _, _ = conv_arrays(geometry, seed)
    n, c, _, _ = x.shape
    kh, kw = w.shape[2:]
    (sh, sw), (ph, pw), (dh, dw) = geometry["stride"], geometry["padding"], geometry["dilation"]
    cols = im2col(x, (kh, kw), **hyper(geometry))
    h_out = conv_output_size(x.shape[2], kh, sh, ph, dh)
    w_out = conv_output_size(x.shape[3], kw, sw, pw, dw)
    assert cols.shape == (n, c * kh * kw, h_out * w_out)
    x_padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    expected = np.empty_like(cols)
    for a in range(n):
        for ch in range(c):
            for i in range(kh):
                for j in range(kw):
                    for oh in range(h_out):
                        for ow in range(w_out):
                            expected[a, (ch * kh + i) * kw + j, oh * w_out + ow] = (
                                x_padded[a, ch, oh * sh + i * dh, ow * sw + j * dw])
    np.testing.assert_array_equal(cols, expected)


@SETTINGS
@given(geometry=geometry_2d(max_batch=3), seed=SEEDS)
def test_col2im_is_the_adjoint_of_im2col(geometry, seed):
    # Small integers: every sum is exact in float64, so the identity holds to the last bit.
    rng = np.random.default_rng(seed)
    x = rng.integers(-9, 10, geometry["x_shape"]).astype(np.float64)
    kernel = geometry["w_shape"][2:]
    cols_x = im2col(x, kernel, **hyper(geometry))
    c = rng.integers(-9, 10, cols_x.shape).astype(np.float64)
    folded = col2im(c, x.shape, kernel, **hyper(geometry))
    assert folded.shape == x.shape
    assert np.sum(cols_x * c) == np.sum(x * folded)


def test_col2im_sums_overlapping_windows():
    # 3x3 windows, stride 1 on a 4x4 image: cell (r, q) is covered by
    # (number of window rows covering r) * (number of window columns covering q) windows.
    x_shape = (1, 1, 4, 4)
    covered = np.array([1, 2, 2, 1])
    ones = np.ones(im2col(np.zeros(x_shape), 3).shape)
    np.testing.assert_array_equal(col2im(ones, x_shape, 3)[0, 0], np.outer(covered, covered))


# ----------------------------------------------------------------------------- conv2d forward


@SETTINGS
@given(geometry=geometry_2d(), seed=SEEDS)
def test_conv2d_forward_naive_fast_and_scipy_agree(geometry, seed):
    x, w, b, _ = conv_arrays(geometry, seed)
    naive, _ = conv2d_forward_naive(x, w, b, **hyper(geometry))
    fast, _ = conv2d_forward(x, w, b, **hyper(geometry))
    reference = reference_conv2d(x, w, b, **hyper(geometry))
    assert fast.flags.c_contiguous
    np.testing.assert_allclose(naive, reference, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(fast, reference, rtol=1e-11, atol=1e-12)


def test_conv2d_forward_int_arguments_and_batch_of_one():
    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal((1, 2, 9, 8)), rng.standard_normal((3, 2, 3, 2)), np.zeros(3)
    out, _ = conv2d_forward(x, w, b, stride=2, padding=1, dilation=2)
    np.testing.assert_array_equal(out, conv2d_forward(x, w, b, (2, 2), (1, 1), (2, 2))[0])
    assert out.shape == (1, 3, 4, 4)


def test_conv2d_dtypes():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 2, 5, 5)).astype(np.float32)
    w = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    b = np.zeros(3, np.float32)
    for forward in (conv2d_forward, conv2d_forward_naive):
        out, cache = forward(x, w, b, padding=1)
        assert out.dtype == np.float32
        assert all(g.dtype == np.float32 for g in conv2d_backward(np.ones_like(out), cache))
        assert forward(x, w.astype(np.float64), b, padding=1)[0].dtype == np.float64
    out, _ = conv2d_forward(np.ones((1, 1, 3, 3), int), np.ones((1, 1, 2, 2), int), [1])
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, np.full((1, 1, 2, 2), 5.0))


def test_conv2d_non_contiguous_inputs():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 9, 12, 3)).transpose(0, 3, 2, 1)[:, :, ::2]  # (2, 3, 6, 9)
    w = rng.standard_normal((3, 2, 4, 3)).transpose(1, 0, 3, 2)              # (2, 3, 3, 4)
    b = rng.standard_normal(4)[::2]
    assert not (x.flags.c_contiguous or w.flags.c_contiguous or b.flags.c_contiguous)
    dense = [np.ascontiguousarray(a) for a in (x, w, b)]
    for forward in (conv2d_forward, conv2d_forward_naive):
        out, cache = forward(x, w, b, stride=(2, 1), padding=1)
        dense_out, dense_cache = forward(*dense, stride=(2, 1), padding=1)
        np.testing.assert_array_equal(out, dense_out)
        dout = rng.standard_normal(out.shape[::-1]).T  # a transposed (non-contiguous) view
        for g, g_dense in zip(conv2d_backward(dout, cache),
                              conv2d_backward(np.ascontiguousarray(dout), dense_cache),
                              strict=True):
            np.testing.assert_array_equal(g, g_dense)


@pytest.mark.parametrize(("x_shape", "w_shape"), [((0, 2, 5, 5), (3, 2, 3, 3)),
                                                  ((2, 2, 5, 5), (0, 2, 3, 3))])
def test_conv2d_empty_batch_or_no_filters(x_shape, w_shape):
    # As in PyTorch: N = 0 images or F = 0 filters give empty results of the right shapes.
    x, w, b = np.ones(x_shape), np.ones(w_shape), np.ones(w_shape[0])
    for forward in (conv2d_forward, conv2d_forward_naive):
        out, cache = forward(x, w, b, padding=1)
        assert out.shape == (x_shape[0], w_shape[0], 5, 5)
        dx, dw, db = conv2d_backward(np.ones(out.shape), cache)
        assert (dx.shape, dw.shape, db.shape) == (x_shape, w_shape, b.shape)
        assert not dx.any() and not dw.any() and not db.any()


# ----------------------------------------------------------------------------- conv2d backward


@SLOW_SETTINGS
@given(geometry=geometry_2d(max_extra=3), seed=SEEDS, naive=st.booleans())
def test_conv2d_backward_matches_numerical_gradients(geometry, seed, naive):
    x, w, b, dout = conv_arrays(geometry, seed)
    forward = conv2d_forward_naive if naive else conv2d_forward
    kwargs = hyper(geometry)
    grads = conv2d_backward(dout, forward(x, w, b, **kwargs)[1])
    numeric = numerical_gradients(lambda *args: conv2d_forward(*args, **kwargs)[0], (x, w, b),
                                  dout)
    for name, grad, expected in zip(("dx", "dw", "db"), grads, numeric, strict=True):
        assert rel_error(grad, expected) < 1e-7, name


def test_conv2d_backward_untiled_remainder_gets_zero_gradient():
    # 8 rows, kernel 3, stride 2, no padding: windows start at rows 0, 2, 4; row 7 is unused.
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((1, 1, 8, 8)), rng.standard_normal((1, 1, 3, 3)), np.zeros(1)
    out, cache = conv2d_forward(x, w, b, stride=2)
    dx, _, _ = conv2d_backward(rng.standard_normal(out.shape), cache)
    assert np.all(dx[0, 0, 7, :] == 0) and np.all(dx[0, 0, :, 7] == 0)
    assert np.all(dx[0, 0, :7, :7] != 0)


# ----------------------------------------------------------------------------- PyTorch


@SLOW_SETTINGS
@given(geometry=geometry_2d(max_batch=3), seed=SEEDS)
def test_conv2d_matches_pytorch(torch, geometry, seed):
    x, w, b, dout = conv_arrays(geometry, seed)
    kwargs = hyper(geometry)
    out, cache = conv2d_forward(x, w, b, **kwargs)
    dx, dw, db = conv2d_backward(dout, cache)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out_t = torch.nn.functional.conv2d(xt, wt, bt, **kwargs)
    out_t.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-11, atol=1e-12)
    for mine, theirs in ((dx, xt), (dw, wt), (db, bt)):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-11, atol=1e-12)


def test_conv2d_matches_pytorch_on_a_benchmark_shape(torch):
    rng = np.random.default_rng(6)
    x, w, b = (rng.standard_normal((8, 3, 31, 31)), rng.standard_normal((25, 3, 3, 3)),
               rng.standard_normal(25))
    out, cache = conv2d_forward(x, w, b, stride=2, padding=1)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv2d_backward(dout, cache)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out_t = torch.nn.functional.conv2d(xt, wt, bt, stride=2, padding=1)
    out_t.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-10, atol=1e-11)
    for mine, theirs in ((dx, xt), (dw, wt), (db, bt)):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-10, atol=1e-11)


# ----------------------------------------------------------------------------- bad input

X4, W4, B4 = np.ones((2, 3, 6, 6)), np.ones((4, 3, 3, 3)), np.ones(4)


def _cache():
    return conv2d_forward(X4, W4, B4)[1]


BAD_CALLS = [
    # corr1d / corr1d_backward
    ("corr1d x 2-D", lambda: corr1d(np.ones((2, 3)), [1.0]), ValueError, "x must be a 1-D"),
    ("corr1d w 2-D", lambda: corr1d(np.ones(5), np.ones((1, 2))), ValueError, "w must be a 1-D"),
    ("corr1d stride 0", lambda: corr1d(np.ones(5), [1.0], stride=0), ValueError, "stride"),
    ("corr1d padding -1", lambda: corr1d(np.ones(5), [1.0], padding=-1), ValueError, "padding"),
    ("corr1d dilation 0", lambda: corr1d(np.ones(5), [1.0], dilation=0), ValueError, "dilation"),
    ("corr1d stride float", lambda: corr1d(np.ones(5), [1.0], stride=1.0), TypeError, "stride"),
    ("corr1d too long w", lambda: corr1d(np.ones(3), np.ones(4)), ValueError, "kernel_size"),
    ("corr1d empty x", lambda: corr1d(np.ones(0), np.ones(1)), ValueError, "x has length 0"),
    ("corr1d bool x", lambda: corr1d(np.ones(5, bool), [1.0]), TypeError, "x must be"),
    ("corr1d complex w", lambda: corr1d(np.ones(5), [1j]), TypeError, "w must be"),
    ("corr1d str x", lambda: corr1d(["a", "b"], [1.0]), TypeError, "x must be"),
    ("corr1d_backward dy shape", lambda: corr1d_backward(np.ones(4), np.ones(5), np.ones(3)),
     ValueError, "dy must have shape"),
    ("corr1d_backward dy 2-D", lambda: corr1d_backward(np.ones((3, 1)), np.ones(5), np.ones(3)),
     ValueError, "dy must be a 1-D"),
    # corr2d and the matrices
    ("corr2d x 1-D", lambda: corr2d(np.ones(5), np.ones((2, 2))), ValueError, "x must be a 2-D"),
    ("corr2d stride pair", lambda: corr2d(np.ones((5, 5)), np.ones((2, 2)), stride=(1, 0)),
     ValueError, r"stride\[1\]"),
    ("corr2d padding", lambda: corr2d(np.ones((5, 5)), np.ones((2, 2)), padding=(0, -1)),
     ValueError, r"padding\[1\]"),
    ("corr2d kernel too wide", lambda: corr2d(np.ones((5, 2)), np.ones((2, 3))), ValueError,
     "width"),
    ("conv_matrix_1d n", lambda: conv_matrix_1d(0, [1.0]), ValueError, "n must be"),
    ("conv_matrix_1d on_padded", lambda: conv_matrix_1d(4, [1.0], on_padded=1), TypeError,
     "on_padded"),
    ("conv_matrix_2d input_hw", lambda: conv_matrix_2d((3, 4, 5), np.ones((2, 2))), ValueError,
     "input_hw"),
    ("conv_matrix_2d w 1-D", lambda: conv_matrix_2d((3, 4), np.ones(2)), ValueError,
     "w must be a 2-D"),
    # im2col / col2im
    ("im2col x 3-D", lambda: im2col(np.ones((3, 6, 6)), 3), ValueError, "x must be a 4-D"),
    ("im2col kernel 0", lambda: im2col(X4, 0), ValueError, "kernel_size"),
    ("im2col kernel too big", lambda: im2col(X4, 7), ValueError, "kernel_size"),
    ("col2im cols 2-D", lambda: col2im(np.ones((27, 32)), (2, 3, 6, 6), 3), ValueError,
     "cols must be a 3-D"),
    ("col2im cols shape", lambda: col2im(np.ones((2, 27, 5)), (2, 3, 6, 6), 3), ValueError,
     "cols must have shape"),
    ("col2im x_shape", lambda: col2im(np.ones((2, 27, 16)), (3, 6, 6), 3), ValueError,
     "x_shape"),
    ("col2im x_shape entry", lambda: col2im(np.ones((2, 27, 16)), (2, 3, 6.0, 6), 3),
     TypeError, r"x_shape\[2\]"),
    # conv2d (both forwards) and its backward
    ("conv2d x 3-D", lambda f: f(np.ones((3, 6, 6)), W4, B4), ValueError, "x must be a 4-D"),
    ("conv2d w 3-D", lambda f: f(X4, np.ones((3, 3, 3)), B4), ValueError, "w must be a 4-D"),
    ("conv2d channels", lambda f: f(X4, np.ones((4, 2, 3, 3)), B4), ValueError,
     "w has 2 input channels"),
    ("conv2d b shape", lambda f: f(X4, W4, np.ones(3)), ValueError, "b must have shape"),
    ("conv2d b 2-D", lambda f: f(X4, W4, np.ones((4, 1))), ValueError, "b must be a 1-D"),
    ("conv2d b None", lambda f: f(X4, W4, None), TypeError, "b must be"),
    ("conv2d stride 0", lambda f: f(X4, W4, B4, stride=0), ValueError, "stride"),
    ("conv2d padding", lambda f: f(X4, W4, B4, padding=(0, -2)), ValueError, r"padding\[1\]"),
    ("conv2d dilation", lambda f: f(X4, W4, B4, dilation=0), ValueError, "dilation"),
    ("conv2d stride bool", lambda f: f(X4, W4, B4, stride=True), TypeError, "stride"),
    ("conv2d stride 0-d float", lambda f: f(X4, W4, B4, stride=np.array(2.0)), TypeError,
     "^stride must be an integer"),
    ("conv2d padding 0-d negative", lambda f: f(X4, W4, B4, padding=np.array(-1)), ValueError,
     "^padding must be an integer >= 0"),
    ("conv2d output < 1", lambda f: f(X4, W4, B4, dilation=(3, 1)), ValueError,
     "height of x is 6.*kernel_size"),
    ("conv2d bool x", lambda f: f(X4.astype(bool), W4, B4), TypeError, "x must be"),
    ("conv2d complex w", lambda f: f(X4, W4 + 0j, B4), TypeError, "w must be"),
    ("conv2d object b", lambda f: f(X4, W4, np.array([1, 2, 3, "4"], object)), TypeError,
     "b must be"),
    ("conv2d_backward dout shape", lambda: conv2d_backward(np.ones((2, 4, 3, 3)), _cache()),
     ValueError, "dout must have shape"),
    ("conv2d_backward dout 3-D", lambda: conv2d_backward(np.ones((4, 4, 4)), _cache()),
     ValueError, "dout must be a 4-D"),
    ("conv2d_backward cache", lambda: conv2d_backward(np.ones((2, 4, 4, 4)), (X4, W4, B4)),
     TypeError, "cache"),
]


@pytest.mark.parametrize(("call", "error", "message"), [c[1:] for c in BAD_CALLS],
                         ids=[c[0] for c in BAD_CALLS])
def test_bad_input_names_the_argument(call, error, message):
    takes_forward = call.__code__.co_argcount == 1
    for forward in (conv2d_forward, conv2d_forward_naive) if takes_forward else (None,):
        with pytest.raises(error, match=message):
            call(forward) if takes_forward else call()


# ----------------------------------------------------------------------------- no mutation


def test_inputs_are_never_modified():
    rng = np.random.default_rng(9)
    x, w, b = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2)), np.ones(4)
    x1, w1, dy1 = rng.standard_normal(9), rng.standard_normal(3), rng.standard_normal(5)
    image, kernel = rng.standard_normal((6, 5)), rng.standard_normal((2, 3))
    arrays = (x, w, b, x1, w1, dy1, image, kernel)
    originals = [a.copy() for a in arrays]
    for a in arrays:
        a.flags.writeable = False  # any write raises instead of passing silently
    hyper2d = dict(stride=(2, 1), padding=1, dilation=(1, 2))
    corr1d(x1, w1, stride=2, padding=1)
    corr1d_backward(dy1, x1, w1, stride=2, padding=1)
    corr2d(image, kernel, padding=1)
    conv_matrix_1d(9, w1, padding=2)
    conv_matrix_2d((6, 5), kernel, padding=1)
    cols = im2col(x, (3, 2), **hyper2d)
    cols.flags.writeable = False
    col2im(cols, x.shape, (3, 2), **hyper2d)
    for forward in (conv2d_forward, conv2d_forward_naive):
        out, cache = forward(x, w, b, **hyper2d)
        dout = rng.standard_normal(out.shape)
        dout_copy = dout.copy()
        dout.flags.writeable = False
        conv2d_backward(dout, cache)
        np.testing.assert_array_equal(dout, dout_copy)
    for a, original in zip(arrays, originals, strict=True):
        np.testing.assert_array_equal(a, original)


def test_cache_is_a_named_tuple_with_pairs():
    _, cache = conv2d_forward(X4, W4, B4, stride=2, padding=(1, 0))
    assert isinstance(cache, Conv2dCache)
    assert (cache.stride, cache.padding, cache.dilation) == ((2, 2), (1, 0), (1, 1))


@pytest.mark.parametrize(("n", "k", "stride", "dilation", "nan_at"), [
    (8, 3, 2, 1, 7),    # the untiled remainder
    (10, 2, 4, 1, 3),   # skipped between windows (stride longer than the window)
    (9, 2, 2, 3, 1),    # a gap of the dilated filter that no window reads
])
def test_corr1d_backward_nan_in_a_cell_no_window_reads_stays_out_of_dw(torch, n, k, stride,
                                                                       dilation, nan_at):
    rng = np.random.default_rng(n)
    x, w = rng.standard_normal(n), rng.standard_normal(k)
    n_out = conv_output_size(n, k, stride, 0, dilation)
    read = {o * stride + j * dilation for o in range(n_out) for j in range(k)}
    assert nan_at not in read
    x[nan_at] = np.nan
    dy = rng.standard_normal(n_out)
    dx, dw = corr1d_backward(dy, x, w, stride=stride, dilation=dilation)
    assert np.isfinite(dw).all() and np.isfinite(dx).all()
    xt, wt = (torch.tensor(a[None, None], requires_grad=True) for a in (x, w))
    torch.nn.functional.conv1d(xt, wt, stride=stride, dilation=dilation).backward(
        torch.tensor(dy[None, None]))
    np.testing.assert_allclose(dw, wt.grad.numpy()[0, 0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy()[0, 0], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("call", "named"), [
    (lambda: conv_matrix_1d(10**6, np.ones(3)), "n=1000000"),
    (lambda: conv_matrix_1d(5, np.ones(3), padding=2**63), "padding=9223372036854775808"),
    (lambda: conv_matrix_2d((4, 4), np.ones((2, 2)), padding=10**5), "padding=(100000, 100000)"),
    (lambda: corr1d(np.ones(5), np.ones(3), padding=10**6), "padding=1000000"),
    (lambda: corr1d_backward(np.ones(5), np.ones(5), np.ones(3), padding=10**6), "padding"),
    (lambda: corr2d(np.ones((3, 3)), np.ones((2, 2)), padding=10**6), "padding=(1000000, 1000000)"),
    (lambda: im2col(np.ones((2, 3, 5, 5)), 3, padding=10**6), "padding=(1000000, 1000000)"),
    (lambda: col2im(np.ones((1, 9, 1)), (1, 1, 10**6, 10**6), 3), "x_shape=(1, 1, 1000000"),
    (lambda: conv2d_forward(np.ones((2, 3, 5, 5)), np.ones((4, 3, 3, 3)), np.ones(4),
                            padding=10**6), "padding=(1000000, 1000000)"),
    (lambda: conv2d_forward_naive(np.ones((2, 3, 5, 5)), np.ones((4, 3, 3, 3)), np.ones(4),
                                  padding=10**6), "padding=(1000000, 1000000)"),
    (lambda: conv2d_forward_naive(np.ones((2, 3, 5, 5)), np.ones((4, 3, 3, 3)), np.ones(4),
                                  padding=200), "implies a loop"),
])
def test_sizes_that_cannot_fit_are_refused_before_allocating(call, named):
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="implies") as refused:
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert named in str(refused.value)
    assert "limit" in str(refused.value)
    assert peak < 10 << 20


@pytest.mark.parametrize("call", [
    lambda: conv_matrix_2d((4, 4), np.ones((0, 3))),
    lambda: corr2d(np.ones((4, 4)), np.ones((2, 0))),
    lambda: conv2d_forward(np.ones((1, 1, 4, 4)), np.ones((1, 1, 0, 2)), np.ones(1)),
])
def test_a_kernel_without_rows_or_columns_blames_w(call):
    with pytest.raises(ValueError, match=r"^w must have KH >= 1 and KW >= 1"):
        call()
