"""c182lib.shapes: output sizes against brute-force window counting, the worksheet's answers
(Problem 1a), PyTorch's layers, and argument errors."""

from __future__ import annotations

import numpy as np
import pytest
from _conv_helpers import brute_dropped, brute_windows, settings_1d
from hypothesis import given, settings
from hypothesis import strategies as st

from c182lib.shapes import (
    bounded_stride,
    conv_output_shape,
    conv_output_size,
    conv_param_count,
    pool_output_size,
    window_geometry,
)

SETTINGS = settings(max_examples=200, deadline=None)


def count_windows(n: int, k: int, s: int, p: int, d: int) -> int:
    """Slide a dilated window over the padded input and count the positions where it fits."""
    count, start = 0, 0
    while start + d * (k - 1) <= n + 2 * p - 1:  # last tap still inside the padded input
        count += 1
        start += s
    return count


@SETTINGS
@given(n=st.integers(1, 40), k=st.integers(1, 9), s=st.integers(1, 5), p=st.integers(0, 4),
       d=st.integers(1, 4))
def test_conv_output_size_counts_window_positions(n, k, s, p, d):
    expected = count_windows(n, k, s, p, d)
    if expected == 0:
        with pytest.raises(ValueError, match="kernel_size"):
            conv_output_size(n, k, s, p, d)
    else:
        assert conv_output_size(n, k, s, p, d) == expected


def test_conv_output_size_is_n_minus_k_plus_1_without_padding():
    # The worksheet's R^{n-k-1} is an erratum: n=4, k=3 gives 2 outputs (Problem 3's y in R^2).
    assert conv_output_size(4, 3) == 2
    assert all(conv_output_size(n, k) == n - k + 1 for n in range(1, 12) for k in range(1, n + 1))


def test_stride_that_does_not_tile_drops_the_remainder():
    # 8 cells, kernel 3, stride 2: windows start at 0, 2, 4; a window at 6 would need cell 8.
    assert conv_output_size(8, 3, stride=2) == 3
    assert conv_output_size(9, 3, stride=2) == 4


def test_worksheet_problem_1a():
    # i. 32x32x3 image, one 5x5x3 filter, stride 1, no padding -> 28x28x1.
    assert conv_output_shape((3, 32, 32), (1, 3, 5, 5)) == (1, 28, 28)
    # ii. zero padding 2 -> 32x32x1.
    assert conv_output_shape((3, 32, 32), (1, 3, 5, 5), padding=2) == (1, 32, 32)
    # iii. ten such filters -> 32x32x10, with 10*5*5*3 = 750 weights (760 with biases).
    assert conv_output_shape((3, 32, 32), (10, 3, 5, 5), padding=2) == (10, 32, 32)
    assert conv_param_count(3, 10, 5, bias=False) == 750
    assert conv_param_count(3, 10, 5) == 760
    # iv. a 1x1 convolution keeps the spatial size (it mixes channels only).
    assert conv_output_shape((10, 32, 32), (4, 10, 1, 1)) == (4, 32, 32)


@SETTINGS
@given(n_batch=st.integers(1, 3), c=st.integers(1, 4), f=st.integers(1, 5),
       h=st.integers(1, 20), w=st.integers(1, 20), kh=st.integers(1, 5), kw=st.integers(1, 5),
       sh=st.integers(1, 3), sw=st.integers(1, 3), ph=st.integers(0, 2), pw=st.integers(0, 2),
       dh=st.integers(1, 3), dw=st.integers(1, 3))
def test_conv_output_shape_is_the_size_per_axis(n_batch, c, f, h, w, kh, kw, sh, sw, ph, pw,
                                                dh, dw):
    rows, cols = count_windows(h, kh, sh, ph, dh), count_windows(w, kw, sw, pw, dw)
    args = ((sh, sw), (ph, pw), (dh, dw))
    if rows == 0 or cols == 0:
        with pytest.raises(ValueError, match="kernel_size"):
            conv_output_shape((n_batch, c, h, w), (f, c, kh, kw), *args)
        return
    assert conv_output_shape((n_batch, c, h, w), (f, c, kh, kw), *args) == (n_batch, f, rows, cols)
    assert conv_output_shape((c, h, w), (f, c, kh, kw), *args) == (f, rows, cols)
    assert conv_output_shape([c, h, w], np.array([f, c, kh, kw]), *args) == (f, rows, cols)


def test_scalar_arguments_apply_to_both_axes():
    assert conv_output_shape((1, 2, 9, 7), (3, 2, 3, 3), stride=2, padding=1, dilation=2) == (
        conv_output_shape((1, 2, 9, 7), (3, 2, 3, 3), (2, 2), (1, 1), (2, 2)))


@SETTINGS
@given(n=st.integers(1, 30), k=st.integers(1, 6), s=st.none() | st.integers(1, 4),
       p=st.integers(0, 3))
def test_pool_output_size(n, k, s, p):
    if 2 * p > k:
        with pytest.raises(ValueError, match="padding"):
            pool_output_size(n, k, s, p)
        return
    expected = count_windows(n, k, k if s is None else s, p, 1)
    if expected == 0:
        with pytest.raises(ValueError, match="kernel_size"):
            pool_output_size(n, k, s, p)
    else:
        assert pool_output_size(n, k, s, p) == expected


def test_pool_stride_defaults_to_kernel_size():
    assert pool_output_size(32, 2) == 16
    assert pool_output_size(7, 3) == 2
    assert pool_output_size(7, 3, stride=1) == 5


@SETTINGS
@given(c=st.integers(1, 8), f=st.integers(1, 8), kh=st.integers(1, 5), kw=st.integers(1, 5),
       bias=st.booleans())
def test_conv_param_count(c, f, kh, kw, bias):
    assert conv_param_count(c, f, (kh, kw), bias=bias) == f * c * kh * kw + f * bias


def test_zero_dimensional_integer_arrays_count_as_ints():
    two = np.array(2)
    assert conv_output_size(np.array(9), np.array(3), two, np.array(1), two) == 4
    assert conv_output_shape((1, 2, 9, 9), np.array([3, 2, 3, 3]), stride=two, padding=two,
                             dilation=np.array(1)) == (1, 3, 6, 6)
    assert conv_output_shape(np.array([2, 9, 8]), (3, 2, 3, 3), stride=np.array([2, 3])) == (
        3, 4, 2)
    assert pool_output_size(np.array(8), two, stride=two, padding=np.array(1)) == 5
    assert conv_param_count(two, np.array(4), np.array(3), bias=True) == 4 * 2 * 9 + 4


@pytest.mark.parametrize(("call", "error", "name"), [
    (lambda: conv_output_size(0, 1), ValueError, "n"),
    (lambda: conv_output_size(5, 0), ValueError, "kernel_size"),
    (lambda: conv_output_size(5, 2, stride=0), ValueError, "stride"),
    (lambda: conv_output_size(5, 2, padding=-1), ValueError, "padding"),
    (lambda: conv_output_size(5, 2, dilation=0), ValueError, "dilation"),
    (lambda: conv_output_size(5, 6), ValueError, "kernel_size"),
    (lambda: conv_output_size(5, 3, dilation=3), ValueError, "dilation"),
    (lambda: conv_output_size(5.0, 2), TypeError, "n"),
    (lambda: conv_output_size(5, True), TypeError, "kernel_size"),
    (lambda: conv_output_size(5, 2, stride=1.5), TypeError, "stride"),
    (lambda: conv_output_shape((1, 3, 8, 8), (2, 4, 3, 3)), ValueError, "input channels"),
    (lambda: conv_output_shape((8, 8), (2, 4, 3, 3)), ValueError, "input_shape"),
    (lambda: conv_output_shape((1, 3, 8, 8), (2, 3, 3)), ValueError, "weight_shape"),
    (lambda: conv_output_shape((1, 3, 8, 8), (0, 3, 3, 3)), ValueError, r"weight_shape\[0\]"),
    (lambda: conv_output_shape((1, 3, 8, 8), (2, 3, 3, 3.0)), TypeError, r"weight_shape\[3\]"),
    (lambda: conv_output_shape((-1, 3, 8, 8), (2, 3, 3, 3)), ValueError, r"input_shape\[0\]"),
    (lambda: conv_output_shape((1.5, 3, 8, 8), (2, 3, 3, 3)), TypeError, r"input_shape\[0\]"),
    (lambda: conv_output_shape((3, 0, 8), (2, 3, 3, 3)), ValueError, r"input_shape\[1\] \(H\)"),
    (lambda: conv_output_shape((1, 3, 8, 8), (2, 3, 3, 3), stride=(1, 0)), ValueError,
     r"stride\[1\]"),
    (lambda: conv_output_shape((1, 3, 8, 8), (2, 3, 3, 3), padding=(1, 2, 3)), ValueError,
     "padding"),
    (lambda: conv_output_shape((1, 3, 2, 8), (2, 3, 3, 3)), ValueError, "kernel_size"),
    (lambda: pool_output_size(8, 2, padding=2), ValueError, "padding"),
    (lambda: pool_output_size(8, 2, stride=0), ValueError, "stride"),
    (lambda: conv_param_count(0, 3, 3), ValueError, "in_channels"),
    (lambda: conv_param_count(3, 0, 3), ValueError, "out_channels"),
    (lambda: conv_param_count(3, 3, (3, 0)), ValueError, r"kernel_size\[1\]"),
    (lambda: conv_param_count(3, 3, 3, bias=1), TypeError, "bias"),
    (lambda: conv_output_shape(None, (3, 2, 3, 3)), TypeError, "^input_shape must be a tuple"),
    (lambda: conv_output_shape((1, 2, 5, 5), None), TypeError, "^weight_shape must be a tuple"),
    (lambda: conv_output_shape(5, (3, 2, 3, 3)), TypeError, "^input_shape"),
    (lambda: conv_output_shape(np.zeros((2, 2)), (3, 2, 3, 3)), TypeError, "^input_shape"),
    (lambda: conv_output_shape((1, 2, 5, 5), (3, 2, 3, 3), stride=np.array(2.0)), TypeError,
     "^stride must be an integer"),
    (lambda: conv_output_shape((1, 2, 5, 5), (3, 2, 3, 3), stride=np.array(0)), ValueError,
     "^stride must be an integer >= 1"),
    (lambda: conv_output_shape((1, 2, 5, 5), (3, 2, 3, 3), padding=np.array([[1, 1]])),
     ValueError, "^padding must be an integer or a pair"),
    (lambda: conv_output_size(np.array(5), np.array(True)), TypeError, "^kernel_size"),
    (lambda: pool_output_size(None, 2), TypeError, "^n must be an integer"),
])
def test_bad_arguments_name_the_argument(call, error, name):
    with pytest.raises(error, match=name):
        call()


# ----------------------------------------------------------------------------- PyTorch


@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding", "dilation"), [
    ((1, 3, 32, 32), (10, 3, 5, 5), 1, 2, 1),
    ((2, 2, 9, 7), (3, 2, 3, 2), (2, 3), (1, 0), (2, 1)),
    ((1, 1, 8, 8), (1, 1, 3, 3), 2, 0, 1),
    ((1, 4, 5, 11), (2, 4, 1, 4), (1, 2), (0, 2), (1, 3)),
])
def test_conv_output_shape_and_param_count_match_pytorch(x_shape, w_shape, stride, padding,
                                                         dilation):
    torch = pytest.importorskip("torch")
    layer = torch.nn.Conv2d(w_shape[1], w_shape[0], w_shape[2:], stride, padding, dilation)
    with torch.no_grad():
        out = layer(torch.zeros(x_shape, dtype=torch.float32))
    assert conv_output_shape(x_shape, w_shape, stride, padding, dilation) == tuple(out.shape)
    n_params = sum(p.numel() for p in layer.parameters())
    assert conv_param_count(w_shape[1], w_shape[0], w_shape[2:]) == n_params


@pytest.mark.parametrize(("n", "k", "s", "p"), [(8, 2, None, 0), (7, 3, 2, 1), (9, 3, 1, 1),
                                                 (5, 4, 3, 2), (6, 5, None, 2)])
def test_pool_output_size_matches_pytorch(n, k, s, p):
    torch = pytest.importorskip("torch")
    out = torch.nn.functional.max_pool2d(torch.zeros(1, 1, n, n), k, s, p)
    assert pool_output_size(n, k, s, p) == out.shape[-1]


def test_a_window_too_large_names_dilation_only_when_there_is_one():
    with pytest.raises(ValueError, match="kernel_size=6 spans 6 cells") as error:
        conv_output_size(5, 6)
    assert "dilation" not in str(error.value)  # pooling windows have none: no confusing hint
    with pytest.raises(ValueError, match="kernel_size=3 with dilation=3 spans 7 cells"):
        conv_output_size(5, 3, dilation=3)


def test_bounded_stride_keeps_the_windows():
    # Any stride of at least the padded length gives one window, the same as that length.
    for n, k, p in [(5, 3, 1), (1, 1, 0), (8, 8, 0)]:
        padded = n + 2 * p
        for stride in (padded, padded + 1, 10**20):
            s = bounded_stride(stride, padded)
            assert s <= padded
            assert conv_output_size(n, k, s, p) == conv_output_size(n, k, stride, p) == 1
    assert bounded_stride(2, 10) == 2


@SETTINGS
@given(settings_1d())
def test_window_geometry_matches_brute_force(setting):
    n, k, s, p, d = setting
    geom = window_geometry(*setting)
    windows = brute_windows(*setting)
    assert geom.taps.tolist() == windows
    read = {i for window in windows for i in window}
    last = max(read)
    assert geom.dropped.tolist() == list(range(last + 1, n + 2 * p))
    assert len(geom.dropped) == brute_dropped(*setting)
    assert geom.skipped.tolist() == sorted(set(range(last)) - read)
    assert geom.is_padding().sum() == 2 * p
