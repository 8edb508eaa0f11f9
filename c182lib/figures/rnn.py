"""Figures for the recurrent half of the workbook: the unrolled RNN, the problem types and
gradient norms through time.

The diagrams are drawn in data coordinates: boxes are ``FancyBboxPatch`` objects and arrows
``FancyArrowPatch`` objects, each with a ``gid`` naming its role (``"input"``, ``"hidden"``,
``"output"``; arrows ``"W_xh"``, ``"W_hh"``, ``"W_hy"``) so tests can count them. The
gradient-norm plot takes every number from `c182lib.rnn`.
"""

from __future__ import annotations

from collections.abc import Sequence

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
    DIVERGING_CMAP,
    GREEN,
    INPUT_COLOR,
    ORANGE,
    OUTPUT_COLOR,
    PURPLE,
    SKY_BLUE,
    VERMILION,
    YELLOW,
    bare_axes,
    cell_label,
    contrast_ratio,
    describe,
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
        # Black text (the arrow carries the colour): vermilion and purple on white fall
        # short of WCAG's 4.5:1 for text.
        if y0 == y1:
            ax.text(mx, my + 0.05, label, ha="center", va="bottom", fontsize=fontsize)
        else:
            ax.text(mx + 0.06, my, label, ha="left", va="center", fontsize=fontsize)
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
    return describe(fig, (
        f"A vanilla RNN unrolled for T = {T} {steps}: h_0 on the left, then for each t = 1 to "
        f"{T} an input x_t below a hidden state h_t below an output y_t. Arrows x_t → h_t carry "
        f"W_xh, h_(t−1) → h_t carry W_hh and h_t → y_t carry W_hy: the same three matrices at "
        f"every step. h_t = tanh(W_hh h_(t−1) + W_xh x_t + b_h), y_t = W_hy h_t + b_y."))


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

    def panel(title, example, steps, inputs, outputs):
        return (f"{title} ({len(inputs)} input{'s' if len(inputs) > 1 else ''}, "
                f"{len(outputs)} output{'s' if len(outputs) > 1 else ''} over {steps} "
                f"step{'s' if steps > 1 else ''}; e.g. {' '.join(example.split())})")

    return describe(fig, "Four uses of an RNN, each the cell unrolled with inputs x below "
                         "hidden states h below outputs y: "
                    + "; ".join(panel(*kind) for kind in PROBLEM_TYPES) + ".")


# Colours of the recurrent scales, in the order given: with the default scales
# (0.5, 0.9, 1.0, 1.1, 1.5) the vanishing ones are blue, 1 is black and the exploding ones warm.
SCALE_COLORS = (BLUE, SKY_BLUE, BLACK, ORANGE, VERMILION, PURPLE, YELLOW)
SCALE_MARKERS = ("v", "<", "o", ">", "^", "s", "D")  # a second carrier besides the colour
# Axes of `gradient_norms_figure` (left, bottom, width, height as figure fractions), without and
# with the clipping panel: where constrained layout puts them for the widest tick labels
# (T = 200). Fixed, because running the layout engine took about half of the explorer's redraw.
_NORMS_AXES = ((0.101, 0.111, 0.608, 0.834),)
_NORMS_CLIP_AXES = ((0.075, 0.182, 0.504, 0.763), (0.659, 0.182, 0.336, 0.763))


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
                          loss: str = "last", input_scale: float = 0.01,
                          experiments=None) -> Figure:
    r"""Gradient norms ``||∂L/∂h_t||`` through time, log scale, for several ``σ_max(W_hh)``.

    For each scale ``σ`` the solid line is ``||∂L/∂h_t||`` of `c182lib.rnn.gradient_experiment`
    and the dashed line of the same colour its bound: ``||∂L/∂h_T|| · σ^(T-t) = σ^(T-t)`` for a
    loss on the last step (every step's Jacobian ``diag(tanh') W_hh`` has spectral norm at most
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
        See `c182lib.rnn.gradient_experiment`.
    loss : {"last", "every"}
        Loss on the last hidden state only, or on every one (the bound is then a sum).
    input_scale : float
        See `c182lib.rnn.gradient_experiment`.
    experiments : sequence of GradientExperiment, optional
        ``gradient_experiment(s, T, hidden_size, seed, loss, input_scale)`` for each scale ``s``,
        if the caller has them already (the explorer's status line uses the same one); computed
        here if None.

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
    if experiments is None:
        experiments = [rnn.gradient_experiment(s, T, hidden_size, seed, loss, input_scale)
                       for s in scales]
    elif len(experiments) != len(scales):
        raise ValueError(f"experiments must hold one result per scale ({len(scales)}); "
                         f"got {len(experiments)}")
    steps = np.arange(T + 1)

    fig = new_figure(9.5 if max_norm is not None else 7.0, 4.3)
    fig.set_layout_engine("none")
    if max_norm is None:
        (ax,) = (fig.add_axes(rect) for rect in _NORMS_AXES)
    else:
        ax, clip_ax = (fig.add_axes(rect) for rect in _NORMS_CLIP_AXES)
    for i, (sigma, experiment) in enumerate(zip(scales, experiments, strict=True)):
        color = SCALE_COLORS[i]
        # A wide translucent band under a thin dashed bound: both stay visible where the
        # bound is tight (small pre-activations, σ_max <= 1).
        ax.plot(steps, experiment.norms, color=color, linewidth=3.0, alpha=0.6,
                marker=SCALE_MARKERS[i], markevery=max(1, T // 8), markersize=6,
                markeredgecolor=BLACK, label=f"σₘₐₓ = {sigma:g}", gid="norms")
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
    for sigma, experiment in zip(scales, experiments, strict=True):
        # Named at the left end too, so no line is told apart by its colour alone.
        ax.annotate(f"σ = {sigma:g}", (0, experiment.norms[0]), xytext=(3, 0),
                    textcoords="offset points", fontsize=7.5, va="center", ha="left",
                    gid="line-label", bbox={"facecolor": "white", "edgecolor": "none",
                                            "alpha": 0.8, "pad": 0.5})
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
        fig.legend(handles=handles, loc="center right", fontsize=8.5)
    else:
        _draw_clipping(clip_ax, scales, experiments, max_norm)
        fig.legend(handles=handles, loc="lower center", ncols=len(handles), fontsize=8.5)
    text = (f"Log-scale plot of the gradient norms ‖∂L/∂h_t‖ for t = 0 to {T} (H = "
            f"{hidden_size}, loss on {where}), one line per σ_max(W_hh), each with its bound "
            f"dashed. " + " ".join(_gradient_summary(sigma, e, T, loss)
                                    for sigma, e in zip(scales, experiments, strict=True)))
    if max_norm is not None:
        clipped = [rnn.clipped_norm(e.grads, max_norm) for e in experiments]
        text += (f" Second panel, global norm of (dW_xh, dW_hh, db_h) before → after "
                 f"clip_grad_norm with max_norm = {max_norm:g}: "
                 + ", ".join(f"σ = {sigma:g}: {b:.3g} → {a:.3g}"
                             for sigma, (b, a) in zip(scales, clipped, strict=True)) + ".")
    return describe(fig, text)


def _gradient_summary(sigma: float, experiment: rnn.GradientExperiment, T: int, loss: str) -> str:
    """One scale in words, as the explorer's status line says it: ratio, verdict, bound."""
    # The explorer's verdict rule is the one home of "vanishing / exploding"; imported here,
    # not at the top, because c182lib.widgets.rnn imports this module.
    from c182lib.widgets.rnn import gradient_verdict

    ratio = experiment.norms[1] / experiment.norms[T]
    bound = (f"; bound σ^(T−1) = {experiment.bound[1]:.2g}" if loss == "last" else "")
    return (f"σ = {sigma:g}: ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ = {ratio:.2g} → "
            f"{gradient_verdict(ratio)}{bound}.")


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


def _draw_clipping(ax: Axes, scales, experiments, max_norm: float) -> None:
    """Bars of the global gradient norm before and after clipping, one pair per scale."""
    positions = np.arange(len(scales))
    width = 0.38
    heights = [max_norm]
    for i, experiment in enumerate(experiments):
        total, after = rnn.clipped_norm(experiment.grads, max_norm)
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


def vanishing_exploding_figure(scales=(0.5, 0.9, 1.0, 1.1, 1.5), T: int = 50,
                               hidden_size: int = 32, sweep=None, seed: int = 0) -> Figure:
    r"""The lesson of the RNN gradient explorer in one static figure.

    Left: ``||∂L/∂h_t||`` through time for several ``σ_max(W_hh)`` (log scale, each with its
    bound ``σ^(T-t)`` dashed), as `gradient_norms_figure` draws it. Right: what every position
    of the explorer's σ slider gives: ``||∂L/∂h_1|| / ||∂L/∂h_T||`` against ``σ_max`` (log
    scale) with its bound ``σ^(T-1)``, and the bands the explorer calls vanishing (below 1/10)
    and exploding (above 10). Every number comes from `c182lib.rnn.gradient_experiment` (loss
    on the last step); the verdicts from `c182lib.widgets.rnn.gradient_verdict`.

    Parameters
    ----------
    scales : sequence of float
        The σ values drawn through time (> 0, at most 7); marked on the right panel too.
    T, hidden_size, seed : int
        As in `c182lib.rnn.gradient_experiment`.
    sweep : sequence of float, optional
        The σ values of the right panel (> 0); default 37 values from 0.2 to 2, the
        explorer's slider range.

    Returns
    -------
    Figure
        Left axes as in `gradient_norms_figure` (gids ``"norms"``, ``"bound"``); right axes
        with lines ``"ratio"`` (x: the sweep, y: the ratios) and ``"ratio-bound"``, markers
        ``"ratio-scales"`` at ``scales``.
    """
    from c182lib.widgets.rnn import SIGMA_RANGE, VERDICT_FACTOR, gradient_verdict

    scales = _check_scales(scales)
    T = as_int("T", T, minimum=2)
    sweep = (np.linspace(*SIGMA_RANGE, 37) if sweep is None else
             np.array([as_positive_float(f"sweep[{i}]", v) for i, v in enumerate(sweep)]))
    if sweep.size < 2:
        raise ValueError(f"sweep must hold at least 2 values of σ; got {sweep.size}")
    sweep = np.sort(sweep)

    def ratio(experiment):
        return experiment.norms[1] / experiment.norms[T]

    swept = [rnn.gradient_experiment(s, T, hidden_size, seed) for s in sweep]
    experiments = [rnn.gradient_experiment(s, T, hidden_size, seed) for s in scales]
    ratios = np.array([ratio(e) for e in swept])
    bounds = np.array([e.bound[1] for e in swept])

    fig = new_figure(10.0, 4.6)
    ax, ax_sweep = fig.subplots(1, 2)
    steps = np.arange(T + 1)
    for i, (sigma, experiment) in enumerate(zip(scales, experiments, strict=True)):
        ax.plot(steps, experiment.norms, color=SCALE_COLORS[i], linewidth=2.5, alpha=0.7,
                marker=SCALE_MARKERS[i], markevery=max(1, T // 8), markersize=6,
                markeredgecolor=BLACK, label=f"σₘₐₓ = {sigma:g}", gid="norms")
        ax.plot(steps, experiment.bound, color=SCALE_COLORS[i], linewidth=1.0,
                linestyle="--", gid="bound")
    _log_y_axis(ax)
    curves = np.concatenate([[0.1, 10.0], *(e.norms for e in experiments)])
    ax.set_ylim(curves[curves > 0].min() / 10, curves.max() * 100)
    ax.set_xlim(0, T)
    ax.set_xlabel("time step t")
    ax.set_ylabel("‖∂L/∂hₜ‖ (log scale)")
    ax.set_title(f"Through time (T = {T}): below σ = 1 the gradient\nreaching early steps "
                 f"vanishes, above 1 it grows", fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(handles=[*ax.get_lines()[::2],
                       Line2D([], [], color="#777777", linestyle="--",
                              label="dashed: bound σₘₐₓᵀ⁻ᵗ")],
              fontsize=7.5, loc="lower right", ncols=2)

    low, high = 1 / VERDICT_FACTOR, VERDICT_FACTOR
    ax_sweep.plot(sweep, ratios, color=BLACK, linewidth=2.0, marker=".", gid="ratio",
                  label="measured ‖∂L/∂h₁‖ / ‖∂L/∂h_T‖")
    ax_sweep.plot(sweep, bounds, color=BLACK, linewidth=1.0, linestyle="--",
                  gid="ratio-bound", label=f"bound σₘₐₓᵀ⁻¹ (T − 1 = {T - 1})")
    ax_sweep.plot(scales, [ratio(e) for e in experiments], linestyle="none", marker="o",
                  markersize=9, markerfacecolor="none", markeredgecolor=BLACK,
                  markeredgewidth=1.5, gid="ratio-scales", label="the σ values on the left")
    _log_y_axis(ax_sweep)
    top = max(ratios.max(), high) * 100
    bottom = min(ratios[ratios > 0].min(), low) / 100
    ax_sweep.set_ylim(bottom, top)
    ax_sweep.set_xlim(sweep[0], sweep[-1])
    ax_sweep.axhspan(bottom, low, facecolor=SKY_BLUE + "33", edgecolor=BLUE, hatch="\\",
                     linewidth=0, zorder=0, gid="vanishing")
    ax_sweep.axhspan(high, top, facecolor=ORANGE + "33", edgecolor=VERMILION, hatch="//",
                     linewidth=0, zorder=0, gid="exploding")
    ax_sweep.text(sweep[-1], low, f"vanishing (< 1/{VERDICT_FACTOR:g}) ", ha="right",
                  va="top", fontsize=8.5,
                  bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    ax_sweep.text(sweep[0], high, f" exploding (> {VERDICT_FACTOR:g})", ha="left",
                  va="bottom", fontsize=8.5,
                  bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    ax_sweep.axvline(1.0, color="#777777", linewidth=0.8, linestyle=":")
    ax_sweep.set_xlabel("σₘₐₓ(Wₕₕ)")
    ax_sweep.set_ylabel("‖∂L/∂h₁‖ / ‖∂L/∂h_T‖ (log scale)")
    ax_sweep.set_title("Every σ: how much of the last step's gradient\nreaches step 1",
                       fontsize=10)
    ax_sweep.grid(True, which="major", alpha=0.3)
    ax_sweep.legend(fontsize=7.5, loc="lower right")
    fig.suptitle(f"Vanishing and exploding gradients in a vanilla RNN (H = {hidden_size}, "
                 f"loss on the last step)", fontsize=11)

    verdicts = [gradient_verdict(r) for r in ratios]
    stable = sweep[[v == "stable" for v in verdicts]]
    stable_range = (f"only σ from {stable.min():.2g} to {stable.max():.2g} keeps it within a "
                    f"factor {VERDICT_FACTOR:g}" if stable.size else
                    f"no swept σ keeps it within a factor {VERDICT_FACTOR:g}")
    return describe(fig, (
        f"Two log-scale panels on a vanilla RNN (H = {hidden_size}, T = {T}, loss on the last "
        f"step). Left, the gradient norms ‖∂L/∂h_t‖ through time, one line per σ_max(W_hh) "
        f"with its bound σ^(T−t) dashed: "
        + " ".join(_gradient_summary(s, e, T, "last")
                   for s, e in zip(scales, experiments, strict=True))
        + f" Right, the ratio ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ for σ from {sweep[0]:g} to {sweep[-1]:g} "
          f"with its bound σ^(T−1): it runs from {ratios[0]:.2g} to {ratios[-1]:.2g}; "
        + stable_range + "."))


def hidden_state_figure(h, x=None, y=None, target=None, sequence: int = 0) -> Figure:
    """The hidden state over time as a heat map, with the sequence's input and output above.

    Parameters
    ----------
    h : array_like, shape (T, H) or (N, T, H)
        Hidden states (from `c182lib.rnn.rnn_forward`); with a batch, ``sequence`` picks one.
    x, y, target : array_like, shape (T,) / (T, 1) / (N, T, 1), optional
        One-dimensional input, output and target of the same sequence, drawn as lines with
        markers above the heat map (each optional).
    sequence : int
        Which sequence of a batch is drawn.

    Returns
    -------
    Figure
        Heat map (image gid ``"hidden"``, shape (H, T): unit i at step t is ``h[t, i]``, colours
        from -1 to 1, the range of tanh); the value is printed in each cell when there are at
        most 200. Lines ``"input"``, ``"output"``, ``"target"`` in the axes above.
    """
    h = np.asarray(h, dtype=float)
    if h.ndim == 3:
        sequence = as_int("sequence", sequence, 0)
        if sequence >= h.shape[0]:
            raise ValueError(f"sequence must be < N = {h.shape[0]}; got {sequence}")
        h = h[sequence]
    if h.ndim != 2 or h.size == 0:
        raise ValueError(f"h must have shape (T, H) or (N, T, H); got shape {h.shape}")
    T, H = h.shape

    def series(name, given):
        values = np.asarray(given, dtype=float)
        if values.ndim == 3:
            values = values[sequence]
        if values.ndim == 0 or values.size != T or values.shape[0] != T:
            raise ValueError(f"{name} must hold one number per step, T = {T} of them; got "
                             f"shape {np.shape(given)}")
        return values.reshape(T)

    lines = {role: series(name, v) for role, name, v in (("input", "x", x),
                                                         ("output", "y", y),
                                                         ("target", "target", target))
             if v is not None}
    fig = new_figure(min(9.5, max(6.0, 1.8 + 0.5 * T)),
                     (1.8 if lines else 0.0) + min(6.0, 1.2 + 0.28 * H))
    if lines:
        ax_seq, ax = fig.subplots(2, 1, sharex=True,
                                  height_ratios=(1.8, min(6.0, 1.2 + 0.28 * H)))
    else:
        ax = fig.add_subplot()
    image = ax.imshow(h.T, cmap=DIVERGING_CMAP, vmin=-1, vmax=1, aspect="auto",
                      interpolation="nearest", extent=(0.5, T + 0.5, H - 0.5, -0.5),
                      gid="hidden")
    if h.size <= 200:
        cmap = image.get_cmap()
        for t in range(T):
            for i in range(H):
                value = h[t, i]
                cell_label(ax, t + 1, i, f"{value:.1f}".replace("-0.0", "0.0"), ha="center",
                           va="center", fontsize=6.5,
                           color=_readable_on(cmap(image.norm(value))))
    ax.set_xlabel("time step t")
    ax.set_ylabel("hidden unit")
    ax.set_yticks(range(0, H, max(1, H // 8)))
    ax.set_xticks(range(1, T + 1, max(1, T // 12)))
    fig.colorbar(image, ax=ax, label="hₜ (tanh: −1 to 1)", shrink=0.9)
    if lines:
        styles = {"input": ("o", "-", BLUE), "output": ("s", "-", VERMILION),
                  "target": ("x", "--", BLACK)}
        for name, values in lines.items():
            marker, style, color = styles[name]
            ax_seq.plot(np.arange(1, T + 1), values, marker=marker, linestyle=style,
                        color=color, label=name, gid=name)
        ax_seq.axhline(0, color="#BBBBBB", linewidth=0.8, zorder=0)
        ax_seq.legend(fontsize=8, loc="upper left", ncols=len(lines))
        ax_seq.set_ylabel("value")
        ax_seq.grid(True, alpha=0.3)
    fig.suptitle(f"Hidden state over time: {H} units × {T} steps", fontsize=10)

    saturated = np.count_nonzero(np.abs(h) > 0.9)
    text = (f"Heat map of the hidden state h_t of {H} units over {T} steps (rows: units, "
            f"columns: steps; colour from −1, blue, to 1, red, values printed in the cells"
            f"{'' if h.size <= 200 else ' omitted: too many'}). Values range from "
            f"{h.min():.2f} to {h.max():.2f}; {saturated} of {h.size} entries have |h| > 0.9 "
            f"(tanh near saturation); mean |h| per step from {np.abs(h).mean(axis=1).min():.2f}"
            f" to {np.abs(h).mean(axis=1).max():.2f}.")
    if lines:
        text += " Above, one line per series over the steps: " + "; ".join(
            f"{name} " + ", ".join(f"{v:.2f}" for v in values[:12])
            + (" …" if T > 12 else "") for name, values in lines.items()) + "."
    return describe(fig, text)


def training_loss_figure(losses, baseline: float | None = None,
                         label: str = "validation loss",
                         baseline_label: str = "always answering 0") -> Figure:
    """The loss of a training run against the step, log scale.

    Parameters
    ----------
    losses : mapping step -> loss, or sequence of losses (steps 0, 1, 2, ...)
        The recorded losses (> 0).
    baseline : float, optional
        A reference loss drawn as a dashed horizontal line (e.g. a model that always answers 0).
    label, baseline_label : str
        Legend names of the curve and of the baseline.

    Returns
    -------
    Figure
        Line ``"loss"`` (markers at the recorded steps) and, with ``baseline``, ``"baseline"``.
    """
    if isinstance(losses, dict):
        steps = np.array([as_int("losses step", s, 0) for s in losses], dtype=int)
        values = np.array(list(losses.values()), dtype=float)
    else:
        values = np.asarray(losses, dtype=float).ravel()
        steps = np.arange(values.size)
    if values.size == 0 or not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise ValueError(f"losses must be finite numbers > 0 (a log scale); got {values!r}")
    order = np.argsort(steps)
    steps, values = steps[order], values[order]

    fig = new_figure(6.5, 3.8)
    ax = fig.add_subplot()
    ax.plot(steps, values, color=BLUE, marker="o", markeredgecolor=BLACK, linewidth=1.8,
            label=label, gid="loss")
    for step, value in zip(steps, values, strict=True):
        ax.annotate(f"{value:.3g}", (step, value), xytext=(0, 6), textcoords="offset points",
                    ha="center", fontsize=7.5)
    if baseline is not None:
        baseline = as_positive_float("baseline", baseline)
        ax.axhline(baseline, color=VERMILION, linestyle="--", linewidth=1.5,
                   label=f"{baseline_label} ({baseline:.3g})", gid="baseline")
    ax.set_yscale("log")
    ax.set_xlabel("training step")
    ax.set_ylabel(f"{label} (log scale)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(f"Training: {label} from {values[0]:.3g} to {values[-1]:.3g} "
                 f"in {steps[-1] - steps[0]} steps", fontsize=10)
    text = (f"Log-scale line plot of the {label} over {steps[-1] - steps[0]} training steps, "
            f"recorded at steps {', '.join(str(s) for s in steps[:12])}"
            f"{' …' if steps.size > 12 else ''}: "
            + ", ".join(f"{v:.3g}" for v in values[:12]) + (" …" if values.size > 12 else "")
            + f"; from {values[0]:.3g} to {values[-1]:.3g}, {values[0] / values[-1]:.3g} times "
              f"lower.")
    if baseline is not None:
        text += f" Dashed: {baseline_label}, {baseline:.3g}."
    return describe(fig, text)


def gradient_check_figure(errors, tolerance: float = 1e-7) -> Figure:
    """Relative error of each gradient in a gradient check, log scale, with the tolerance.

    Parameters
    ----------
    errors : mapping name -> relative error
        E.g. ``{"x": 2e-10, "W_hh": 5e-11}`` from `c182lib.gradcheck.rel_error`.
    tolerance : float
        Errors below it pass (the horizontal dashed line).

    Returns
    -------
    Figure
        Bars with gid ``"pass"`` (solid) or ``"fail"`` (hatched, labelled FAIL); the line
        ``"tolerance"``. The text alternative names what passes and fails but gives no digits
        of the errors themselves (they vary between machines at the level of rounding).
    """
    if not isinstance(errors, dict) or not errors:
        raise TypeError(f"errors must be a non-empty dict name -> relative error; got "
                        f"{errors!r}")
    names = [str(name) for name in errors]
    values = np.array([float(v) for v in errors.values()])
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(f"errors must be finite numbers >= 0; got {dict(errors)!r}")
    tolerance = as_positive_float("tolerance", tolerance)
    floor = 1e-17  # an exact match (error 0) is drawn at the bottom of a log axis
    shown = np.maximum(values, floor)
    passed = values < tolerance

    fig = new_figure(max(5.0, 1.6 + 0.8 * len(names)), 3.8)
    ax = fig.add_subplot()
    positions = np.arange(len(names))
    for pos, value, ok in zip(positions, shown, passed, strict=True):
        ax.bar(pos, value, width=0.6, color=GREEN if ok else VERMILION, edgecolor=BLACK,
               hatch=None if ok else "xx", gid="pass" if ok else "fail", bottom=floor)
        ax.annotate("pass" if ok else "FAIL", (pos, value), xytext=(0, 3),
                    textcoords="offset points", ha="center", va="bottom", fontsize=8,
                    fontweight="normal" if ok else "bold")
    ax.axhline(tolerance, color=BLACK, linestyle="--", linewidth=1.3, gid="tolerance")
    ax.text(-0.45, tolerance, f"tolerance {tolerance:g}", ha="left", va="bottom", fontsize=8,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    _log_y_axis(ax)
    ax.set_ylim(max(floor, min(shown.min(), tolerance) / 100),
                max(shown.max(), tolerance) * 1000)
    ax.set_xticks(positions, [f"d{name}" for name in names])
    ax.set_ylabel("relative error (log scale)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(handles=[Patch(facecolor=GREEN, edgecolor=BLACK, label="below tolerance: pass"),
                       Patch(facecolor=VERMILION, edgecolor=BLACK, hatch="xx",
                             label="above: FAIL")], fontsize=8, loc="upper left")
    failed = [f"d{n}" for n, ok in zip(names, passed, strict=True) if not ok]
    verdict = ("all below it" if not failed else f"{len(failed)} above it: {', '.join(failed)}")
    ax.set_title(f"Gradient check: relative error per gradient, tolerance {tolerance:g}",
                 fontsize=10)
    return describe(fig, (
        f"Bar chart, log scale, of the relative error between the analytic and the numerical "
        f"gradient for {len(names)} gradients ({', '.join(f'd{n}' for n in names)}), with the "
        f"tolerance {tolerance:g} as a dashed line: {verdict}."))


def _readable_on(face) -> str:
    """Black or white text, whichever has the higher WCAG contrast on ``face``."""
    return "black" if contrast_ratio("black", face) >= contrast_ratio("white", face) else "white"
