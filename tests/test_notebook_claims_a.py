"""The claims of notebooks 01-05 on more cases than the notebooks show.

Each notebook keeps one visible check per claim; the sweeps behind those claims live here,
against references written in this file (windows enumerated by hand, central differences).
"""

from __future__ import annotations

import numpy as np
import pytest

from c182lib.conv import conv2d_forward, conv_matrix_1d, conv_matrix_2d, corr1d, corr1d_backward
from c182lib.shapes import conv_output_size


def window_starts(n, k, stride=1, padding=0, dilation=1):
    """Start of every window that fits in the padded axis, found by trying each position."""
    span = dilation * (k - 1) + 1
    return [start for start in range(0, n + 2 * padding, stride) if start + span <= n + 2 * padding]


def read_inputs(n, k, stride=1, padding=0, dilation=1):
    """0-based indices of the unpadded inputs that at least one tap of one window reads."""
    starts = window_starts(n, k, stride, padding, dilation)
    taps = {start + dilation * j - padding for start in starts for j in range(k)}
    return sorted(i for i in taps if 0 <= i < n)


def central_difference(f, x, upstream, h=1e-6):
    """Gradient of sum(upstream * f(x)) with respect to x, one entry at a time."""
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = h
        grad.flat[i] = np.sum(upstream * (f(x + step) - f(x - step))) / (2 * h)
    return grad


# ------------------------------------------------------------------ 01 cross-correlation


@pytest.mark.parametrize("n", range(1, 13))
def test_01_output_length_is_n_minus_k_plus_1(n):
    rng = np.random.default_rng(n)
    for k in range(1, n + 1):
        length = len(corr1d(rng.normal(size=n), rng.normal(size=k)))
        assert length == n - k + 1 == len(window_starts(n, k)) == conv_output_size(n, k)


@pytest.mark.parametrize("n, k, stride, padding, dilation",
                         [(8, 3, 1, 0, 2), (8, 3, 2, 1, 2), (9, 2, 3, 1, 3), (7, 4, 1, 2, 2)])
def test_01_dilation_is_a_zero_filled_filter(n, k, stride, padding, dilation):
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=n), rng.normal(size=k)
    zero_filled = np.zeros(dilation * (k - 1) + 1)
    zero_filled[::dilation] = w
    y = corr1d(x, w, stride, padding, dilation)
    np.testing.assert_allclose(y, corr1d(x, zero_filled, stride, padding), atol=1e-12)
    assert len(y) == len(window_starts(n, k, stride, padding, dilation)) == \
        conv_output_size(n, k, stride, padding, dilation)


# ------------------------------------------------------------------ 02 convolution dimensions


@pytest.mark.parametrize("n, k, stride, padding, dilation", [
    (9, 3, 1, 0, 1), (9, 3, 1, 1, 1), (9, 3, 2, 0, 1), (8, 3, 2, 0, 1), (9, 3, 1, 0, 2),
    (10, 3, 3, 1, 2), (224, 7, 2, 3, 1),
])
def test_02_layer_output_follows_the_size_rule(n, k, stride, padding, dilation):
    out, _ = conv2d_forward(np.ones((1, 1, n, n)), np.ones((1, 1, k, k)), np.zeros(1),
                            stride=stride, padding=padding, dilation=dilation)
    expected = len(window_starts(n, k, stride, padding, dilation))
    assert out.shape[2:] == (expected, expected)
    assert expected == conv_output_size(n, k, stride, padding, dilation)


@pytest.mark.parametrize("n, k, stride, padding, unread_rows", [
    (8, 3, 2, 0, [7]),   # windows at rows 0, 2, 4 read rows 0-6
    (8, 5, 2, 2, []),    # the unread padded row 11 is padding: every image row is read
])
def test_02_rows_no_window_reads_do_not_change_the_output(n, k, stride, padding, unread_rows):
    assert [r for r in range(n) if r not in read_inputs(n, k, stride, padding)] == unread_rows
    rng = np.random.default_rng(2)
    x, w = rng.normal(size=(1, 1, n, n)), rng.normal(size=(1, 1, k, k))
    out, _ = conv2d_forward(x, w, np.zeros(1), stride=stride, padding=padding)
    for row in range(n):
        nudged = x.copy()
        nudged[0, 0, row, :] += 1.0
        nudged_out, _ = conv2d_forward(nudged, w, np.zeros(1), stride=stride, padding=padding)
        assert np.array_equal(nudged_out, out) == (row in unread_rows)


def test_02_stride_2_leaves_the_last_padded_row_unread():
    starts = window_starts(8, 5, stride=2, padding=2)
    assert starts == [0, 2, 4, 6] and max(starts) + 5 - 1 == 10  # padded rows 0..11: 11 unread


# ------------------------------------------------------------------ 03 convolution as matrix


@pytest.mark.parametrize("n", [3, 5, 8, 16, 32, 100])
def test_03_density_is_k_over_n(n):
    for k in (1, 2, 3):
        W1 = conv_matrix_1d(n, np.arange(1.0, k + 1))
        assert np.count_nonzero(W1) == k * (n - k + 1)
        assert np.isclose(np.count_nonzero(W1) / W1.size, k / n)
        assert np.all(np.count_nonzero(W1, axis=1) == k)
    if n <= 32:
        W2 = conv_matrix_2d((n, n), np.ones((3, 3)))
        assert np.isclose(np.count_nonzero(W2) / W2.size, (3 / n) ** 2)


# ------------------------------------------------------------------ 04 convolution backward


@pytest.mark.parametrize("n, k, stride, padding",
                         [(4, 3, 1, 0), (7, 3, 2, 1), (8, 3, 2, 0), (9, 2, 3, 1), (6, 4, 1, 2)])
def test_04_backward_against_references_and_unread_inputs(n, k, stride, padding):
    rng = np.random.default_rng(4)
    x, w = rng.normal(size=n), rng.normal(size=k)
    dy = rng.normal(size=len(window_starts(n, k, stride, padding)))
    dx, dw = corr1d_backward(dy, x, w, stride=stride, padding=padding)
    np.testing.assert_allclose(
        dx, central_difference(lambda v: corr1d(v, w, stride, padding), x, dy), atol=1e-7)
    np.testing.assert_allclose(
        dw, central_difference(lambda v: corr1d(x, v, stride, padding), w, dy), atol=1e-7)
    np.testing.assert_allclose(dx, conv_matrix_1d(n, w, stride, padding).T @ dy, atol=1e-12)
    unread = sorted(set(range(n)) - set(read_inputs(n, k, stride, padding)))
    assert np.flatnonzero(dx == 0.0).tolist() == unread


def test_04_the_unread_input_gets_no_gradient_for_any_upstream_gradient():
    rng = np.random.default_rng(5)
    x, w = rng.normal(size=8), rng.normal(size=3)
    for _ in range(5):
        dx, _ = corr1d_backward(rng.normal(size=3), x, w, stride=2)
        assert dx[-1] == 0.0 and np.all(dx[:-1] != 0.0)


# ------------------------------------------------------------------ 05 kernel gradient


@pytest.mark.parametrize("n, k", [(4, 3), (5, 2), (7, 3), (6, 1)])
def test_05_every_kernel_weight_has_one_copy_per_output(n, k):
    # Stand-in weights 1, ..., k*k: each entry of the matrix names the weight it holds.
    tap_of_entry = conv_matrix_2d((n, n), np.arange(1.0, k * k + 1).reshape(k, k))
    copies = np.bincount(tap_of_entry[tap_of_entry > 0].astype(int) - 1, minlength=k * k)
    assert np.all(copies == (n - k + 1) ** 2)
