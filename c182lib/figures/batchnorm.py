"""BatchNorm figure: per-channel statistics before and after spatial BatchNorm.

The normalised values come from `c182lib.batchnorm.spatial_batchnorm_forward`; this module
only summarises them. Artists carry a ``gid`` so tests can find them, with ``stage`` one of
``"before"`` and ``"after"``: the per-channel means ``"{stage}-mean"`` (a scatter whose offsets
are ``(c, mean_c)``), the ± one standard deviation bars ``"{stage}-std"`` (a LineCollection of
segments from ``mean_c - std_c`` to ``mean_c + std_c``), the targets ``"target"`` (segments at
``beta`` and ``beta ± |gamma|``) and the histogram patches ``"hist-{stage}-{c}"`` of channel
``c``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from c182lib import batchnorm
from c182lib._validate import as_float_array
from c182lib.figures._common import BLACK, LIGHT_GREY, TAP_COLORS, new_figure

_MAX_LEGEND_CHANNELS = 8
TARGET_COLOR = "#AAAAAA"


def channel_color(c: int) -> str:
    """Colour of channel ``c`` (the kernel-tap palette, cycling after nine channels)."""
    return TAP_COLORS[c % len(TAP_COLORS)]


def _channel_stats(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (biased) standard deviation of each channel over N, H, W; each shape (C,)."""
    return values.mean(axis=(0, 2, 3)), values.std(axis=(0, 2, 3))


def _stats_panel(ax: Axes, values: np.ndarray, stage: str, title: str) -> None:
    """Per-channel mean (point) ± one standard deviation (bar), coloured by channel."""
    means, stds = _channel_stats(values)
    channels = np.arange(values.shape[1])
    bars = ax.errorbar(channels, means, yerr=stds, fmt="none", ecolor=BLACK, elinewidth=1.2,
                       capsize=4)
    bars.lines[2][0].set_gid(f"{stage}-std")
    ax.scatter(channels, means, c=[channel_color(c) for c in channels], s=40, zorder=3,
               edgecolors=BLACK, linewidths=0.6, gid=f"{stage}-mean")
    ax.axhline(0.0, color=LIGHT_GREY, linewidth=1, zorder=0)
    ax.set_xticks(channels)
    ax.set_xlabel("channel c")
    ax.set_ylabel("mean ± std over N, H, W")
    ax.set_title(title, fontsize=10)


def _histogram_panel(ax: Axes, values: np.ndarray, stage: str, title: str) -> None:
    """Histogram of each channel's N·H·W values (step outlines, one colour per channel)."""
    n_channels = values.shape[1]
    bins = np.histogram_bin_edges(values, bins=30)
    for c in range(n_channels):
        _, _, patches = ax.hist(values[:, c].ravel(), bins=bins, histtype="step",
                                color=channel_color(c), linewidth=1.4, label=f"c = {c}")
        for patch in patches:
            patch.set_gid(f"hist-{stage}-{c}")
    ax.set_xlabel("value")
    ax.set_ylabel("count")
    ax.set_title(title, fontsize=10)


def batchnorm_channel_stats_figure(x, gamma=None, beta=None, histograms: bool = True) -> Figure:
    """Per-channel mean and standard deviation before and after spatial BatchNorm.

    Spatial BatchNorm normalises each channel ``c`` with the mean and (biased) variance of
    *all* its ``N·H·W`` values, then scales and shifts::

        out[:, c] = gamma[c] * (x[:, c] - mean_c) / sqrt(var_c + eps) + beta[c]

    (``eps = 1e-5``, the default of `c182lib.batchnorm.spatial_batchnorm_forward`), so after it
    every channel has mean ``beta[c]`` and standard deviation
    ``|gamma[c]| * sqrt(var_c / (var_c + eps)) ≈ |gamma[c]|``.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        Activations (training mode: the batch statistics are used).
    gamma, beta : array_like, shape (C,), optional
        Scale and shift; default ones and zeros.
    histograms : bool
        Also draw each channel's value histogram before and after.

    Returns
    -------
    Figure
        Top: mean ± std per channel of ``x`` (left) and of
        ``spatial_batchnorm_forward(x, gamma, beta)`` (right, with the targets ``beta`` and
        ``beta ± |gamma|`` marked). Bottom (if ``histograms``): the values of each channel.
    """
    x = as_float_array("x", x, ndim=4, layout="(N, C, H, W)")
    n, n_channels, h, w = x.shape
    gamma = np.ones(n_channels) if gamma is None else gamma
    beta = np.zeros(n_channels) if beta is None else beta
    out, _ = batchnorm.spatial_batchnorm_forward(x, gamma, beta)
    gamma = np.asarray(gamma, dtype=float)
    beta = np.asarray(beta, dtype=float)

    fig = new_figure(min(9.5, 5.0 + 0.5 * n_channels), 6.4 if histograms else 3.4)
    axes = fig.subplots(2 if histograms else 1, 2, squeeze=False)
    _stats_panel(axes[0, 0], x, "before", "before: x")
    _stats_panel(axes[0, 1], out, "after",
                 "after: spatial BatchNorm(x)\n(grey: targets β and β ± |γ| per channel)")
    channels = np.arange(n_channels)
    spread = np.abs(gamma)
    axes[0, 1].hlines(np.concatenate([beta, beta + spread, beta - spread]),
                      np.tile(channels - 0.3, 3), np.tile(channels + 0.3, 3), colors=TARGET_COLOR,
                      linewidths=4, zorder=0, gid="target")
    if histograms:
        _histogram_panel(axes[1, 0], x, "before", "values per channel, before")
        _histogram_panel(axes[1, 1], out, "after", "values per channel, after")
        if n_channels <= _MAX_LEGEND_CHANNELS:
            handles, labels = axes[1, 0].get_legend_handles_labels()
            fig.legend(handles, labels, loc="outside lower center", ncols=n_channels,
                       fontsize=8, frameon=False)
    fig.suptitle(f"Spatial BatchNorm: statistics per channel c, taken over N, H, W "
                 f"({n}·{h}·{w} = {n * h * w} values each)", fontsize=11)
    return fig
