"""BatchNorm figure: per-channel statistics before and after spatial BatchNorm.

The normalised values come from `c182lib.batchnorm.spatial_batchnorm_forward`; this module
only summarises them. Artists carry a ``gid`` so tests can find them, with ``stage`` one of
``"before"`` and ``"after"``: the per-channel means ``"{stage}-mean"`` (a scatter whose offsets
are ``(c, mean_c)``), the ± one standard deviation bars ``"{stage}-std"`` (a LineCollection of
segments from ``mean_c - std_c`` to ``mean_c + std_c``), the targets ``"target"`` (segments at
``beta`` and ``beta ± |gamma|``) and the histogram patches ``"hist-{stage}-{c}"`` of channel
``c``.

`batchnorm_layout_figure` (the BatchNorm explorer's picture) shows what one layout's statistics
are taken over; its gids: ``"sources"`` (the image of `c182lib.batchnorm.LayoutBatchNorm`'s
``sources`` as fractions), ``"used-mean"`` / ``"used-std"`` (the statistics the layout takes),
``"true-mean"`` (the channels' true means, when given), ``"out-mean"`` / ``"out-std"`` (each
channel of the output) and ``"target"``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from c182lib import batchnorm
from c182lib._validate import as_float_array
from c182lib.figures._common import (
    BLACK,
    DARK_GREY,
    LIGHT_GREY,
    TAP_COLORS,
    cell_label,
    describe,
    format_value,
    new_figure,
)

_MAX_LEGEND_CHANNELS = 8
TARGET_COLOR = "#AAAAAA"
# Axes of `batchnorm_layout_figure` (left, bottom, width, height as figure fractions): where
# constrained layout puts them for every setting of the explorer. Fixed, because running the
# layout engine on each redraw took about half of the explorer's redraw time.
_LAYOUT_FIGURE_AXES = ((0.041, 0.132, 0.244, 0.633), (0.341, 0.132, 0.293, 0.633),
                       (0.703, 0.132, 0.293, 0.633))


def channel_color(c: int) -> str:
    """Colour of channel ``c`` (the kernel-tap palette, cycling after nine channels)."""
    return TAP_COLORS[c % len(TAP_COLORS)]


def channel_linestyle(c: int):
    """Line style of channel ``c``'s histogram outline, so that channels differ by more than
    colour (solid, dashed, dotted, dash-dot, then two dash patterns, cycling)."""
    styles = ["-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (8, 2))]
    return styles[c % len(styles)]


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
    """Histogram of each channel's N·H·W values (step outlines, one colour and one line style
    per channel)."""
    n_channels = values.shape[1]
    bins = np.histogram_bin_edges(values, bins=30)
    for c in range(n_channels):
        _, _, patches = ax.hist(values[:, c].ravel(), bins=bins, histtype="step",
                                color=channel_color(c), linestyle=channel_linestyle(c),
                                linewidth=1.4, label=f"c = {c}")
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
            # lines, not the histograms' patches: a patch's legend key shows no line style
            handles = [Line2D([], [], color=channel_color(c), linestyle=channel_linestyle(c),
                              linewidth=1.4) for c in range(n_channels)]
            labels = [f"c = {c}" for c in range(n_channels)]
            fig.legend(handles, labels, loc="outside lower center", ncols=n_channels,
                       fontsize=8, frameon=False)
    fig.suptitle(f"Spatial BatchNorm: statistics per channel c, taken over N, H, W "
                 f"({n}·{h}·{w} = {n * h * w} values each)", fontsize=11)
    return describe(fig, _channel_stats_text(x, out, gamma, beta, histograms))


def _channel_stats_text(x: np.ndarray, out: np.ndarray, gamma: np.ndarray, beta: np.ndarray,
                        histograms: bool) -> str:
    """The text alternative of `batchnorm_channel_stats_figure`: each channel's mean ± std
    before and after, and its targets."""
    n, n_channels, h, w = x.shape
    (mean_x, std_x), (mean_out, std_out) = _channel_stats(x), _channel_stats(out)
    channels = "; ".join(
        f"c = {c}: {format_value(mean_x[c])} ± {format_value(std_x[c])} → "
        f"{format_value(mean_out[c])} ± {format_value(std_out[c])} "
        f"(target {format_value(beta[c])} ± {format_value(abs(gamma[c]))})"
        for c in range(n_channels))
    shown = " Below, each channel's histogram of values before and after." if histograms else ""
    return (f"Spatial BatchNorm of x with N = {n}, C = {n_channels}, H = {h}, W = {w}: each "
            f"channel's mean ± standard deviation over its {n * h * w} values, before → after. "
            f"{channels}.{shown}")


def _numbers(values) -> str:
    """``[2.00, -1.00, 5]``: a short list of values, as the figures label them."""
    return "[" + ", ".join(format_value(v) for v in values) + "]"


def _mean_std(ax: Axes, positions, means, stds, gid: str, colors) -> None:
    """Points at ``means`` with ± ``stds`` bars (gids ``"{gid}-mean"``, ``"{gid}-std"``)."""
    bars = ax.errorbar(positions, means, yerr=stds, fmt="none", ecolor=BLACK, elinewidth=1.2,
                       capsize=4)
    bars.lines[2][0].set_gid(f"{gid}-std")
    ax.scatter(positions, means, c=colors, s=40, zorder=3, edgecolors=BLACK, linewidths=0.6,
               gid=f"{gid}-mean")
    ax.set_xticks(positions)


def batchnorm_layout_figure(x, layout: str = "NCHW", eps: float = 1e-5, channel_means=None,
                            channel_stds=None) -> Figure:
    """What BatchNorm's statistics are taken over when the batch is stored in ``layout``.

    The batch is normalised by `c182lib.batchnorm.layout_batchnorm` (gamma = 1, beta = 0), which
    also labels every value with its channel. A right layout (NCHW, NHWC, the (N·H·W, C)
    reshape) gives each statistic the ``N·H·W`` values of one channel, so every output channel
    has mean 0 and standard deviation ``sqrt(var_c / (var_c + eps))``, just below 1 unless
    ``eps`` is comparable with the channel's variance. A wrong one mixes channels into each
    statistic, and the output channels keep part of their differences.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        The batch, in this workbook's layout (the figure rearranges it as ``layout`` says).
    layout : str
        A key of `c182lib.batchnorm.LAYOUTS`.
    eps : float
        BatchNorm's epsilon (> 0).
    channel_means, channel_stds : array_like, shape (C,), optional
        The distribution the batch was drawn from, drawn in dark grey next to statistic k (the
        truth for channel k) (for a right layout, how far a batch of this size is from the truth).

    Returns
    -------
    Figure
        Left: ``sources`` as fractions, statistic k (rows) by channel c (columns), each
        printed. Middle: the mean ± std each statistic uses. Right: mean ± std of each output
        channel over N, H, W, with the targets 0 and ± 1 in grey.
    """
    x = as_float_array("x", x, ndim=4, layout="(N, C, H, W)")
    result = batchnorm.layout_batchnorm(x, layout, eps)
    n, n_channels, h, w = x.shape
    n_stats = result.sources.shape[0]
    fractions = result.sources / result.sources.sum(axis=1, keepdims=True)
    label, how = batchnorm.LAYOUTS[layout]
    one_channel_each = bool(np.all(fractions.max(axis=1) == 1))

    fig = new_figure(10.5, 3.6)
    fig.set_layout_engine("none")
    ax_sources, ax_used, ax_out = (fig.add_axes(rect) for rect in _LAYOUT_FIGURE_AXES)
    ax_sources.imshow(fractions, cmap="Greys", vmin=0, vmax=2.0, aspect="auto", gid="sources")
    for k in range(n_stats):
        for c in range(n_channels):
            cell_label(ax_sources, c, k, f"{100 * fractions[k, c]:.0f} %", ha="center",
                       va="center", fontsize=8, color=BLACK)
    ax_sources.set_xticks(range(n_channels))
    ax_sources.set_yticks(range(n_stats))
    ax_sources.set_xlabel("channel c")
    ax_sources.set_ylabel("statistic k")
    ax_sources.set_title("share of statistic k's values\nfrom channel c", fontsize=10)

    stats = np.arange(n_stats)
    stat_colors = [channel_color(k) if one_channel_each else LIGHT_GREY for k in stats]
    if channel_means is not None:
        true_means = as_float_array("channel_means", channel_means, ndim=1, layout="(C,)")
        true_stds = as_float_array("channel_stds", np.zeros(n_channels) if channel_stds is None
                                   else channel_stds, ndim=1, layout="(C,)")
        for name, arr in (("channel_means", true_means), ("channel_stds", true_stds)):
            if arr.shape != (n_channels,):
                raise ValueError(f"{name} must have shape (C,) = ({n_channels},); "
                                 f"got {arr.shape}")
        ax_used.errorbar(np.arange(n_channels) + 0.25, true_means, yerr=true_stds, fmt="s",
                         color=DARK_GREY, markersize=5, capsize=3, gid="true-mean",
                         label="true mean ± std of channel k")
    _mean_std(ax_used, stats, result.mean, np.sqrt(result.var), "used", stat_colors)
    ax_used.set_xlabel("statistic k")
    ax_used.set_ylabel("mean ± std it uses")
    ax_used.set_title(f"the statistics: {n_stats}, each over "
                      f"{result.sources[0].sum()} values", fontsize=10)
    if channel_means is not None:
        ax_used.legend(fontsize=7, loc="best")

    out_means, out_stds = _channel_stats(result.out)
    channels = np.arange(n_channels)
    ax_out.hlines([0.0, 1.0, -1.0], -0.4, n_channels - 0.6, colors=TARGET_COLOR, linewidths=4,
                  zorder=0, gid="target")
    _mean_std(ax_out, channels, out_means, out_stds, "out",
              [channel_color(c) for c in channels])
    ax_out.set_xlabel("channel c")
    ax_out.set_ylabel("mean ± std over N, H, W")
    ax_out.set_title("each output channel\n(grey: targets 0 and ± 1)", fontsize=10)
    fig.suptitle(f"BatchNorm, {label} (N = {n}, eps = {eps:g})\n{how}", fontsize=10)

    if one_channel_each:
        mixing = f"each from one channel ({n}·{h}·{w} values)"
    else:
        channels_per_stat = np.count_nonzero(result.sources, axis=1)
        low, high = channels_per_stat.min(), channels_per_stat.max()
        mixing = (f"each mixing values of {low if low == high else f'{low} to {high}'} "
                  f"channels (statistic 0: "
                  + ", ".join(f"{100 * f:.0f} % from channel {c}"
                              for c, f in enumerate(fractions[0]) if f > 0) + ")")
    text = (f"BatchNorm statistics, layout {label}: {how}; batch size N = {n}, eps = {eps:g}. "
            f"{n_stats} statistics, {mixing}; their means {_numbers(result.mean)}"
            + (f", the channels' true means {_numbers(true_means)}"
               if channel_means is not None else "")
            + f". Output per channel: means {_numbers(out_means)}, standard deviations "
            f"{_numbers(out_stds)} (targets 0 and 1).")
    return describe(fig, text)
