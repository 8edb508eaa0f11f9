"""Tests of the BatchNorm explorer, its figure and `layout_batchnorm`, against explicit loops."""

from __future__ import annotations

import numpy as np
import pytest
from _figure_helpers import artists_with_gid
from matplotlib.figure import Figure

from c182lib.batchnorm import LAYOUTS, layout_batchnorm, spatial_batchnorm_forward
from c182lib.figures import alt_text
from c182lib.figures.batchnorm import batchnorm_layout_figure
from c182lib.widgets import _base
from c182lib.widgets.batchnorm import (
    CHANNEL_MEANS,
    CHANNEL_STDS,
    batchnorm_explorer,
    describe_batchnorm,
    explorer_batch,
)

needs_ipywidgets = pytest.mark.skipif(_base.ipywidgets is None, reason="ipywidgets missing")
RIGHT = ("NCHW", "NHWC", "rows")


def groups_by_loop(shape, layout):
    """For each statistic, the (n, c, h, w) indices of its values, from the layout's rule.

    Right layouts: one statistic per channel. ``x.reshape(-1, C)`` of an NCHW array puts the
    value at flat (row-major) index i into column ``i % C``. NHWC with axes (0, 2, 3) reduces
    N, W and C, one statistic per row h.
    """
    n, c, h, w = shape
    cells = [(i, j, r, s) for i in range(n) for j in range(c) for r in range(h)
             for s in range(w)]
    if layout in RIGHT:
        return [[cell for cell in cells if cell[1] == k] for k in range(c)]
    if layout == "wrong-reshape":
        flat = {cell: ((cell[0] * c + cell[1]) * h + cell[2]) * w + cell[3] for cell in cells}
        return [[cell for cell in cells if flat[cell] % c == k] for k in range(c)]
    return [[cell for cell in cells if cell[2] == k] for k in range(h)]


def normalised_by_loop(x, layout, eps):
    """BatchNorm (gamma 1, beta 0) with each statistic over its group, value by value."""
    out = np.empty_like(x)
    means, variances = [], []
    for group in groups_by_loop(x.shape, layout):
        values = [x[cell] for cell in group]
        mean = sum(values) / len(values)
        var = sum((v - mean) ** 2 for v in values) / len(values)
        for cell in group:
            out[cell] = (x[cell] - mean) / np.sqrt(var + eps)
        means.append(mean)
        variances.append(var)
    return out, np.array(means), np.array(variances)


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (1, 2, 3, 3), (3, 4, 2, 1)])
def test_layout_batchnorm_matches_the_loops(layout, shape):
    rng = np.random.default_rng(sum(shape))
    x = rng.normal(size=shape) * rng.uniform(0.5, 3, (1, shape[1], 1, 1)) + rng.normal(
        0, 3, (1, shape[1], 1, 1))
    x_before = x.copy()
    result = layout_batchnorm(x, layout, eps=0.01)
    np.testing.assert_array_equal(x, x_before)
    out, means, variances = normalised_by_loop(x, layout, 0.01)
    np.testing.assert_allclose(result.out, out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(result.mean, means, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(result.var, variances, rtol=1e-10, atol=1e-12)
    for k, group in enumerate(groups_by_loop(shape, layout)):
        counts = np.bincount([cell[1] for cell in group], minlength=shape[1])
        np.testing.assert_array_equal(result.sources[k], counts)


def test_right_layouts_are_spatial_batchnorm_and_wrong_ones_are_not():
    x = explorer_batch(4, seed=1)
    reference, _ = spatial_batchnorm_forward(x, np.ones(3), np.zeros(3))
    n, c, h, w = x.shape
    for layout in RIGHT:
        result = layout_batchnorm(x, layout)
        np.testing.assert_allclose(result.out, reference, rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(result.sources, np.eye(c) * n * h * w)
    for layout in ("wrong-reshape", "wrong-axes"):
        result = layout_batchnorm(x, layout)
        assert not np.allclose(result.out, reference)
        assert np.all(np.count_nonzero(result.sources, axis=1) > 1)  # every statistic mixes
        # The output channels keep part of their differences in mean.
        assert np.ptp(result.out.mean(axis=(0, 2, 3))) > 1


def test_eps_shrinks_the_output_std_as_sqrt_var_over_var_plus_eps():
    x = explorer_batch(8, seed=0)
    var = x.var(axis=(0, 2, 3))
    for eps in (1e-5, 1.0, 10.0):
        out_std = layout_batchnorm(x, "NHWC", eps).out.std(axis=(0, 2, 3))
        np.testing.assert_allclose(out_std, np.sqrt(var / (var + eps)), rtol=1e-10)


def test_layout_batchnorm_refuses_bad_input():
    with pytest.raises(ValueError, match="layout must be one of"):
        layout_batchnorm(np.ones((2, 3, 2, 2)), "NWHC")
    with pytest.raises(ValueError, match="x must be a 4-D array"):
        layout_batchnorm(np.ones((2, 3, 2)))
    with pytest.raises(ValueError, match="eps"):
        layout_batchnorm(np.ones((2, 3, 2, 2)), "NCHW", eps=0.0)


def test_figure_draws_the_output_statistics_and_says_them():
    x = explorer_batch(8, seed=2)
    texts = set()
    for layout in LAYOUTS:
        fig = batchnorm_layout_figure(x, layout, 1e-5, CHANNEL_MEANS, CHANNEL_STDS)
        out, _, _ = normalised_by_loop(x, layout, 1e-5)
        (means,) = artists_with_gid(fig, "out-mean")
        np.testing.assert_allclose(means.get_offsets()[:, 1], out.mean(axis=(0, 2, 3)),
                                   atol=1e-12)
        (stds,) = artists_with_gid(fig, "out-std")
        halves = [(seg[1][1] - seg[0][1]) / 2 for seg in stds.get_segments()]
        np.testing.assert_allclose(halves, out.std(axis=(0, 2, 3)), rtol=1e-10)
        (image,) = artists_with_gid(fig, "sources")
        assert np.allclose(image.get_array().sum(axis=1), 1)
        text = alt_text(fig)
        assert LAYOUTS[layout][0] in text and "Output per channel" in text
        assert ("each from one channel" in text) == (layout in RIGHT)
        texts.add(text.split(":", 1)[1])
    assert len(texts) == len(LAYOUTS)


def test_explorer_batch_is_a_function_of_the_controls():
    np.testing.assert_array_equal(explorer_batch(3, 5), explorer_batch(3, 5))
    x = explorer_batch(200, 0)
    np.testing.assert_allclose(x.mean(axis=(0, 2, 3)), CHANNEL_MEANS, atol=0.1)
    np.testing.assert_allclose(x.std(axis=(0, 2, 3)), CHANNEL_STDS, rtol=0.05)


def test_status_line_counts_values_and_channels():
    status = describe_batchnorm(batch_size=2, eps=1e-5, layout="NCHW", seed=0)
    assert "3 statistics of 32 values each" in status and "<b>one</b> channel" in status
    assert "std 1.00, 1.00, 1.00" in status
    wrong = describe_batchnorm(batch_size=2, eps=1e-5, layout="wrong-axes", seed=0)
    assert "4 statistics of 24 values each" in wrong and "mixing <b>3</b>" in wrong


@needs_ipywidgets
def test_explorer_controls_redraw():
    explorer = batchnorm_explorer()
    assert set(explorer.controls) == {"batch_size", "eps", "layout", "seed"}
    assert isinstance(explorer.figure, Figure) and explorer.error is None
    first = alt_text(explorer.figure)
    explorer.controls["layout"].value = "wrong-reshape"
    assert "mixing" in explorer.status_text and alt_text(explorer.figure) != first
    explorer.controls["layout"].value = "NCHW"
    explorer.controls["eps"].value = 10.0
    assert "eps = 10" in alt_text(explorer.figure)
    explorer.controls["batch_size"].value = 1
    assert "1·4·4 = 16 per channel" in explorer.status_text


def test_explorer_refuses_settings_its_controls_cannot_show():
    with pytest.raises(ValueError, match="batch_size must be at most"):
        batchnorm_explorer(batch_size=100)
    with pytest.raises(ValueError, match="eps must be one of"):
        batchnorm_explorer(eps=0.5)
    with pytest.raises(ValueError, match="layout must be one of"):
        batchnorm_explorer(layout="CHWN")
    with pytest.raises(TypeError, match="batch_size"):
        batchnorm_explorer(batch_size=2.5)
