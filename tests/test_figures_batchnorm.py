"""Tests of the BatchNorm statistics figure: the drawn statistics, checked with explicit loops."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from c182lib import batchnorm
from c182lib.figures.batchnorm import batchnorm_channel_stats_figure, channel_color


def artist(ax, gid: str):
    """The one artist (collection) of ``ax`` with this gid."""
    (found,) = [a for a in ax.get_children() if a.get_gid() == gid]
    return found


def loop_channel_stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and biased std of each channel over every (n, h, w), with explicit loops."""
    n, c, h, w = x.shape
    means, stds = np.zeros(c), np.zeros(c)
    for ch in range(c):
        values = [x[i, ch, r, s] for i in range(n) for r in range(h) for s in range(w)]
        means[ch] = sum(values) / len(values)
        stds[ch] = np.sqrt(sum((v - means[ch]) ** 2 for v in values) / len(values))
    return means, stds


def drawn_stats(ax, stage: str) -> tuple[np.ndarray, np.ndarray]:
    """(means, stds) read back from the scatter and the error-bar segments of one panel."""
    offsets = artist(ax, f"{stage}-mean").get_offsets()
    segments = artist(ax, f"{stage}-std").get_segments()
    np.testing.assert_array_equal(offsets[:, 0], np.arange(len(offsets)))
    lows = np.array([seg[0][1] for seg in segments])
    highs = np.array([seg[1][1] for seg in segments])
    return np.asarray(offsets[:, 1]), (highs - lows) / 2


def example(seed: int = 0, shape=(4, 3, 5, 5)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scale = rng.uniform(0.5, 3, (1, shape[1], 1, 1))
    shift = rng.normal(0, 3, (1, shape[1], 1, 1))
    return rng.normal(size=shape) * scale + shift


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 3), st.integers(1, 5), st.integers(1, 4), st.integers(1, 4),
       st.integers(0, 2**16))
def test_drawn_statistics_are_per_channel_over_n_h_w(n, c, h, w, seed):
    rng = np.random.default_rng(seed)
    x = example(seed, (n, c, h, w))
    gamma, beta = rng.uniform(0.5, 2, c) * rng.choice([-1, 1], c), rng.normal(size=c)
    x_before, gamma_before, beta_before = x.copy(), gamma.copy(), beta.copy()
    fig = batchnorm_channel_stats_figure(x, gamma, beta)
    for before, after in ((x, x_before), (gamma, gamma_before), (beta, beta_before)):
        np.testing.assert_array_equal(before, after)
    ax_before, ax_after = fig.axes[0], fig.axes[1]

    means, stds = drawn_stats(ax_before, "before")
    ref_means, ref_stds = loop_channel_stats(x)
    np.testing.assert_allclose(means, ref_means, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(stds, ref_stds, rtol=1e-12, atol=1e-12)

    out, _ = batchnorm.spatial_batchnorm_forward(x, gamma, beta)
    means, stds = drawn_stats(ax_after, "after")
    ref_means, ref_stds = loop_channel_stats(out)
    np.testing.assert_allclose(means, ref_means, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(stds, ref_stds, rtol=1e-12, atol=1e-12)
    # What BatchNorm promises: each channel ends with mean beta and std ~|gamma| (eps aside),
    # unless the channel was constant (then the output is beta).
    np.testing.assert_allclose(means, beta, atol=1e-9)
    constant = ref_stds == 0
    var = loop_channel_stats(x)[1] ** 2
    expected_std = np.abs(gamma) * np.sqrt(var / (var + 1e-5))
    np.testing.assert_allclose(stds[~constant], expected_std[~constant], rtol=1e-9)

    targets = np.array([seg[0][1] for seg in artist(ax_after, "target").get_segments()])
    np.testing.assert_allclose(np.sort(targets), np.sort(np.concatenate(
        [beta, beta + np.abs(gamma), beta - np.abs(gamma)])))
    assert f"{n}·{h}·{w} = {n * h * w} values each" in fig._suptitle.get_text()


def test_histograms_hold_every_value_of_each_channel():
    x = example(1, (3, 4, 6, 5))
    fig = batchnorm_channel_stats_figure(x)
    assert len(fig.axes) == 4
    out, _ = batchnorm.spatial_batchnorm_forward(x, np.ones(4), np.zeros(4))
    for ax, values, stage in ((fig.axes[2], x, "before"), (fig.axes[3], out, "after")):
        bins = np.histogram_bin_edges(values, bins=30)
        for c in range(4):
            (outline,) = [p for p in ax.patches if p.get_gid() == f"hist-{stage}-{c}"]
            counts, _ = np.histogram(values[:, c].ravel(), bins=bins)
            assert counts.sum() == 3 * 6 * 5
            # The step outline's top edge, one vertex pair per bin.
            tops = outline.get_xy()[1:2 * len(counts) + 1:2, 1]
            np.testing.assert_array_equal(tops, counts)
            assert outline.get_edgecolor()[:3] == pytest.approx(
                tuple(int(channel_color(c)[i:i + 2], 16) / 255 for i in (1, 3, 5)))
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [f"c = {c}" for c in range(4)]


def test_channels_differ_by_line_style_not_only_by_colour():
    fig = batchnorm_channel_stats_figure(example(2, (2, 6, 3, 3)))
    styles = []
    for c in range(6):
        (outline,) = [p for p in fig.axes[2].patches if p.get_gid() == f"hist-before-{c}"]
        styles.append(str(outline.get_linestyle()))
    assert len(set(styles)) == 6
    legend = [h.get_linestyle() for h in fig.legends[0].legend_handles]
    assert legend[:4] == ["-", "--", ":", "-."]  # (matplotlib reports dash patterns as "--")


def test_without_histograms_only_the_statistics():
    fig = batchnorm_channel_stats_figure(example(), histograms=False)
    assert len(fig.axes) == 2
    assert not any(p.get_gid() and p.get_gid().startswith("hist") for ax in fig.axes
                   for p in ax.patches)


def test_default_gamma_beta_are_one_and_zero():
    fig = batchnorm_channel_stats_figure(example())
    means, stds = drawn_stats(fig.axes[1], "after")
    np.testing.assert_allclose(means, 0, atol=1e-12)
    np.testing.assert_allclose(stds, 1, atol=1e-4)
    assert "over N, H, W" in fig._suptitle.get_text()
    assert fig.axes[0].get_xlabel() == "channel c"
    assert fig.get_figwidth() <= 10


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="x must be a 4-D array"):
        batchnorm_channel_stats_figure(np.ones((4, 3, 5)))
    with pytest.raises(ValueError, match="gamma"):
        batchnorm_channel_stats_figure(example(), gamma=np.ones(2))
    with pytest.raises(ValueError, match="beta"):
        batchnorm_channel_stats_figure(example(), beta=np.ones((3, 1)))
    with pytest.raises(TypeError, match="x must be an array of real numbers"):
        batchnorm_channel_stats_figure(np.ones((2, 2, 2, 2), dtype=complex))
