"""BatchNorm explorer: vary the batch size, eps and the layout; watch the per-channel statistics.

A thin shell over `c182lib.figures.batchnorm.batchnorm_layout_figure`. The batch is drawn from
three channels of very different means and spreads (`CHANNEL_MEANS`, `CHANNEL_STDS`) by
`explorer_batch`, a function of the controls, so every picture can be reproduced from Python.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from c182lib._validate import as_int, as_positive_float
from c182lib.batchnorm import LAYOUTS, layout_batchnorm
from c182lib.figures.batchnorm import batchnorm_layout_figure
from c182lib.widgets import _base

CHANNEL_MEANS = np.array([2.0, -1.0, 5.0])
CHANNEL_STDS = np.array([1.0, 3.0, 0.5])
SIZE = 4  # H = W of the explorer's batch
MAX_BATCH = 32
EPS_CHOICES = (1e-8, 1e-5, 1e-3, 0.1, 1.0, 10.0)  # the worksheet's 1e-8, PyTorch's 1e-5, ...
MAX_SEED = 2**31 - 1  # the range of the explorer's seed box


def explorer_batch(batch_size: int, seed: int) -> np.ndarray:
    """The explorer's batch: shape (batch_size, 3, SIZE, SIZE), channel c ~ N(mean_c, std_c²).

    Parameters
    ----------
    batch_size : int
        N, at least 1.
    seed : int
        Seed of ``np.random.default_rng``.
    """
    batch_size = as_int("batch_size", batch_size, 1)
    rng = np.random.default_rng(as_int("seed", seed, 0))
    noise = rng.normal(size=(batch_size, len(CHANNEL_MEANS), SIZE, SIZE))
    return noise * CHANNEL_STDS[:, None, None] + CHANNEL_MEANS[:, None, None]


def _draw(batch_size, eps, layout, seed) -> Figure:
    return batchnorm_layout_figure(explorer_batch(batch_size, seed), layout, eps,
                                   CHANNEL_MEANS, CHANNEL_STDS)


def describe_batchnorm(batch_size, eps, layout, seed) -> str:
    """Status line: how many values each statistic takes, from how many channels, and the
    output's per-channel standard deviations (1 where BatchNorm works, less where eps or a
    wrong layout takes over)."""
    x = explorer_batch(batch_size, seed)
    result = layout_batchnorm(x, layout, eps)
    out_stds = result.out.std(axis=(0, 2, 3))
    out_means = result.out.mean(axis=(0, 2, 3))
    per_stat = result.sources.sum(axis=1)[0]
    mixed = np.count_nonzero(result.sources, axis=1).max()
    text = (f"<b>{LAYOUTS[layout][0]}</b>: {len(result.mean)} statistics of "
            f"{per_stat} values each (N·H·W = {batch_size}·{SIZE}·{SIZE} = "
            f"{batch_size * SIZE * SIZE} per channel), "
            + ("each from <b>one</b> channel." if mixed == 1 else
               f"each mixing <b>{mixed}</b> channels.")
            + " Output per channel: mean "
            + ", ".join(f"{round(m, 2) + 0.0:.2f}" for m in out_means) + "; std "
            + ", ".join(f"{s:.2f}" for s in out_stds) + ".")
    return text


def batchnorm_explorer(batch_size: int = 8, eps: float = 1e-5, layout: str = "NCHW",
                       seed: int = 0):
    """Explorer of spatial BatchNorm's statistics (`batchnorm_layout_figure` with controls).

    Parameters
    ----------
    batch_size : int
        Initial N (1 to `MAX_BATCH`).
    eps : float
        Initial epsilon, one of `EPS_CHOICES`.
    layout : str
        Initial layout, a key of `c182lib.batchnorm.LAYOUTS` (three right ones, two wrong).
    seed : int
        Seed of the batch (see `explorer_batch`).

    Returns
    -------
    Explorer or Figure
        The widget (controls ``batch_size``, ``eps``, ``layout``, ``seed``), or the static
        figure for the initial values when ipywidgets is not installed.
    """
    values = {
        "batch_size": as_int("batch_size", batch_size, 1),
        "eps": as_positive_float("eps", eps),
        "layout": layout,
        "seed": as_int("seed", seed, 0),
    }
    if values["batch_size"] > MAX_BATCH:
        raise ValueError(f"batch_size must be at most {MAX_BATCH} in the explorer; "
                         f"got {values['batch_size']}")
    if values["eps"] not in EPS_CHOICES:
        raise ValueError(f"eps must be one of {EPS_CHOICES} in the explorer; got {eps!r}")
    if not isinstance(layout, str) or layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {tuple(LAYOUTS)}; got {layout!r}")
    if values["seed"] > MAX_SEED:
        raise ValueError(f"seed must be at most {MAX_SEED} (the seed box's range); "
                         f"got {values['seed']}")
    widgets = _base.ipywidgets
    if widgets is None:
        return _draw(**values)
    controls = {
        "batch_size": _base.int_slider(values["batch_size"], 1, MAX_BATCH, "batch size N"),
        "eps": widgets.SelectionSlider(options=[(f"{e:g}", e) for e in EPS_CHOICES],
                                       value=values["eps"], description="eps",
                                       continuous_update=False),
        "layout": widgets.Dropdown(options=[(label, key) for key, (label, _) in LAYOUTS.items()],
                                   value=layout, description="layout"),
        "seed": _base.seed_control(values["seed"]),
    }
    return _base.build_explorer("BatchNorm: what the statistics are taken over", controls,
                                _draw, describe_batchnorm)
