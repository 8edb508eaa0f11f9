"""Self-checks for the BatchNorm notebook (08).

- `check_spatial_batchnorm_backward`: ``my_spatial_batchnorm_backward(dout, x, gamma,
  eps=1e-5)``, the gradients ``(dx, dgamma, dbeta)`` of spatial (per-channel) BatchNorm in
  training mode (Problem 1(g)).

The check prints ``PASS``, ``FAIL`` (the case, then which of dx, dgamma, dbeta differs and
where) or ``TODO`` (the stub still raises ``NotImplementedError``) and returns a bool; it never
raises on a student's answer. Every case uses a RANDOM upstream gradient: with ``dout`` constant
per channel the correct ``dx`` is exactly 0, and so is the ``dx`` of several wrong
implementations (see the notebook), so such a check could not tell them apart. After a
``FAIL``, a ``hint:`` line names the mistake when the student's result is exactly what it
produces (reshaping without moving the channels last, a missing path through the mean or the
variance, gamma forgotten, eps outside the square root or not passed on, the unbiased variance,
...). The reference is `c182lib.batchnorm.spatial_batchnorm_backward`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from c182lib.batchnorm import (
    batchnorm_backward,
    batchnorm_forward,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
)
from c182lib.checks._core import SEED, Case, Suspect, check_function, shape_of

__all__ = ["check_spatial_batchnorm_backward"]

_LABELS = ("dx", "dgamma", "dbeta")
_CHANNEL_AXES = (0, 2, 3)  # N, H, W: every value of one channel


def _reference(dout, x, gamma, eps=1e-5):
    _, cache = spatial_batchnorm_forward(x, gamma, np.zeros_like(gamma), eps)
    return spatial_batchnorm_backward(dout, cache)


def _cases() -> list[Case]:
    rng = np.random.default_rng(SEED)

    def case(description, shape, gamma=None, eps=1e-5, means=None, stds=None):
        _, c, _, _ = shape
        means = rng.uniform(-3, 3, c) if means is None else np.asarray(means, dtype=float)
        stds = rng.uniform(0.5, 3, c) if stds is None else np.asarray(stds, dtype=float)
        x = rng.normal(size=shape) * stds[:, None, None] + means[:, None, None]
        gamma = rng.uniform(0.5, 2, c) if gamma is None else np.asarray(gamma, dtype=float)
        dout = rng.normal(size=shape)
        return Case(f"{description}, random dout", (dout, x, gamma), {"eps": eps})

    cases = [
        case("(N, C, H, W) = (2, 3, 4, 5): statistics per channel over N, H and W",
             (2, 3, 4, 5)),
        case("a batch of ONE image (1, 2, 3, 4): the statistics still span every position",
             (1, 2, 3, 4)),
        case("H = W = 1 (6, 4, 1, 1): ordinary BatchNorm of an (N, C) batch", (6, 4, 1, 1)),
        case("one channel (3, 1, 4, 4)", (3, 1, 4, 4)),
        case("gamma with negative and zero entries (2, 4, 3, 3)", (2, 4, 3, 3),
             gamma=[1.5, -2.0, 0.0, 0.7]),
        case("channels with very different means and spreads (4, 3, 2, 3)", (4, 3, 2, 3),
             means=[10.0, -5.0, 0.0], stds=[0.1, 5.0, 1.0]),
        case("eps = 0.5, not the default 1e-5 (3, 2, 2, 2)", (3, 2, 2, 2), eps=0.5),
    ]
    for _ in range(3):
        shape = (int(rng.integers(1, 4)), int(rng.integers(1, 5)), int(rng.integers(2, 5)),
                 int(rng.integers(2, 5)))  # at least 4 values per channel
        cases.append(case(f"random: shape {shape}", shape))
    return cases


# --------------------------------------------------------------------------------------------
# Hints: what classic mistakes would return
# --------------------------------------------------------------------------------------------

def _normalised(x, eps, eps_outside_sqrt=False):
    """``(x_hat, inv_std)`` per channel, each broadcastable against (N, C, H, W).

    ``inv_std = 1 / sqrt(var + eps)``, or ``1 / (sqrt(var) + eps)`` with ``eps_outside_sqrt``.
    """
    mean = x.mean(axis=_CHANNEL_AXES, keepdims=True)
    var = x.var(axis=_CHANNEL_AXES, keepdims=True)
    inv_std = 1.0 / (np.sqrt(var) + eps if eps_outside_sqrt else np.sqrt(var + eps))
    return (x - mean) * inv_std, inv_std


def _dx(dout, x, gamma, eps, mean_path=True, variance_path=True, use_gamma=True,
        eps_outside_sqrt=False):
    """dx of spatial BatchNorm from the compact formula, with paths optionally left out."""
    x_hat, inv_std = _normalised(x, eps, eps_outside_sqrt)
    dx_hat = dout * (gamma.reshape(1, -1, 1, 1) if use_gamma else 1.0)
    dx = dx_hat.copy()
    if mean_path:
        dx -= dx_hat.mean(axis=_CHANNEL_AXES, keepdims=True)
    if variance_path:
        dx -= x_hat * (dx_hat * x_hat).mean(axis=_CHANNEL_AXES, keepdims=True)
    return dx * inv_std


def _unbiased(dout, x, gamma, eps, derived=False):
    """``(dx, None, None)`` with the unbiased variance (``ddof=1``) in x_hat, or None with one
    value per channel.

    dx is the compact formula with that x_hat or (``derived``) the gradient of BatchNorm with
    the unbiased variance, whose variance path is divided by m - 1 instead of m.
    """
    m = x.size // x.shape[1]
    if m == 1:
        return None
    mean = x.mean(axis=_CHANNEL_AXES, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=_CHANNEL_AXES, ddof=1, keepdims=True) + eps)
    x_hat = (x - mean) * inv_std
    dx_hat = dout * gamma.reshape(1, -1, 1, 1)
    variance_term = (dx_hat * x_hat).sum(axis=_CHANNEL_AXES, keepdims=True) / (
        m - 1 if derived else m)
    return inv_std * (dx_hat - dx_hat.mean(axis=_CHANNEL_AXES, keepdims=True)
                      - x_hat * variance_term), None, None


def _default_eps(dout, x, gamma, eps):
    """The right gradients, but with the default eps = 1e-5 instead of the one given."""
    return None if eps == 1e-5 else _reference(dout, x, gamma)


def _dx_not_transposed_back(dout, x, gamma, eps):
    """dx right in the (N*H*W, C) layout, then reshaped straight to (N, C, H, W)."""
    n, c, h, w = x.shape
    if c == 1 or h * w == 1:  # then the transpose changes nothing
        return None
    dx = _reference(dout, x, gamma, eps)[0]
    return dx.transpose(0, 2, 3, 1).reshape(x.shape), None, None


def _no_transpose(dout, x, gamma, eps):
    """Everything through ``reshape(-1, C)`` straight from NCHW: columns mix channels."""
    c = x.shape[1]
    _, cache = batchnorm_forward(x.reshape(-1, c), gamma, np.zeros(c), eps)
    dx, dgamma, dbeta = batchnorm_backward(dout.reshape(-1, c), cache)
    return dx.reshape(x.shape), dgamma, dbeta


def _per_position(dout, x, gamma, eps):
    """Ordinary BatchNorm on (N, C*H*W): statistics per position, over the batch only."""
    n, c, h, w = x.shape
    _, cache = batchnorm_forward(x.reshape(n, -1), np.repeat(gamma, h * w), np.zeros(c * h * w),
                                 eps)
    dx, _, _ = batchnorm_backward(dout.reshape(n, -1), cache)
    return dx.reshape(x.shape), None, None


_UNBIASED_HINT = ("BatchNorm uses the biased variance, the mean of the squared deviations "
                  "(divide by N*H*W, np.var's default ddof=0), not the unbiased ddof=1.")


def _suspects() -> list[Suspect]:
    """The classic mistakes; each computes ``(dx, dgamma, dbeta)``, None where it says nothing."""
    def dx_only(**options):
        return lambda dout, x, gamma, eps: (_dx(dout, x, gamma, eps, **options), None, None)

    def dgamma_from_x(dout, x, gamma, eps):
        return None, (dout * x).sum(axis=_CHANNEL_AXES), None

    def swapped(dout, x, gamma, eps):
        x_hat, _ = _normalised(x, eps)
        return None, dout.sum(axis=_CHANNEL_AXES), (dout * x_hat).sum(axis=_CHANNEL_AXES)

    mistakes = [
        ("x.reshape(-1, C) straight from (N, C, H, W) puts values of DIFFERENT channels in one "
         "column (memory order is N, C, H, W). Move the channels last first: "
         "x.transpose(0, 2, 3, 1).reshape(-1, C), the same for dout, and undo both for dx.",
         _no_transpose),
        ("these are per-position statistics (ordinary BatchNorm on (N, C*H*W)). In a CNN each "
         "channel's statistics are taken over N, H AND W: reshape to (N*H*W, C).",
         _per_position),
        ("dx holds only the direct path gamma * dout / sqrt(var + eps). Every x also moves its "
         "channel's mean and variance: subtract mean(dx_hat) and x_hat * mean(dx_hat * x_hat), "
         "means over N, H, W.", dx_only(mean_path=False, variance_path=False)),
        ("dx misses the path through the variance: besides mean(dx_hat), subtract "
         "x_hat * mean(dx_hat * x_hat) (means over N, H, W). A constant dout cannot show this "
         "term: it is 0 then.", dx_only(variance_path=False)),
        ("dx misses the path through the mean: subtract mean(dx_hat) over N, H, W as well.",
         dx_only(mean_path=False)),
        ("gamma is missing in dx: the gradient reaching x_hat is dx_hat = gamma * dout.",
         dx_only(use_gamma=False)),
        ("eps goes INSIDE the square root: x_hat = (x - mean) / sqrt(var + eps).",
         dx_only(eps_outside_sqrt=True)),
        ("the eps you were given was not used: pass it on, batchnorm_forward(x_2d, gamma, beta, "
         "eps); without it the default 1e-5 is used.", _default_eps),
        ("dx is right but in the wrong order: its rows are the (N, H, W) positions, so "
         "reshape it to (N, H, W, C) and then transpose(0, 3, 1, 2). A plain reshape to "
         "(N, C, H, W) mixes up the channels.", _dx_not_transposed_back),
        (_UNBIASED_HINT, _unbiased),
        (_UNBIASED_HINT, lambda *args: _unbiased(*args, derived=True)),
        ("dgamma = sum of dout * x_hat (the NORMALISED input) over N, H, W, not dout * x.",
         dgamma_from_x),
        ("dgamma and dbeta are swapped: dbeta = sum(dout), dgamma = sum(dout * x_hat), over "
         "N, H, W.", swapped),
    ]
    return [(hint, _on_case(wrong)) for hint, wrong in mistakes]


def _on_case(mistake: Callable) -> Callable[[Case], object]:
    """``mistake(dout, x, gamma, eps)`` as a function of the case."""
    return lambda case: mistake(*case.args, case.kwargs["eps"])


def _structure_hint(case: Case, got) -> str | None:
    dout, x, gamma = case.args
    if not isinstance(got, (tuple, list)) or len(got) != len(_LABELS):
        return "return the tuple (dx, dgamma, dbeta)."
    dx, dgamma, dbeta = got
    if shape_of(dx) != x.shape:
        return f"dx has the shape of x, (N, C, H, W) = {x.shape}."
    if shape_of(dgamma) != gamma.shape or shape_of(dbeta) != gamma.shape:
        return (f"dgamma and dbeta hold one number per channel, shape (C,) = {gamma.shape}: "
                "sum over N, H and W (axes 0, 2, 3).")
    return None


def check_spatial_batchnorm_backward(student: Callable) -> bool:
    """Check ``student(dout, x, gamma, eps=1e-5)`` against `spatial_batchnorm_backward`.

    Cases, each with a random upstream gradient: an (N, C, H, W) batch with H != W, a batch of
    one image, H = W = 1 (ordinary BatchNorm), one channel, gamma with negative and zero
    entries, channels with very different means and spreads, a large eps, and seeded random
    shapes. A failure names which of dx, dgamma, dbeta differs and where.

    Parameters
    ----------
    student : callable
        ``student(dout, x, gamma, eps=...)`` with ``dout`` and ``x`` of shape (N, C, H, W) and
        ``gamma`` of shape (C,), returning ``(dx, dgamma, dbeta)`` for training mode.

    Returns
    -------
    bool
        True when every case matches (``PASS`` printed).
    """
    return check_function("my_spatial_batchnorm_backward", student, _reference, _cases(),
                          labels=_LABELS, suspects=_suspects(), fallback=_structure_hint)
