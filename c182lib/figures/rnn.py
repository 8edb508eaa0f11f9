"""Figures for the recurrent half of the workbook: the unrolled RNN, the problem types and
gradient norms through time.

The diagrams are drawn in data coordinates: boxes are ``FancyBboxPatch`` objects and arrows
``FancyArrowPatch`` objects, each with a ``gid`` naming its role (``"input"``, ``"hidden"``,
``"output"``; arrows ``"W_xh"``, ``"W_hh"``, ``"W_hy"``) so tests can count them. The
gradient-norm plot takes every number from `c182lib.rnn`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from c182lib import rnn
from c182lib._validate import as_int, as_positive_float
from c182lib.figures._common import (
    BLACK,
    BLUE,
    INPUT_COLOR,
    ORANGE,
    OUTPUT_COLOR,
    PURPLE,
    SKY_BLUE,
    VERMILION,
    YELLOW,
    bare_axes,
    new_figure,
)

HIDDEN_COLOR = YELLOW
# One colour per weight matrix: the same colour at every time step is what "shared" looks like.
WEIGHT_COLORS = {"W_xh": BLUE, "W_hh": VERMILION, "W_hy": PURPLE}
WEIGHT_LABELS = {"W_xh": "$W_{xh}$", "W_hh": "$W_{hh}$", "W_hy": "$W_{hy}$"}
BOX = 0.7  # side of a box, in data units (the steps are 1.1 to 1.35 apart)


def _box(ax: Axes, x: float, y: float, text: str, facecolor: str, gid: str,
         fontsize: float = 10) -> FancyBboxPatch:
    """A rounded square of side `BOX` centred on (x, y) with ``text`` inside."""
    pad = 0.06
    box = FancyBboxPatch((x - BOX / 2 + pad, y - BOX / 2 + pad), BOX - 2 * pad, BOX - 2 * pad,
                         boxstyle=f"round,pad={pad}", facecolor=facecolor, edgecolor=BLACK,
                         linewidth=1.0, gid=gid)
    ax.add_patch(box)
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)
    return box


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], gid: str,
           color: str = BLACK, label: str | None = None, fontsize: float = 9) -> FancyArrowPatch:
    """A horizontal or vertical arrow between the edges of the boxes centred at its ends.

    A label is written beside a vertical arrow (to its right) or above a horizontal one.
    """
    (x0, y0), (x1, y1) = start, end
    half = BOX / 2
    if y0 == y1:
        step = half if x1 > x0 else -half
        tail, head = (x0 + step, y0), (x1 - step, y1)
    else:
        step = half if y1 > y0 else -half
        tail, head = (x0, y0 + step), (x1, y1 - step)
    arrow = FancyArrowPatch(tail, head, arrowstyle="-|>", mutation_scale=11, color=color,
                            linewidth=1.5, shrinkA=0, shrinkB=0, gid=gid)
    ax.add_patch(arrow)
    if label is not None:
        mx, my = (tail[0] + head[0]) / 2, (tail[1] + head[1]) / 2
        if y0 == y1:
            ax.text(mx, my + 0.05, label, ha="center", va="bottom", color=color,
                    fontsize=fontsize)
        else:
            ax.text(mx + 0.06, my, label, ha="left", va="center", color=color,
                    fontsize=fontsize)
    return arrow


def _bare_axes(ax: Axes, xlim: tuple[float, float], ylim: tuple[float, float]) -> None:
    """Set the limits (y upwards), then `bare_axes`: equal aspect, no ticks or spines."""
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    bare_axes(ax)


def unrolled_rnn_figure(T: int = 4) -> Figure:
    r"""The vanilla RNN unrolled for ``T`` time steps, with its shared weights marked.

    Each step ``t = 1..T`` has an input box ``x_t``, a hidden box ``h_t`` and an output box
    ``y_t``; arrows ``x_t -> h_t`` (labelled :math:`W_{xh}`), ``h_{t-1} -> h_t``
    (:math:`W_{hh}`, starting from ``h_0`` on the left) and ``h_t -> y_t`` (:math:`W_{hy}`).
    Each matrix has one colour, the same at every step, and the legend says they are shared::

        h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h),    y_t = W_hy h_t + b_y

    Parameters
    ----------
    T : int
        Number of time steps drawn, 1 to 10.

    Returns
    -------
    Figure
        Boxes carry gid ``"input"``/``"hidden"``/``"output"`` (``h_0`` is ``"hidden"`` too,
        so there are ``T + 1`` of those); arrows carry the gid of their weight matrix, ``T``
        of each.
    """
    T = as_int("T", T, minimum=1)
    if T > 10:
        raise ValueError(f"T must be at most 10 to stay readable; got {T}")
    pitch = 1.35
    rows = {"x": 0.0, "h": 1.3, "y": 2.6}
    width = min(9.5, max(6.5, 2.2 + 1.1 * T))
    fig = new_figure(width, 3.6)
    ax = fig.add_subplot()
    _box(ax, 0.0, rows["h"], "$h_0$", HIDDEN_COLOR, "hidden")
    for t in range(1, T + 1):
        x = t * pitch
        _box(ax, x, rows["x"], f"$x_{{{t}}}$", INPUT_COLOR, "input")
        _box(ax, x, rows["h"], f"$h_{{{t}}}$", HIDDEN_COLOR, "hidden")
        _box(ax, x, rows["y"], f"$y_{{{t}}}$", OUTPUT_COLOR, "output")
        _arrow(ax, (x, rows["x"]), (x, rows["h"]), "W_xh", WEIGHT_COLORS["W_xh"],
               WEIGHT_LABELS["W_xh"])
        _arrow(ax, (x - pitch, rows["h"]), (x, rows["h"]), "W_hh", WEIGHT_COLORS["W_hh"],
               WEIGHT_LABELS["W_hh"])
        _arrow(ax, (x, rows["h"]), (x, rows["y"]), "W_hy", WEIGHT_COLORS["W_hy"],
               WEIGHT_LABELS["W_hy"])
        ax.text(x, rows["x"] - BOX / 2 - 0.12, f"t = {t}", ha="center", va="top", fontsize=8,
                color="#555555")
    _bare_axes(ax, (-0.6, T * pitch + 0.75), (rows["x"] - 0.8, rows["y"] + 0.5))
    steps = "time step" if T == 1 else "time steps"
    ax.set_title(f"An RNN unrolled for T = {T} {steps}\n"
                 r"$h_t = \tanh(W_{hh}h_{t-1} + W_{xh}x_t + b_h)$,  $y_t = W_{hy}h_t + b_y$",
                 fontsize=10)
    handles = [Line2D([], [], color=WEIGHT_COLORS[name], linewidth=2,
                      label=f"{WEIGHT_LABELS[name]}: {role}")
               for name, role in (("W_xh", "input → hidden"), ("W_hh", "hidden → hidden"),
                                  ("W_hy", "hidden → output"))]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8.5,
               title="one matrix each, shared across time (same weights at every step)",
               title_fontsize=8.5, frameon=False)
    return fig


# (title, example task, number of steps, steps that take an input, steps that give an output)
PROBLEM_TYPES = (
    ("one-to-one", "image classification\n(image → class label)", 1, (0,), (0,)),
    ("one-to-many", "image captioning\n(image → words)", 3, (0,), (0, 1, 2)),
    ("many-to-one", "sentiment of a sentence\n(words → label)", 3, (0, 1, 2), (2,)),
    ("many-to-many", "frame labelling, translation\n(sequence → sequence)", 3, (0, 1, 2),
     (0, 1, 2)),
)


def problem_types_figure() -> Figure:
    """Four panels: one-to-one, one-to-many, many-to-one and many-to-many use of an RNN.

    Each panel draws the same cell unrolled (inputs at the bottom, hidden states in the
    middle, outputs on top) and names an example task. The many-to-many panel is the
    aligned form (one output per input, as in frame labelling); translation usually reads the
    whole sentence before writing, which is many-to-one followed by one-to-many.

    Returns
    -------
    Figure
        Four axes titled ``"one-to-one"``, ``"one-to-many"``, ``"many-to-one"``,
        ``"many-to-many"``; boxes and arrows carry gids as in `unrolled_rnn_figure`.
    """
    fig = new_figure(9.5, 3.4)
    axes = fig.subplots(1, len(PROBLEM_TYPES))
    pitch, rows = 1.1, {"x": 0.0, "h": 1.2, "y": 2.4}
    for ax, (title, example, steps, inputs, outputs) in zip(axes, PROBLEM_TYPES, strict=True):
        offset = (3 - steps) * pitch / 2  # centre short diagrams
        for t in range(steps):
            x = offset + t * pitch
            _box(ax, x, rows["h"], "$h$", HIDDEN_COLOR, "hidden", fontsize=9)
            if t > 0:
                _arrow(ax, (x - pitch, rows["h"]), (x, rows["h"]), "W_hh",
                       WEIGHT_COLORS["W_hh"])
            if t in inputs:
                _box(ax, x, rows["x"], "$x$", INPUT_COLOR, "input", fontsize=9)
                _arrow(ax, (x, rows["x"]), (x, rows["h"]), "W_xh", WEIGHT_COLORS["W_xh"])
            if t in outputs:
                _box(ax, x, rows["y"], "$y$", OUTPUT_COLOR, "output", fontsize=9)
                _arrow(ax, (x, rows["h"]), (x, rows["y"]), "W_hy", WEIGHT_COLORS["W_hy"])
        _bare_axes(ax, (-0.5, 2 * pitch + 0.5), (-0.5, rows["y"] + 0.5))
        ax.set_title(title, fontsize=11, fontweight="bold")
        ax.set_xlabel(f"e.g. {example}", fontsize=9)
    fig.suptitle("Types of sequence problems: inputs (white) → hidden states (yellow) → "
                 "outputs (blue)", fontsize=10)
    return fig


# Colours of the recurrent scales, in the order given: with the default scales
# (0.5, 0.9, 1.0, 1.1, 1.5) the vanishing ones are blue, 1 is black and the exploding ones warm.
SCALE_COLORS = (BLUE, SKY_BLUE, BLACK, ORANGE, VERMILION, PURPLE, YELLOW)
INPUT_SIZE = 8  # D of the toy RNN; only the input scale matters for the picture


class GradientExperiment(NamedTuple):
    """Gradients of one toy RNN (one sequence) with ``σ_max(W_hh)`` set; see
    `gradient_experiment`.

    Attributes
    ----------
    norms : ndarray, shape (T + 1,)
        ``norms[t] = ||∂L/∂h_t||`` for ``t = 0, ..., T`` (`c182lib.rnn.hidden_gradient_norms`).
    bound : ndarray, shape (T + 1,)
        Upper bound of ``norms``: ``σ_max^(T-t)`` for a loss on the last step (from
        `c182lib.rnn.hidden_jacobian_norms`, as ``||∂L/∂h_T|| = 1``); for a loss on every
        step, ``Σ_{s=max(t,1)..T} σ_max^(s-t)`` (one unit-norm gradient enters at every step
        s = 1..T; ``h_0`` has no loss).
    jacobian_norms : ndarray, shape (T + 1,)
        ``||∂h_T/∂h_t||_2`` (`c182lib.rnn.hidden_jacobian_norms`).
    grads : tuple of ndarray
        ``(dW_xh, dW_hh, db_h)`` from `c182lib.rnn.rnn_backward`, shapes (H, D), (H, H), (H,).
    """

    norms: np.ndarray
    bound: np.ndarray
    jacobian_norms: np.ndarray
    grads: tuple[np.ndarray, np.ndarray, np.ndarray]


def gradient_experiment(sigma_max: float, T: int = 50, hidden_size: int = 32, seed: int = 0,
                        loss: str = "last", input_scale: float = 0.01) -> GradientExperiment:
    r"""Backpropagate through a toy RNN whose recurrent matrix has spectral norm ``sigma_max``.

    The RNN has ``H = hidden_size`` units, ``D = 8`` inputs, ``b_h = 0`` and ``h_0 = 0``; it
    reads one random sequence ``x`` (T, D) with entries from N(0, 1) through
    ``W_xh = input_scale · N(0, 1/D)``, so small ``input_scale`` keeps the pre-activations
    small and ``tanh' ≈ 1``: the regime in which the bound is nearly tight. ``W_hh`` is
    ``sigma_max`` times a random orthogonal matrix (`c182lib.rnn.scaled_recurrent_matrix`),
    the same orthogonal matrix for every ``sigma_max`` at one ``seed``, so scales differ in
    nothing else. The loss is linear in the hidden states with unit-norm random directions
    (`c182lib.rnn.random_upstream_gradient`), on the last step or on every step.

    Parameters
    ----------
    sigma_max : float
        Every singular value of ``W_hh`` (> 0).
    T : int
        Sequence length (>= 1).
    hidden_size : int
        H (>= 1).
    seed : int
        Seeds the sequence, ``W_xh``, the orthogonal part of ``W_hh`` and the loss directions.
    loss : {"last", "every"}
        Where the loss is: on ``h_T`` only, or on every ``h_t``.
    input_scale : float
        Scale of ``W_xh`` (> 0).

    Returns
    -------
    GradientExperiment
        ``norms``, ``bound``, ``jacobian_norms`` (each shape (T + 1,), index t for ``h_t``) and
        the parameter gradients ``grads``.
    """
    T = as_int("T", T, minimum=1)
    hidden_size = as_int("hidden_size", hidden_size, minimum=1)
    input_scale = as_positive_float("input_scale", input_scale)
    seed = as_int("seed", seed, minimum=0)
    data_seed, matrix_seed, loss_seed = np.random.SeedSequence(seed).spawn(3)
    rng = np.random.default_rng(data_seed)
    x = rng.standard_normal((1, T, INPUT_SIZE))
    W_xh = input_scale * rng.standard_normal((hidden_size, INPUT_SIZE)) / np.sqrt(INPUT_SIZE)
    W_hh = rnn.scaled_recurrent_matrix(hidden_size, sigma_max, seed=matrix_seed)
    h, cache = rnn.rnn_forward(x, None, W_xh, W_hh, np.zeros(hidden_size))
    dh = rnn.random_upstream_gradient(h.shape, loss=loss, seed=loss_seed)
    norms = rnn.hidden_gradient_norms(dh, cache)
    jacobian_norms, power_bound = rnn.hidden_jacobian_norms(h[0], W_hh)
    if loss == "last":
        bound = power_bound
    else:
        # power_bound[::-1][k] = σ^k, so the reversed cumulative sum is Σ_{k=0}^{T-t} σ^k,
        # i.e. Σ_{s=t}^{T} σ^(s-t). The loss steps are s = 1..T (h_0 has none): at t = 0 the
        # term s = 0 (σ^0 = 1) is not there.
        bound = np.cumsum(power_bound[::-1])[::-1]
        bound[0] -= 1.0
    _, _, dW_xh, dW_hh, db_h = rnn.rnn_backward(dh, cache)
    return GradientExperiment(norms, bound, jacobian_norms, (dW_xh, dW_hh, db_h))


def _check_scales(scales) -> tuple[float, ...]:
    """``scales`` as a tuple of floats > 0, one to ``len(SCALE_COLORS)`` of them."""
    if isinstance(scales, (int, float)) or not isinstance(scales, Sequence) or not scales:
        raise TypeError(f"scales must be a non-empty sequence of numbers > 0, e.g. (0.9, 1.1); "
                        f"got {scales!r}")
    if len(scales) > len(SCALE_COLORS):
        raise ValueError(f"scales must hold at most {len(SCALE_COLORS)} values to stay "
                         f"readable; got {len(scales)}")
    return tuple(as_positive_float(f"scales[{i}]", s) for i, s in enumerate(scales))


def gradient_norms_figure(scales=(0.5, 0.9, 1.0, 1.1, 1.5), T: int = 50,
                          hidden_size: int = 32, clip: float | None = None, seed: int = 0,
                          loss: str = "last", input_scale: float = 0.01) -> Figure:
    r"""Gradient norms ``||∂L/∂h_t||`` through time, log scale, for several ``σ_max(W_hh)``.

    For each scale ``σ`` the solid line is ``||∂L/∂h_t||`` of `gradient_experiment` and the
    dashed line of the same colour its bound: ``||∂L/∂h_T|| · σ^(T-t) = σ^(T-t)`` for a loss
    on the last step (every step's Jacobian ``diag(tanh') W_hh`` has spectral norm at most
    ``σ``). Below 1 the gradient reaching early steps vanishes geometrically; above 1 it can
    grow, until saturating tanh units (``tanh' < 1``) hold it below the bound.

    Parameters
    ----------
    scales : sequence of float
        Values of ``σ_max(W_hh)`` (> 0), at most 7.
    T : int
        Sequence length (>= 1).
    hidden_size : int
        H (>= 1).
    clip : float or None
        If given, a second panel shows the global norm of the parameter gradients
        ``(dW_xh, dW_hh, db_h)`` before and after `c182lib.rnn.clip_grad_norm` with
        ``max_norm=clip``, per scale.
    seed : int
        See `gradient_experiment`.
    loss : {"last", "every"}
        Loss on the last hidden state only, or on every one (the bound is then a sum).
    input_scale : float
        See `gradient_experiment`.

    Returns
    -------
    Figure
        First axes: one solid line (gid ``"norms"``, label ``"σₘₐₓ = …"``) and one dashed line
        (gid ``"bound"``) per scale, x data ``t = 0..T``. With ``clip``, second axes: bars with
        gid ``"before"`` and ``"after"``, and a horizontal line (gid ``"max_norm"``).
    """
    scales = _check_scales(scales)
    T = as_int("T", T, minimum=1)
    max_norm = None if clip is None else as_positive_float("clip", clip)
    experiments = [gradient_experiment(s, T, hidden_size, seed, loss, input_scale)
                   for s in scales]
    steps = np.arange(T + 1)

    fig = new_figure(9.5 if max_norm is not None else 7.0, 4.3)
    if max_norm is None:
        ax = fig.add_subplot()
    else:
        ax, clip_ax = fig.subplots(1, 2, width_ratios=(3, 2))
    for i, (sigma, experiment) in enumerate(zip(scales, experiments, strict=True)):
        color = SCALE_COLORS[i]
        # A wide translucent band under a thin dashed bound: both stay visible where the
        # bound is tight (small pre-activations, σ_max <= 1).
        ax.plot(steps, experiment.norms, color=color, linewidth=3.0, alpha=0.6,
                label=f"σₘₐₓ = {sigma:g}", gid="norms")
        ax.plot(steps, experiment.bound, color=color, linewidth=1.2, linestyle="--",
                gid="bound")
    _log_y_axis(ax)
    # At least one decade either side of 1 (= ‖∂L/∂h_T‖ for a loss on the last step), so a
    # nearly flat curve looks flat instead of filling the height.
    curves = np.concatenate([[0.1, 10.0], *(e.norms for e in experiments),
                             *(e.bound for e in experiments)])
    curves = curves[np.isfinite(curves) & (curves > 0)]
    ax.set_ylim(curves.min() / 2, curves.max() * 2)
    ax.set_xlim(0, T)
    ax.set_xlabel("time step t")
    ax.set_ylabel("‖∂L/∂hₜ‖ (log scale)")
    where = "the last step" if loss == "last" else "every step"
    ax.set_title(f"Gradient norms through time (T = {T}, H = {hidden_size}, loss on {where})",
                 fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    bound_label = ("dashed: bound σₘₐₓᵀ⁻ᵗ" if loss == "last"
                   else "dashed: bound Σ σₘₐₓˢ⁻ᵗ over the loss steps s ≥ t")
    handles = [*ax.get_lines()[::2],
               Line2D([], [], color="#777777", linestyle="--", label=bound_label)]
    if max_norm is None:
        fig.legend(handles=handles, loc="outside right center", fontsize=8.5)
    else:
        _draw_clipping(clip_ax, scales, experiments, max_norm)
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles),
                   fontsize=8.5)
    return fig


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_of_ten_label(value: float, _position=None) -> str:
    """Tick label ``10ⁿ`` in plain Unicode (no mathtext parse: a widget redraws fast)."""
    exponent = np.log10(value)
    if not np.isclose(exponent, np.round(exponent)):
        return ""
    return "10" + str(int(np.round(exponent))).translate(_SUPERSCRIPTS)


def _log_y_axis(ax: Axes) -> None:
    """Log y axis with decade ticks labelled ``10ⁿ`` and no minor ticks.

    Minor ticks over 20+ decades and mathtext labels made a redraw several times slower.
    """
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=9))
    ax.yaxis.set_major_formatter(FuncFormatter(_power_of_ten_label))
    ax.yaxis.set_minor_locator(NullLocator())


def clipped_norm(grads, max_norm: float) -> tuple[float, float]:
    """Global norm of ``grads`` before and after `c182lib.rnn.clip_grad_norm`.

    Parameters
    ----------
    grads : sequence of ndarray
        Gradients of any shapes.
    max_norm : float
        Clipping threshold (> 0).

    Returns
    -------
    before, after : float
        ``sqrt(Σ_i ||g_i||²)`` of the gradients and of the clipped gradients.
    """
    clipped, before = rnn.clip_grad_norm(list(grads), max_norm)
    return before, rnn.global_norm(clipped)


def _draw_clipping(ax: Axes, scales, experiments, max_norm: float) -> None:
    """Bars of the global gradient norm before and after clipping, one pair per scale."""
    positions = np.arange(len(scales))
    width = 0.38
    heights = [max_norm]
    for i, experiment in enumerate(experiments):
        total, after = clipped_norm(experiment.grads, max_norm)
        color = SCALE_COLORS[i]
        ax.bar(positions[i] - width / 2, total, width, color=color, edgecolor=BLACK,
               gid="before")
        ax.bar(positions[i] + width / 2, after, width, color="white", edgecolor=color,
               hatch="///", linewidth=1.5, gid="after")
        heights += [total, after]
        ax.annotate(f"{total:.3g}", (positions[i] - width / 2, total), xytext=(0, 2),
                    textcoords="offset points", ha="center", va="bottom", fontsize=7.5)
    ax.axhline(max_norm, color=BLACK, linestyle=":", linewidth=1.2, gid="max_norm")
    _log_y_axis(ax)
    # Bars in the lower 70% of the height (log scale), the legend above them.
    bottom, top = np.log10(min(heights) / 2), np.log10(max(heights))
    ax.set_ylim(10**bottom, 10 ** (bottom + (top - bottom) / 0.7))
    ax.set_xlim(-0.75, len(scales) - 0.25)
    ax.set_xticks(positions, [f"{s:g}" for s in scales])
    ax.set_xlabel("σₘₐₓ(Wₕₕ)")
    ax.set_ylabel("global norm of (dWₓₕ, dWₕₕ, dbₕ)")
    ax.set_title(f"clip_grad_norm(max_norm = {max_norm:g})", fontsize=10)
    ax.legend(handles=[Patch(facecolor="#999999", edgecolor=BLACK, label="before clipping"),
                       Patch(facecolor="white", edgecolor="#999999", hatch="///",
                             label="after clipping"),
                       Line2D([], [], color=BLACK, linestyle=":", label="max_norm")],
              fontsize=8, loc="upper left")
