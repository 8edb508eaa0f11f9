"""RNN gradient explorer: vary σ_max(W_hh), the sequence length and gradient clipping.

A thin shell over `c182lib.figures.rnn.gradient_norms_figure` (one scale at a time) and
`c182lib.rnn.gradient_experiment`, which takes every number from `c182lib.rnn`.
"""

from __future__ import annotations

from functools import lru_cache

from matplotlib.figure import Figure

from c182lib._validate import as_bool, as_int, as_positive_float
from c182lib.figures.rnn import gradient_norms_figure
from c182lib.rnn import GradientExperiment, clipped_norm, gradient_experiment
from c182lib.widgets import _base

HIDDEN_SIZE = 32
SIGMA_RANGE = (0.2, 2.0)
T_RANGE = (2, 200)
MAX_NORM_EXPONENTS = (-2, 3)  # the threshold slider runs from 10^-2 to 10^3
# ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ below 1/10 is called vanishing, above 10 exploding.
VERDICT_FACTOR = 10.0
MAX_SEED = 2**31 - 1  # the range of the explorer's seed box


@lru_cache(maxsize=4)
def _experiment(sigma_max: float, T: int, seed: int) -> GradientExperiment:
    """`gradient_experiment` at the explorer's hidden size, cached: the status line and the
    figure of one setting use the same result, computed once per change (its arrays are
    only read)."""
    return gradient_experiment(sigma_max, T, HIDDEN_SIZE, seed)


def _draw(sigma_max, T, clip, max_norm, seed) -> Figure:
    return gradient_norms_figure(scales=(sigma_max,), T=T, hidden_size=HIDDEN_SIZE,
                                 clip=max_norm if clip else None, seed=seed,
                                 experiments=(_experiment(sigma_max, T, seed),))


def gradient_verdict(ratio: float) -> str:
    """``"vanishing"``, ``"exploding"`` or ``"stable"`` for ``ratio = ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖``.

    Vanishing below ``1 / VERDICT_FACTOR``, exploding above ``VERDICT_FACTOR``.
    """
    if ratio < 1 / VERDICT_FACTOR:
        return "vanishing"
    if ratio > VERDICT_FACTOR:
        return "exploding"
    return "stable"


def describe_gradients(sigma_max, T, clip, max_norm, seed) -> str:
    """Status line: how much of the gradient at step T reaches step 1, and clipping's effect.

    Reports ``‖∂L/∂h_1‖ / ‖∂L/∂h_T‖`` with its per-step factor and its bound
    ``σ_max^(T−1)``, a verdict (`gradient_verdict`), and with clipping on the global norm of
    ``(dW_xh, dW_hh, db_h)`` before and after `c182lib.rnn.clip_grad_norm`.
    """
    experiment = _experiment(sigma_max, T, seed)
    ratio = experiment.norms[1] / experiment.norms[T]
    verdict = gradient_verdict(ratio)
    per_step = ratio ** (1 / (T - 1)) if T > 1 else 1.0
    text = (f"‖∂L/∂h<sub>1</sub>‖ / ‖∂L/∂h<sub>T</sub>‖ = {ratio:.2g} → <b>{verdict}</b> "
            f"(≈ {per_step:.3f} per step; bound σ<sub>max</sub><sup>T−1</sup> = "
            f"{sigma_max:g}<sup>{T - 1}</sup> = {experiment.bound[1]:.2g}).")
    if clip:
        total, after = clipped_norm(experiment.grads, max_norm)
        text += (f" Global gradient norm {total:.3g} → {after:.3g} after clipping to "
                 f"max_norm = {max_norm:g}"
                 + (" (unchanged: already below)." if total <= max_norm else "."))
    return text


def rnn_gradient_explorer(sigma_max: float = 1.0, T: int = 50, clip: bool = False,
                          max_norm: float = 1.0, seed: int = 0):
    """Explorer of vanishing and exploding gradients in a vanilla RNN (H = 32).

    Parameters
    ----------
    sigma_max : float
        Initial ``σ_max(W_hh)``, within `SIGMA_RANGE`.
    T : int
        Initial sequence length, within `T_RANGE`.
    clip : bool
        Start with gradient clipping on.
    max_norm : float
        Initial clipping threshold, within ``10 ** MAX_NORM_EXPONENTS``.
    seed : int
        Seed of the sequence, the weights and the loss (see `gradient_experiment`).

    Returns
    -------
    Explorer or Figure
        The widget (controls ``sigma_max``, ``T``, ``clip``, ``max_norm``, ``seed``; the
        ``max_norm`` slider is disabled while ``clip`` is off), or the static figure for the
        initial values when ipywidgets is not installed.
    """
    values = {
        "sigma_max": as_positive_float("sigma_max", sigma_max),
        "T": as_int("T", T, minimum=T_RANGE[0]),
        "clip": as_bool("clip", clip),
        "max_norm": as_positive_float("max_norm", max_norm),
        "seed": as_int("seed", seed, minimum=0),
    }
    ranges = {"sigma_max": SIGMA_RANGE, "T": T_RANGE,
              "max_norm": tuple(10.0**e for e in MAX_NORM_EXPONENTS)}
    for name, (low, high) in ranges.items():
        if not low <= values[name] <= high:
            raise ValueError(f"{name} must be between {low:g} and {high:g} in the explorer; "
                             f"got {values[name]:g}")
    if values["seed"] > MAX_SEED:
        raise ValueError(f"seed must be at most {MAX_SEED} (the seed box's range); "
                         f"got {values['seed']}")
    title = "Vanishing and exploding gradients through time"
    widgets = _base.ipywidgets
    if widgets is None:
        return _draw(**values)
    controls = {
        "sigma_max": widgets.FloatSlider(
            value=values["sigma_max"], min=SIGMA_RANGE[0], max=SIGMA_RANGE[1], step=0.05,
            readout_format=".2f", description="σ_max(W_hh)",
            continuous_update=False),
        "T": _base.int_slider(values["T"], *T_RANGE, "length T"),
        "clip": widgets.Checkbox(value=values["clip"], description="clip gradients"),
        "max_norm": widgets.FloatLogSlider(
            value=values["max_norm"], base=10, min=MAX_NORM_EXPONENTS[0],
            max=MAX_NORM_EXPONENTS[1], step=0.1, readout_format=".3g",
            description="max_norm", continuous_update=False),
        "seed": _base.seed_control(values["seed"]),
    }
    max_norm_slider = controls["max_norm"]
    max_norm_slider.disabled = not values["clip"]

    def enable_max_norm(change) -> None:
        max_norm_slider.disabled = not change["new"]  # the threshold does nothing unclipped

    controls["clip"].observe(enable_max_norm, names="value")
    return _base.build_explorer(title, controls, _draw, describe_gradients)
