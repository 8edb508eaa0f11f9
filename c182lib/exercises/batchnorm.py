"""The exercises of the BatchNorm notebook (08).

- ``08-spatial-batchnorm-backward``: ``my_spatial_batchnorm_backward(dout, x, gamma,
  eps=1e-5)``, the gradients ``(dx, dgamma, dbeta)`` of spatial (per-channel) BatchNorm in
  training mode (Problem 1(g)).
- ``08-backward-in-words``: the written answer, how the backward pass reuses the fully
  connected one; ``08-derive-dx``: the optional derivation of dx (no points).

Every case uses a RANDOM upstream gradient: with ``dout`` constant per channel the correct
``dx`` is exactly 0, and so is the ``dx`` of several wrong implementations (see the notebook).
The reference is `c182lib.batchnorm.spatial_batchnorm_backward`.
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
from c182lib.exercises._engine import Case, Exercise, Mistake, Outcome

SEED = 182  # the seeded random cases start from it
LABELS = ("dx", "dgamma", "dbeta")
CHANNEL_AXES = (0, 2, 3)  # N, H, W: every value of one channel


def spatial_batchnorm_backward_reference(dout, x, gamma, eps=1e-5):
    """``(dx, dgamma, dbeta)`` of spatial BatchNorm in training mode.

    ``dout`` and ``x`` are (N, C, H, W), ``gamma`` is (C,); dx has the shape of x, dgamma and
    dbeta are (C,). (beta does not change any gradient: it is 0 here.)
    """
    _, cache = spatial_batchnorm_forward(x, gamma, np.zeros_like(gamma), eps)
    return spatial_batchnorm_backward(dout, cache)


def batchnorm_case(case_id: str, description: str, shape: tuple[int, int, int, int],
                   rng: np.random.Generator, gamma=None, eps: float = 1e-5, means=None,
                   stds=None) -> Case:
    """A case of ``my_spatial_batchnorm_backward(dout, x, gamma, eps=eps)``.

    ``x`` of ``shape`` (N, C, H, W) has per-channel ``means`` and ``stds`` (random by
    default), ``gamma`` is random in [0.5, 2) unless given, and ``dout`` is random normal.
    """
    c = shape[1]
    means = rng.uniform(-3, 3, c) if means is None else np.asarray(means, dtype=float)
    stds = rng.uniform(0.5, 3, c) if stds is None else np.asarray(stds, dtype=float)
    x = rng.normal(size=shape) * stds[:, None, None] + means[:, None, None]
    gamma = rng.uniform(0.5, 2, c) if gamma is None else np.asarray(gamma, dtype=float)
    dout = rng.normal(size=shape)
    return Case(case_id, f"{description}, random dout", (dout, x, gamma), {"eps": eps})


def random_batchnorm_shape(rng: np.random.Generator, max_n: int = 3,
                           max_side: int = 4) -> tuple[int, int, int, int]:
    """A random (N, C, H, W) with at least 4 values per channel."""
    return (int(rng.integers(1, max_n + 1)), int(rng.integers(1, 5)),
            int(rng.integers(2, max_side + 1)), int(rng.integers(2, max_side + 1)))


def _cases() -> list[Case]:
    rng = np.random.default_rng(SEED)
    case = batchnorm_case
    cases = [
        case("nchw", "(N, C, H, W) = (2, 3, 4, 5): statistics per channel over N, H and W",
             (2, 3, 4, 5), rng),
        case("batch1", "a batch of ONE image (1, 2, 3, 4): the statistics still span every "
             "position", (1, 2, 3, 4), rng),
        case("hw1", "H = W = 1 (6, 4, 1, 1): ordinary BatchNorm of an (N, C) batch",
             (6, 4, 1, 1), rng),
        case("one-channel", "one channel (3, 1, 4, 4)", (3, 1, 4, 4), rng),
        case("gamma-signs", "gamma with negative and zero entries (2, 4, 3, 3)", (2, 4, 3, 3),
             rng, gamma=[1.5, -2.0, 0.0, 0.7]),
        case("spreads", "channels with very different means and spreads (4, 3, 2, 3)",
             (4, 3, 2, 3), rng, means=[10.0, -5.0, 0.0], stds=[0.1, 5.0, 1.0]),
        case("eps", "eps = 0.5, not the default 1e-5 (3, 2, 2, 2)", (3, 2, 2, 2), rng,
             eps=0.5),
    ]
    for i in range(3):
        shape = random_batchnorm_shape(rng)
        cases.append(case(f"random-{i + 1}", f"random: shape {shape}", shape, rng))
    return cases


# --------------------------------------------------------------------------------------------
# What classic mistakes return: (dx, dgamma, dbeta), None where a mistake says nothing


def _normalised(x, eps, eps_outside_sqrt=False):
    """``(x_hat, inv_std)`` per channel, each broadcastable against (N, C, H, W).

    ``inv_std = 1 / sqrt(var + eps)``, or ``1 / (sqrt(var) + eps)`` with ``eps_outside_sqrt``.
    """
    mean = x.mean(axis=CHANNEL_AXES, keepdims=True)
    var = x.var(axis=CHANNEL_AXES, keepdims=True)
    inv_std = 1.0 / (np.sqrt(var) + eps if eps_outside_sqrt else np.sqrt(var + eps))
    return (x - mean) * inv_std, inv_std


def _dx(dout, x, gamma, eps, mean_path=True, variance_path=True, use_gamma=True,
        eps_outside_sqrt=False):
    """dx of spatial BatchNorm from the compact formula, with paths optionally left out."""
    x_hat, inv_std = _normalised(x, eps, eps_outside_sqrt)
    dx_hat = dout * (gamma.reshape(1, -1, 1, 1) if use_gamma else 1.0)
    dx = dx_hat.copy()
    if mean_path:
        dx -= dx_hat.mean(axis=CHANNEL_AXES, keepdims=True)
    if variance_path:
        dx -= x_hat * (dx_hat * x_hat).mean(axis=CHANNEL_AXES, keepdims=True)
    return dx * inv_std


def _dx_only(**options) -> Callable:
    return lambda dout, x, gamma, eps: (_dx(dout, x, gamma, eps, **options), None, None)


def _unbiased(dout, x, gamma, eps, derived=False):
    """``(dx, None, None)`` with the unbiased variance (``ddof=1``) in x_hat, or None with one
    value per channel.

    dx is the compact formula with that x_hat or (``derived``) the gradient of BatchNorm with
    the unbiased variance, whose variance path is divided by m - 1 instead of m.
    """
    m = x.size // x.shape[1]
    if m == 1:
        return None
    mean = x.mean(axis=CHANNEL_AXES, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=CHANNEL_AXES, ddof=1, keepdims=True) + eps)
    x_hat = (x - mean) * inv_std
    dx_hat = dout * gamma.reshape(1, -1, 1, 1)
    variance_term = (dx_hat * x_hat).sum(axis=CHANNEL_AXES, keepdims=True) / (
        m - 1 if derived else m)
    return inv_std * (dx_hat - dx_hat.mean(axis=CHANNEL_AXES, keepdims=True)
                      - x_hat * variance_term), None, None


def _default_eps(dout, x, gamma, eps):
    """The right gradients, but with the default eps = 1e-5 instead of the one given."""
    return None if eps == 1e-5 else spatial_batchnorm_backward_reference(dout, x, gamma)


def _dx_not_transposed_back(dout, x, gamma, eps):
    """dx right in the (N*H*W, C) layout, then reshaped straight to (N, C, H, W)."""
    _, c, h, w = x.shape
    if c == 1 or h * w == 1:  # then the transpose changes nothing
        return None
    dx = spatial_batchnorm_backward_reference(dout, x, gamma, eps)[0]
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


def _dgamma_from_x(dout, x, gamma, eps):
    return None, (dout * x).sum(axis=CHANNEL_AXES), None


def _dgamma_dbeta_swapped(dout, x, gamma, eps):
    x_hat, _ = _normalised(x, eps)
    return None, dout.sum(axis=CHANNEL_AXES), (dout * x_hat).sum(axis=CHANNEL_AXES)


def _on_case(mistake: Callable) -> Callable[[Case], object]:
    """``mistake(dout, x, gamma, eps)`` as a function of the case."""
    return lambda case: mistake(*case.args, case.kwargs["eps"])


def _not_three_gradients(case: Case, outcome: Outcome) -> bool:
    return outcome.status == "returned" and not (
        isinstance(outcome.value, (tuple, list)) and len(outcome.value) == len(LABELS))


def _dx_shape_wrong(case: Case, outcome: Outcome) -> bool:
    return (outcome.status == "returned" and not _not_three_gradients(case, outcome)
            and np.shape(outcome.value[0]) != case.args[1].shape)


def _per_channel_shape_wrong(case: Case, outcome: Outcome) -> bool:
    if outcome.status != "returned" or _not_three_gradients(case, outcome):
        return False
    _, dgamma, dbeta = outcome.value
    gamma = case.args[2]
    return np.shape(dgamma) != gamma.shape or np.shape(dbeta) != gamma.shape


_UNBIASED_HINTS = (
    "the variance in your normalisation is not the one BatchNorm uses.",
    "BatchNorm uses the biased variance, the mean of the squared deviations (divide by N*H*W, "
    "np.var's default ddof=0), not the unbiased ddof=1.")


def _spatial_solution(dout, x, gamma, eps=1e-5):
    """The notebook's way: channels last, one row per (image, position), fully connected
    BatchNorm's backward, and back."""
    n, c, h, w = x.shape
    _, cache = batchnorm_forward(x.transpose(0, 2, 3, 1).reshape(-1, c), gamma, np.zeros(c), eps)
    dx_rows, dgamma, dbeta = batchnorm_backward(dout.transpose(0, 2, 3, 1).reshape(-1, c), cache)
    return dx_rows.reshape(n, h, w, c).transpose(0, 3, 1, 2), dgamma, dbeta


SPATIAL_BATCHNORM_BACKWARD = Exercise(
    id="08-spatial-batchnorm-backward", title="my_spatial_batchnorm_backward", kind="function",
    answer_name="my_spatial_batchnorm_backward", points=4,
    reference=spatial_batchnorm_backward_reference, cases=_cases, labels=LABELS,
    arg_names=("dout", "x", "gamma"), forbidden=("spatial_batchnorm_backward",),
    solution=_spatial_solution,
    mistakes=(
        Mistake("not the three gradients", (
            "the function returns something other than the three gradients.",
            "return the tuple (dx, dgamma, dbeta)."), fits=_not_three_gradients),
        Mistake("dx shape", (
            "dx does not have the shape of the input.",
            "dx has the shape of x, (N, C, H, W): undo the reshape and the transpose."),
            fits=_dx_shape_wrong),
        Mistake("per-channel shape", (
            "dgamma or dbeta does not hold one number per channel.",
            "dgamma and dbeta hold one number per channel, shape (C,): sum over N, H and W "
            "(axes 0, 2, 3)."), fits=_per_channel_shape_wrong),
        Mistake("reshaped without transpose", (
            "dx mixes up the channels: values of different channels were normalised together.",
            "x.reshape(-1, C) straight from (N, C, H, W) puts values of DIFFERENT channels in "
            "one column (memory order is N, C, H, W). Move the channels last first: "
            "x.transpose(0, 2, 3, 1).reshape(-1, C), the same for dout, and undo both for dx."),
            wrong=_on_case(_no_transpose)),
        Mistake("per-position statistics", (
            "the statistics were taken over the wrong set of values.",
            "these are per-position statistics (ordinary BatchNorm on (N, C*H*W)). In a CNN "
            "each channel's statistics are taken over N, H AND W: reshape to (N*H*W, C)."),
            wrong=_on_case(_per_position)),
        Mistake("direct path only", (
            "dx holds only the direct path: the paths through the channel's mean and variance "
            "are missing.",
            "dx holds only the direct path gamma * dout / sqrt(var + eps). Every x also moves "
            "its channel's mean and variance: subtract mean(dx_hat) and "
            "x_hat * mean(dx_hat * x_hat), means over N, H, W."),
            wrong=_on_case(_dx_only(mean_path=False, variance_path=False))),
        Mistake("no variance path", (
            "dx misses the path through the variance.",
            "besides mean(dx_hat), subtract x_hat * mean(dx_hat * x_hat) (means over N, H, W). "
            "A constant dout cannot show this term: it is 0 then."),
            wrong=_on_case(_dx_only(variance_path=False))),
        Mistake("no mean path", (
            "dx misses the path through the mean.",
            "subtract mean(dx_hat) over N, H, W as well."),
            wrong=_on_case(_dx_only(mean_path=False))),
        Mistake("gamma missing", (
            "dx does not depend on gamma.",
            "gamma is missing in dx: the gradient reaching x_hat is dx_hat = gamma * dout."),
            wrong=_on_case(_dx_only(use_gamma=False))),
        Mistake("eps outside the square root", (
            "eps is in the wrong place in the normalisation.",
            "eps goes INSIDE the square root: x_hat = (x - mean) / sqrt(var + eps)."),
            wrong=_on_case(_dx_only(eps_outside_sqrt=True))),
        Mistake("eps not passed on", (
            "the eps you were given was not used.",
            "pass it on, batchnorm_forward(x_2d, gamma, beta, eps); without it the default "
            "1e-5 is used."), wrong=_on_case(_default_eps)),
        Mistake("dx not transposed back", (
            "dx has the right numbers in the wrong places: the layout was not restored.",
            "dx is right but in the wrong order: its rows are the (N, H, W) positions, so "
            "reshape it to (N, H, W, C) and then transpose(0, 3, 1, 2). A plain reshape to "
            "(N, C, H, W) mixes up the channels."), wrong=_on_case(_dx_not_transposed_back)),
        Mistake("unbiased variance", _UNBIASED_HINTS, wrong=_on_case(_unbiased)),
        Mistake("unbiased variance, derived", _UNBIASED_HINTS,
                wrong=_on_case(lambda *args: _unbiased(*args, derived=True))),
        Mistake("dgamma from x", (
            "dgamma uses the input as it was before the normalisation.",
            "dgamma = sum of dout * x_hat (the NORMALISED input) over N, H, W, not dout * x."),
            wrong=_on_case(_dgamma_from_x)),
        Mistake("dgamma and dbeta swapped", (
            "dgamma and dbeta are swapped.",
            "dbeta = sum(dout), dgamma = sum(dout * x_hat), over N, H, W: return them in the "
            "order (dx, dgamma, dbeta)."), wrong=_on_case(_dgamma_dbeta_swapped)),
    ),
)


BACKWARD_IN_WORDS = Exercise(
    id="08-backward-in-words", title="The backward pass in words", kind="written",
    answer_name="", points=1,
    question="Describe the backward pass of per-channel BatchNorm and how to build it from the "
             "fully connected one (the worksheet's question).")

DERIVE_DX = Exercise(
    id="08-derive-dx", title="Derive the formula for dx (optional)", kind="written",
    answer_name="", points=0,
    question="Optional: derive dx of one channel's BatchNorm, explain why a dout constant per "
             "channel gives dx = 0 and which wrong backward passes an all-ones test misses.")

EXERCISES = (BACKWARD_IN_WORDS, SPATIAL_BATCHNORM_BACKWARD, DERIVE_DX)
