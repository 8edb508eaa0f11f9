"""Sweeps behind claims that notebooks 06-11 make with one visible example each."""

from __future__ import annotations

import numpy as np
import pytest

from c182lib.batchnorm import spatial_batchnorm_forward
from c182lib.pool import maxpool2d_backward, maxpool2d_forward
from c182lib.shapes import pool_output_size


def stacked_and_single_dx(x: np.ndarray, dout: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """dx through two stacked 2x2 stride-2 max pools and through one 4x4 stride-4 pool."""
    first, cache_first = maxpool2d_forward(x, kernel_size=2, stride=2)
    _, cache_second = maxpool2d_forward(first, kernel_size=2, stride=2)
    _, cache_single = maxpool2d_forward(x, kernel_size=4, stride=4)
    stacked = maxpool2d_backward(maxpool2d_backward(dout, cache_second), cache_first)
    return stacked, maxpool2d_backward(dout, cache_single)


@pytest.mark.parametrize("seed", range(20))
def test_07_stacked_pools_route_like_one_pool_when_every_block_has_one_maximum(seed):
    rng = np.random.default_rng(seed)
    x = rng.permutation(2 * 3 * 8 * 8).reshape(2, 3, 8, 8).astype(float)  # no ties
    dout = rng.normal(size=(2, 3, 2, 2))
    stacked, single = stacked_and_single_dx(x, dout)
    np.testing.assert_array_equal(stacked, single)


def test_07_with_ties_in_different_blocks_the_routings_differ_and_both_sum_to_dout():
    rng = np.random.default_rng(0)
    differing = 0
    for _ in range(200):
        x = rng.integers(0, 3, size=(1, 1, 4, 4)).astype(float)
        stacked, single = stacked_and_single_dx(x, np.ones((1, 1, 1, 1)))
        assert stacked.sum() == single.sum() == 1  # each is one valid subgradient
        assert x.flat[np.argmax(stacked)] == x.flat[np.argmax(single)] == x.max()
        differing += not np.array_equal(stacked, single)
    assert differing > 0


@pytest.mark.parametrize("seed", range(5))
def test_08_circular_shift_is_exact_and_an_ordinary_shift_is_not(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(4, 3, 5, 6)) * [[[1.0]], [[3.0]], [[0.5]]] + [[[2.0]], [[-1.0]],
                                                                       [[5.0]]]
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    out, _ = spatial_batchnorm_forward(x, gamma, beta)
    for axis in (1, 2):  # H and W of one image
        for shift in (1, 2, -1):
            rolled = x.copy()
            rolled[0] = np.roll(x[0], shift, axis=axis)
            out_rolled, _ = spatial_batchnorm_forward(rolled, gamma, beta)
            np.testing.assert_allclose(out_rolled[0], np.roll(out[0], shift, axis=axis))
            np.testing.assert_allclose(out_rolled[1:], out[1:])
    zero_filled = x.copy()
    zero_filled[0] = 0.0
    zero_filled[0, :, :, 1:] = x[0, :, :, :-1]
    out_zero, _ = spatial_batchnorm_forward(zero_filled, gamma, beta)
    assert not np.allclose(out_zero[1:], out[1:])


@pytest.mark.parametrize("n", range(1, 30))
def test_06_windows_per_row_of_k3_s2_counted_by_starts(n):
    if n < 3:
        return
    starts = range(0, n - 3 + 1, 2)
    assert len(starts) == pool_output_size(n, 3, 2)
    counts = np.bincount(np.concatenate([np.arange(s, s + 3) for s in starts]), minlength=n)
    # Every other interior row belongs to two windows; nothing past the last window is read.
    assert np.all(counts[:2 * len(starts) + 1] >= 1)
    assert np.all(counts[2:2 * len(starts) - 1:2] == 2)
