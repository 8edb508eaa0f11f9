"""Tests of c182lib.pool against explicit loops, independent NumPy references and PyTorch."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from c182lib.gradcheck import numerical_gradient_array, rel_error
from c182lib.pool import (
    AvgPoolCache,
    MaxPoolCache,
    avgpool2d_backward,
    avgpool2d_forward,
    maxpool2d_argmax,
    maxpool2d_backward,
    maxpool2d_forward,
)

# ---------------------------------------------------------------- references (explicit loops)


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def loop_pool(x, dout, kernel_size, stride=None, padding=0, mode="max"):
    """Pooling forward, argmax and backward, one window and one cell at a time.

    Only the real cells of a window are visited, in row-major order. Max: a cell replaces the
    running maximum if it is strictly larger (the first of tied maxima wins) or NaN; the
    starting "maximum" is -inf at the window's first real cell. Average: divide by KH*KW.
    """
    kh, kw = _pair(kernel_size)
    sh, sw = (kh, kw) if stride is None else _pair(stride)
    ph, pw = _pair(padding)
    n, c, h, w = x.shape
    ho = (h + 2 * ph - kh) // sh + 1
    wo = (w + 2 * pw - kw) // sw + 1
    out = np.zeros((n, c, ho, wo))
    argmax = np.zeros((n, c, ho, wo, 2), dtype=int)
    dx = np.zeros(x.shape)
    for a in range(n):
        for b in range(c):
            for oh in range(ho):
                for ow in range(wo):
                    cells = [(r, s)
                             for r in range(oh * sh - ph, oh * sh - ph + kh)
                             for s in range(ow * sw - pw, ow * sw - pw + kw)
                             if 0 <= r < h and 0 <= s < w]
                    if mode == "avg":
                        out[a, b, oh, ow] = sum(x[a, b, r, s] for r, s in cells) / (kh * kw)
                        for r, s in cells:
                            dx[a, b, r, s] += dout[a, b, oh, ow] / (kh * kw)
                        continue
                    best, where = -np.inf, cells[0]
                    for r, s in cells:
                        v = x[a, b, r, s]
                        if v > best or np.isnan(v):
                            best, where = v, (r, s)
                    out[a, b, oh, ow] = best
                    argmax[a, b, oh, ow] = where
                    dx[a, b, where[0], where[1]] += dout[a, b, oh, ow]
    return out, argmax, dx


def distinct_values(rng, shape):
    """Values at least 0.1 apart, so no window has a tie and numerical gradients are exact."""
    size = int(np.prod(shape))
    return (rng.permutation(size) * 0.1 + rng.uniform(0, 0.01, size) - size / 20).reshape(shape)


# ---------------------------------------------------------------- hypothesis: loops


@st.composite
def pooling_cases(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    h = draw(st.integers(max(1, kh - 2 * ph), 9))
    w = draw(st.integers(max(1, kw - 2 * pw), 9))
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    ties = draw(st.booleans())
    rng = np.random.default_rng(seed)
    # Small integers make many ties; all-negative values check that padding (-inf) never wins.
    x = (rng.integers(-3, 1, (n, c, h, w)) if ties else rng.standard_normal((n, c, h, w)) - 2.0)
    kernel = (kh, kw) if draw(st.booleans()) or kh != kw else kh
    stride = draw(st.sampled_from([None, (sh, sw)]))
    return x.astype(np.float64), kernel, stride, (ph, pw), rng


@settings(max_examples=80, deadline=None)
@given(pooling_cases())
def test_maxpool_matches_loops(case):
    x, kernel, stride, padding, rng = case
    out, cache = maxpool2d_forward(x, kernel, stride, padding)
    dout = rng.standard_normal(out.shape)
    ref_out, ref_argmax, ref_dx = loop_pool(x, dout, kernel, stride, padding, "max")
    np.testing.assert_array_equal(out, ref_out)
    rows, cols = maxpool2d_argmax(x, kernel, stride, padding)
    np.testing.assert_array_equal(rows, ref_argmax[..., 0])
    np.testing.assert_array_equal(cols, ref_argmax[..., 1])
    np.testing.assert_allclose(maxpool2d_backward(dout, cache), ref_dx, rtol=1e-12, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(pooling_cases())
def test_avgpool_matches_loops(case):
    x, kernel, stride, padding, rng = case
    out, cache = avgpool2d_forward(x, kernel, stride, padding)
    dout = rng.standard_normal(out.shape)
    ref_out, _, ref_dx = loop_pool(x, dout, kernel, stride, padding, "avg")
    np.testing.assert_allclose(out, ref_out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(avgpool2d_backward(dout, cache), ref_dx, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("kernel", "stride"), [
    ((3, 2), (2, 2)),  # windows overlap along rows only
    ((2, 3), (2, 2)),  # along columns only
    ((2, 2), (3, 1)),  # along columns only, rows skipped
    ((2, 2), (2, 2)),  # no overlap: the backward pass writes instead of adding
])
def test_avgpool_backward_overlap_along_one_axis(kernel, stride):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 7, 8))
    out, cache = avgpool2d_forward(x, kernel, stride)
    dout = rng.standard_normal(out.shape)
    _, _, ref_dx = loop_pool(x, dout, kernel, stride, (0, 0), "avg")
    np.testing.assert_allclose(avgpool2d_backward(dout, cache), ref_dx, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- independent NumPy references


def _argmax_by_reshape(x, k):
    """Tiling k x k windows: reshape to (N, C, Ho, Wo, k*k) and np.argmax."""
    n, c, h, w = x.shape
    ho, wo = h // k, w // k
    windows = (x[:, :, :ho * k, :wo * k].reshape(n, c, ho, k, wo, k)
               .transpose(0, 1, 2, 4, 3, 5).reshape(n, c, ho, wo, k * k))
    i, j = np.divmod(windows.argmax(axis=-1), k)
    return np.arange(ho)[:, None] * k + i, np.arange(wo) * k + j


def _argmax_by_sliding_windows(x, kernel, stride):
    """Any kernel and stride, no padding: sliding_window_view and np.argmax."""
    (kh, kw), (sh, sw) = kernel, stride
    windows = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    i, j = np.divmod(windows.reshape(*windows.shape[:4], kh * kw).argmax(axis=-1), kw)
    return np.arange(windows.shape[2])[:, None] * sh + i, np.arange(windows.shape[3]) * sw + j


@pytest.mark.parametrize("shape", [(2, 3, 8, 8), (1, 2, 9, 7), (3, 1, 4, 6)])
@pytest.mark.parametrize("ties", [False, True])
def test_tiling_windows_match_reshape_argmax(shape, ties):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, shape).astype(float) if ties else rng.standard_normal(shape)
    rows, cols = maxpool2d_argmax(x, 2)
    ref_rows, ref_cols = _argmax_by_reshape(x, 2)
    np.testing.assert_array_equal(rows, ref_rows)
    np.testing.assert_array_equal(cols, ref_cols)
    out, _ = maxpool2d_forward(x, 2)
    batch, channel = np.ogrid[:shape[0], :shape[1]]
    np.testing.assert_array_equal(out, x[batch[..., None, None], channel[..., None, None],
                                         rows, cols])


@pytest.mark.parametrize("kernel, stride", [((3, 3), (1, 1)), ((2, 3), (1, 2)), ((3, 2), (2, 3)),
                                            ((2, 2), (2, 2)), ((4, 1), (3, 1))])
def test_any_stride_matches_sliding_window_argmax(kernel, stride):
    rng = np.random.default_rng(1)
    x = rng.integers(-2, 2, (2, 3, 9, 8)).astype(float)
    rows, cols = maxpool2d_argmax(x, kernel, stride)
    ref_rows, ref_cols = _argmax_by_sliding_windows(x, kernel, stride)
    np.testing.assert_array_equal(rows, ref_rows)
    np.testing.assert_array_equal(cols, ref_cols)


# ---------------------------------------------------------------- hand-checked cases


def test_ties_go_to_first_max_in_row_major_order():
    x = np.ones((1, 1, 4, 4))
    rows, cols = maxpool2d_argmax(x, 2)
    np.testing.assert_array_equal(rows, [[[[0, 0], [2, 2]]]])
    np.testing.assert_array_equal(cols, [[[[0, 2], [0, 2]]]])
    _, cache = maxpool2d_forward(x, 2)
    dx = maxpool2d_backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), cache)
    expected = np.zeros((4, 4))
    expected[0, 0], expected[0, 2], expected[2, 0], expected[2, 2] = 1, 2, 3, 4
    np.testing.assert_array_equal(dx[0, 0], expected)


def test_overlapping_windows_accumulate():
    # The centre is the maximum of all four 2x2 windows (stride 1): it collects all of dout.
    x = np.array([[[[0.0, 1.0, 0.0], [2.0, 9.0, 3.0], [0.0, 4.0, 0.0]]]])
    out, cache = maxpool2d_forward(x, 2, stride=1)
    np.testing.assert_array_equal(out, np.full((1, 1, 2, 2), 9.0))
    dout = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    dx = maxpool2d_backward(dout, cache)
    expected = np.zeros((1, 1, 3, 3))
    expected[0, 0, 1, 1] = 10.0
    np.testing.assert_array_equal(dx, expected)
    _, avg_cache = avgpool2d_forward(x, 2, stride=1)
    np.testing.assert_allclose(avgpool2d_backward(dout, avg_cache)[0, 0],
                               [[0.25, 0.75, 0.5], [1.0, 2.5, 1.5], [0.75, 1.75, 1.0]])


def test_max_padding_is_minus_infinity():
    x = -np.arange(1.0, 17.0).reshape(1, 1, 4, 4)  # all negative
    out, _ = maxpool2d_forward(x, 3, stride=2, padding=1)
    assert np.all(out < 0)
    np.testing.assert_array_equal(out, [[[[-1.0, -2.0], [-5.0, -6.0]]]])
    rows, cols = maxpool2d_argmax(x, 3, stride=2, padding=1)
    assert rows.min() >= 0 and cols.min() >= 0


def test_all_minus_infinity_window_picks_its_first_real_cell():
    x = np.full((1, 1, 3, 3), -np.inf)
    out, cache = maxpool2d_forward(x, 3, stride=1, padding=1)
    assert np.all(out == -np.inf)
    rows, cols = maxpool2d_argmax(x, 3, stride=1, padding=1)
    np.testing.assert_array_equal(rows[0, 0], [[0, 0, 0], [0, 0, 0], [1, 1, 1]])
    np.testing.assert_array_equal(cols[0, 0], [[0, 0, 1], [0, 0, 1], [0, 0, 1]])


def test_nan_propagates_and_takes_the_gradient():
    x = np.array([[[[np.nan, 1.0, np.nan, 5.0], [0.0, 2.0, 3.0, 4.0]]]])
    out, cache = maxpool2d_forward(x, (2, 4))
    assert np.isnan(out).all()
    rows, cols = maxpool2d_argmax(x, (2, 4))
    assert (rows.item(), cols.item()) == (0, 2)  # the last NaN, as PyTorch's CPU kernel


def test_avg_padding_counts_in_divisor():
    x = np.ones((1, 1, 2, 2))
    out, cache = avgpool2d_forward(x, 2, stride=2, padding=1)
    np.testing.assert_array_equal(out, np.full((1, 1, 2, 2), 0.25))
    np.testing.assert_array_equal(avgpool2d_backward(np.ones((1, 1, 2, 2)), cache), 0.25 * x)


def test_non_tiling_stride_drops_the_remainder():
    x = np.arange(1.0, 26.0).reshape(1, 1, 5, 5)
    out, cache = maxpool2d_forward(x, 2)
    np.testing.assert_array_equal(out, [[[[7.0, 9.0], [17.0, 19.0]]]])
    dx = maxpool2d_backward(np.ones((1, 1, 2, 2)), cache)
    assert dx[0, 0, 4, :].sum() == 0 and dx[0, 0, :, 4].sum() == 0


def test_dtypes():
    x32 = np.random.default_rng(0).standard_normal((2, 2, 4, 4)).astype(np.float32)
    for forward, backward in ((maxpool2d_forward, maxpool2d_backward),
                              (avgpool2d_forward, avgpool2d_backward)):
        out, cache = forward(x32, 2)
        assert out.dtype == np.float32
        assert backward(np.ones(out.shape, np.float32), cache).dtype == np.float32
        out, _ = forward(np.arange(16).reshape(1, 1, 4, 4), 2)
        assert out.dtype == np.float64


def test_inputs_not_modified():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 6, 5))
    x.setflags(write=False)
    for forward, backward in ((maxpool2d_forward, maxpool2d_backward),
                              (avgpool2d_forward, avgpool2d_backward)):
        for padding in (0, 1):
            x_before = x.copy()
            out, cache = forward(x, 3, stride=1, padding=padding)
            dout = rng.standard_normal(out.shape)
            dout.setflags(write=False)
            dout_before = dout.copy()
            backward(dout, cache)
            backward(dout, cache)  # the cache is reusable
            np.testing.assert_array_equal(x, x_before)
            np.testing.assert_array_equal(dout, dout_before)
    maxpool2d_argmax(x, 2)


@pytest.mark.parametrize("forward, backward", [(maxpool2d_forward, maxpool2d_backward),
                                               (avgpool2d_forward, avgpool2d_backward)])
def test_non_contiguous_float32_and_empty_batches(forward, backward):
    rng = np.random.default_rng(2)
    base = rng.standard_normal((3, 2, 10, 14)).astype(np.float32)
    x = base[:, :, ::2, 1::2].transpose(0, 1, 3, 2)  # a strided, transposed view: (3, 2, 7, 5)
    assert not x.flags.c_contiguous
    dense = np.ascontiguousarray(x)
    out, cache = forward(x, 3, 2, 1)
    dense_out, dense_cache = forward(dense, 3, 2, 1)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, dense_out)
    dout = rng.standard_normal(out.shape).astype(np.float32)[..., ::-1]  # reversed: strided
    np.testing.assert_array_equal(backward(dout, cache),
                                  backward(np.ascontiguousarray(dout), dense_cache))
    # N = 0 (or C = 0): empty results of the right shapes, as in PyTorch.
    for shape in ((0, 2, 7, 5), (2, 0, 7, 5)):
        out, cache = forward(np.zeros(shape), 3, 2, 1)
        assert out.shape == (*shape[:2], 4, 3)
        assert backward(np.zeros(out.shape), cache).shape == shape


# ---------------------------------------------------------------- numerical gradients


@pytest.mark.parametrize("kernel, stride, padding", [
    (2, None, 0), (3, 1, 1), ((2, 3), (1, 2), (1, 0)), (3, 2, 1), ((3, 1), (2, 1), (1, 0))])
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_backward_matches_numerical_gradient(kernel, stride, padding, mode):
    rng = np.random.default_rng(3)
    x = distinct_values(rng, (2, 2, 5, 6))
    forward, backward = ((maxpool2d_forward, maxpool2d_backward) if mode == "max"
                         else (avgpool2d_forward, avgpool2d_backward))
    out, cache = forward(x, kernel, stride, padding)
    dout = rng.standard_normal(out.shape)
    dx_num = numerical_gradient_array(lambda z: forward(z, kernel, stride, padding)[0], x, dout)
    assert rel_error(backward(dout, cache), dx_num) < 1e-7


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("kwargs, error, name", [
    ({"kernel_size": 0}, ValueError, "kernel_size"),
    ({"kernel_size": (2, 0)}, ValueError, "kernel_size"),
    ({"kernel_size": 2.0}, TypeError, "kernel_size"),
    ({"kernel_size": (2, 2, 2)}, ValueError, "kernel_size"),
    ({"stride": 0}, ValueError, "stride"),
    ({"stride": (1, -1)}, ValueError, "stride"),
    ({"padding": -1}, ValueError, "padding"),
    ({"kernel_size": 3, "padding": 2}, ValueError, "padding"),
    ({"kernel_size": (2, 4), "padding": (1, 3)}, ValueError, "padding"),
    ({"kernel_size": 9}, ValueError, "kernel_size"),
])
@pytest.mark.parametrize("function", [maxpool2d_forward, avgpool2d_forward, maxpool2d_argmax])
def test_bad_sizes(function, kwargs, error, name):
    x = np.zeros((1, 1, 6, 6))
    with pytest.raises(error, match=name):
        function(x, **kwargs)


@pytest.mark.parametrize("function", [maxpool2d_forward, avgpool2d_forward, maxpool2d_argmax])
def test_numpy_integers_count_as_ints(function):
    x = np.arange(36.0).reshape(1, 1, 6, 6)
    expected = function(x, 3, stride=2, padding=1)
    for arguments in ({"kernel_size": np.int64(3), "stride": np.array(2), "padding": np.array(1)},
                  {"kernel_size": np.array([3, 3]), "stride": (np.int32(2), 2), "padding": 1}):
        np.testing.assert_array_equal(function(x, **arguments)[0], expected[0])
    with pytest.raises(TypeError, match="^kernel_size must be an integer"):
        function(x, np.array(3.0))


@pytest.mark.parametrize("x, error", [
    (np.zeros((1, 6, 6)), ValueError),
    (np.zeros((1, 1, 1, 6, 6)), ValueError),
    (np.zeros((1, 1, 6, 6), dtype=bool), TypeError),
    (np.zeros((1, 1, 6, 6), dtype=complex), TypeError),
    (np.zeros((1, 1, 0, 6)), ValueError),
])
@pytest.mark.parametrize("function", [maxpool2d_forward, avgpool2d_forward, maxpool2d_argmax])
def test_bad_x(function, x, error):
    with pytest.raises(error, match="^x must"):
        function(x, 2)


@pytest.mark.parametrize("function", [maxpool2d_forward, avgpool2d_forward, maxpool2d_argmax])
def test_size_errors_name_the_axis(function):
    x = np.zeros((1, 1, 6, 3))
    with pytest.raises(ValueError, match="^width of x is 3 and of the window 4: kernel_size"):
        function(x, (2, 4))
    with pytest.raises(ValueError, match="^height of x is 6 and of the window 2: padding"):
        function(x, 2, padding=(2, 0))


def test_bad_dout_and_cache():
    x = np.zeros((2, 3, 4, 4))
    _, max_cache = maxpool2d_forward(x, 2)
    _, avg_cache = avgpool2d_forward(x, 2)
    for backward, cache in ((maxpool2d_backward, max_cache), (avgpool2d_backward, avg_cache)):
        with pytest.raises(ValueError, match=r"dout must have shape \(2, 3, 2, 2\)"):
            backward(np.zeros((2, 3, 2, 3)), cache)
        with pytest.raises(ValueError, match="dout"):
            backward(np.zeros((3, 2, 2)), cache)
        with pytest.raises(TypeError, match="dout"):
            backward(np.zeros((2, 3, 2, 2), dtype=bool), cache)
    with pytest.raises(TypeError, match="cache"):
        maxpool2d_backward(np.zeros((2, 3, 2, 2)), avg_cache)
    with pytest.raises(TypeError, match="cache"):
        avgpool2d_backward(np.zeros((2, 3, 2, 2)), max_cache)
    assert isinstance(max_cache, MaxPoolCache) and isinstance(avg_cache, AvgPoolCache)


# ---------------------------------------------------------------- PyTorch


TORCH_CASES = [  # kernel, stride, padding, input (H, W)
    (2, None, 0, (8, 8)),
    (3, 1, 1, (7, 9)),          # overlapping windows, padding
    (3, 2, 0, (8, 7)),          # overlapping, stride does not tile
    (2, 3, 1, (8, 8)),          # gaps between windows
    ((2, 3), (1, 2), (1, 1), (6, 7)),
    ((3, 1), (2, 1), (1, 0), (5, 4)),
    (4, 4, 2, (9, 10)),
]


@pytest.mark.parametrize("kernel, stride, padding, hw", TORCH_CASES)
@pytest.mark.parametrize("ties", [False, True])
def test_maxpool_matches_torch(kernel, stride, padding, hw, ties):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    shape = (3, 2, *hw)
    x = rng.integers(-2, 2, shape).astype(float) if ties else rng.standard_normal(shape)
    out, cache = maxpool2d_forward(x, kernel, stride, padding)
    dout = rng.standard_normal(out.shape)
    xt = torch.tensor(x, requires_grad=True)
    out_t, indices_t = torch.nn.functional.max_pool2d(xt, kernel, stride, padding,
                                                      return_indices=True)
    out_t.backward(torch.tensor(dout))
    np.testing.assert_array_equal(out, out_t.detach().numpy())
    rows, cols = maxpool2d_argmax(x, kernel, stride, padding)
    np.testing.assert_array_equal(rows * hw[1] + cols, indices_t.numpy())
    np.testing.assert_allclose(maxpool2d_backward(dout, cache), xt.grad.numpy(), rtol=1e-13,
                               atol=1e-13)


@pytest.mark.parametrize("kernel, stride, padding, hw", TORCH_CASES)
def test_avgpool_matches_torch(kernel, stride, padding, hw):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 2, *hw))
    out, cache = avgpool2d_forward(x, kernel, stride, padding)
    dout = rng.standard_normal(out.shape)
    xt = torch.tensor(x, requires_grad=True)
    out_t = torch.nn.functional.avg_pool2d(xt, kernel, stride, padding)
    out_t.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(avgpool2d_backward(dout, cache), xt.grad.numpy(), rtol=1e-12,
                               atol=1e-14)


def test_minus_infinity_and_nan_match_torch():
    torch = pytest.importorskip("torch")
    x = np.full((1, 1, 3, 4), -np.inf)
    x[0, 0, 2, 3] = -5.0
    y = np.array([[[[np.nan, 1.0, np.nan, 5.0], [0.0, np.nan, 3.0, 4.0]]]])
    for arr, args in ((x, (3, 1, 1)), (y, ((2, 2), 1, 0)), (y, ((2, 3), 1, (1, 1)))):
        out, _ = maxpool2d_forward(arr, *args)
        out_t, indices_t = torch.nn.functional.max_pool2d(torch.tensor(arr), *args,
                                                          return_indices=True)
        np.testing.assert_array_equal(out, out_t.numpy())
        rows, cols = maxpool2d_argmax(arr, *args)
        np.testing.assert_array_equal(rows * arr.shape[3] + cols, indices_t.numpy())


@pytest.mark.parametrize("forward", [maxpool2d_forward, avgpool2d_forward])
def test_a_stride_beyond_int64_gives_one_window(forward):
    # The window arithmetic multiplies index arrays by the stride: it must stay within int64.
    x = np.random.default_rng(4).standard_normal((2, 3, 5, 6))
    huge, _ = forward(x, kernel_size=3, stride=10**20, padding=1)
    plain, _ = forward(x, kernel_size=3, stride=7, padding=1)
    np.testing.assert_array_equal(huge, plain)
    rows, cols = maxpool2d_argmax(x, 3, stride=(10**20, 2), padding=1)
    assert rows.shape == (2, 3, 1, 3)


def test_a_kernel_implying_a_huge_padded_input_is_refused():
    with pytest.raises(ValueError, match=r"padding=\(500000, 500000\).* implies"):
        maxpool2d_forward(np.ones((1, 1, 4, 4)), kernel_size=10**6, padding=5 * 10**5)
