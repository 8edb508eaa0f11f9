"""Self-checks for the pooling notebooks (06-07).

One check per exercise:

- `check_pool_output_size`: ``my_pool_output_size(n, K, S, padding=0)`` (notebook 06).
- `check_pool_shape`: the written answers of Problem 1(e), output shapes of max-pooling
  layers and their parameter count (notebook 06).
- `check_maxpool_backward`: ``my_maxpool_backward(dout, x, K, S)`` on one (H, W) channel
  (notebook 07, Problem 1(f)).
- `check_avgpool_backward`: ``my_avgpool_backward(dout, x, K, S)`` (notebook 07).

Each prints ``PASS``, ``FAIL`` (the case, then what differs: shape, entries, relative error) or
``TODO`` (the stub still raises ``NotImplementedError``) and returns a bool; none raises on a
student's answer. After a ``FAIL``, a ``hint:`` line names the classic mistake when the student's
result on the failing case is exactly what that mistake produces (``=`` instead of ``+=`` with
overlapping windows, tied maxima all receiving the gradient, an average not divided by K*K,
rounding up instead of down, ...). References come from `c182lib.pool` and `c182lib.shapes`;
every upstream gradient is random, so a gradient routed to the wrong cell cannot go unnoticed.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from c182lib.checks._core import (
    SEED,
    Case,
    Part,
    Suspect,
    check_function,
    check_part,
    shape_of,
)
from c182lib.pool import (
    avgpool2d_backward,
    avgpool2d_forward,
    maxpool2d_backward,
    maxpool2d_forward,
)
from c182lib.shapes import pool_output_size

__all__ = ["POOL_SHAPE_PARTS", "check_avgpool_backward", "check_maxpool_backward",
           "check_pool_output_size", "check_pool_shape"]


# --------------------------------------------------------------------------------------------
# Output size (notebook 06)
# --------------------------------------------------------------------------------------------

def _output_size_cases() -> list[Case]:
    def case(description, n, k, s, padding=0):
        return Case(description, (n, k, s), {"padding": padding})

    cases = [
        case("the worksheet's Figure 1: n=4, K=2, S=2", 4, 2, 2),
        case("K=2, S=2 on n=224 (VGG)", 224, 2, 2),
        case("stride 2 does not tile n=7 (K=2): the last cell is dropped", 7, 2, 2),
        case("overlapping windows, K=3, S=2 on n=55 (AlexNet)", 55, 3, 2),
        case("K=3, S=1: every position (n=6)", 6, 3, 1),
        case("overlapping windows that do not tile: K=3, S=2 on n=8", 8, 3, 2),
        case("stride larger than the window: K=2, S=3 on n=10", 10, 2, 3),
        case("window as large as the input: one output (n=K=5)", 5, 5, 5),
        case("K=1, S=1: the identity (n=6)", 6, 1, 1),
        case("padding 1, K=3, S=2 on n=112 (ResNet's stem)", 112, 3, 2, 1),
        case("padding 2 keeps the size: K=5, S=1 on n=9", 9, 5, 1, 2),
        case("padding 1 that does not tile: K=2, S=2 on n=6", 6, 2, 2, 1),
    ]
    rng = np.random.default_rng(SEED)
    while len(cases) < 18:
        k = int(rng.integers(1, 6))
        n, s = int(rng.integers(k, 40)), int(rng.integers(1, 5))
        p = int(rng.integers(0, k // 2 + 1))
        cases.append(case(f"random: n={n}, K={k}, S={s}, padding {p}", n, k, s, p))
    return cases


def _output_size_suspects() -> list[Suspect]:
    def formula(rounding, pads=2, plus=1, window=True):
        def wrong(case):
            n, k, s = case.args
            p = case.kwargs["padding"]
            return rounding((n + pads * p - (k if window else 0)) / s) + plus
        return wrong

    def stride_ignored(case):
        n, k, s = case.args
        return None if s == 1 else n + 2 * case.kwargs["padding"] - k + 1

    def padding_ignored(case):
        return None if case.kwargs["padding"] == 0 else formula(math.floor, pads=0)(case)

    return [
        ("a window that would stick out past the edge is not used: round DOWN (floor, or "
         "integer division //), not up.", formula(math.ceil)),
        ("the output is a whole number of windows: use floor (//), not plain division.",
         formula(lambda v: v)),
        ("count the first window too: windows start at 0, S, 2S, ..., so there are "
         "floor((n + 2p - K) / S) + 1 of them.", formula(math.floor, plus=0)),
        ("n // S leaves out the window size; it only agrees when K = S. Windows start at "
         "0, S, 2S, ... as long as start + K <= n + 2p.", formula(math.floor, plus=0,
                                                                   window=False)),
        ("padding p adds p cells at EACH end: the padded length is n + 2p.",
         formula(math.floor, pads=1)),
        ("the padding is missing from your count: the window slides over the PADDED input, of "
         "length n + 2p.", padding_ignored),
        ("that is the stride-1 count n + 2p - K + 1: the window moves S cells at a time.",
         stride_ignored),
    ]


def check_pool_output_size(student: Callable) -> bool:
    """Check ``student(n, K, S, padding=0)`` against `c182lib.shapes.pool_output_size`.

    Cases: the worksheet's Figure 1, a stride that tiles and one that does not, overlapping
    windows (AlexNet's K=3, S=2), a stride larger than the window, a window as large as the
    input, K=1, padding (ResNet's stem), and seeded random settings. Several have K != S, where
    the tempting ``n // S`` is wrong.

    Parameters
    ----------
    student : callable
        ``student(n, K, S, padding=...)`` returning the output length along one axis (an int).

    Returns
    -------
    bool
        True when every case matches (``PASS`` printed).
    """
    return check_function("my_pool_output_size", student, pool_output_size,
                          _output_size_cases(), suspects=_output_size_suspects())


# --------------------------------------------------------------------------------------------
# Problem 1(e): output shapes of concrete layers (notebook 06)
# --------------------------------------------------------------------------------------------

# part -> (question, a square input (n, n, C), K, S)
_SHAPE_LAYERS = {
    "figure1": ("the worksheet's Figure 1: a 4x4x1 input, K=2, S=2", (4, 4, 1), 2, 2),
    "vgg": ("a 224x224x64 feature map, K=2, S=2 (VGG)", (224, 224, 64), 2, 2),
    "non-tiling": ("a 7x7x3 input, K=2, S=2 (the stride does not tile)", (7, 7, 3), 2, 2),
    "alexnet": ("a 55x55x96 feature map, K=3, S=2 (AlexNet, overlapping)", (55, 55, 96), 3, 2),
}
_PARAMS_QUESTION = "learnable parameters of a max-pooling layer with K=3, S=2 on 96 channels"
_PARAMS_HINT = ("max pooling has no weights and no bias: it only compares the values in each "
                "window. K and S are fixed architecture choices, not learned.")
POOL_SHAPE_PARTS = (*_SHAPE_LAYERS, "params")


def _shape_part(layer: str) -> Part:
    """The `Part` of a layer's output shape; the known wrong answers come from its sizes."""
    question, (n, _, c), k, s = _SHAPE_LAYERS[layer]
    out = pool_output_size(n, k, s)
    hints: dict[tuple, str] = {}

    def square(size: int, hint: str) -> None:
        hints.setdefault((size, size, c), hint)

    square(math.ceil((n - k) / s) + 1, "a window that would stick out past the edge is not used: "
                                       "round (n - K) / S DOWN.")
    square((n - k) // s, "count the first window too: floor((n - K) / S) + 1.")
    square(n - k + 1, "that is the stride-1 count: the window moves S cells at a time.")
    square(n // s, "n // S leaves out the window size (it agrees only when K = S): count the "
                   "window starts 0, S, 2S, ... with start + K <= n.")
    hints.setdefault((out, out, 1), "pooling works on each channel separately: the number of "
                                    "channels does not change.")
    hints.setdefault((c, out, out), "give the shape as (height, width, channels), the "
                                    "worksheet's order, not PyTorch's (channels, height, width).")
    hints.setdefault((out, out), "give all three: (height, width, channels).")
    return (f"output shape (height, width, channels) of {question}", (out, out, c), hints,
            "per spatial axis floor((n - K) / S) + 1 windows; the channels pass through.")


def check_pool_shape(part: str, answer) -> bool:
    """Check a written answer of Problem 1(e): the output of a max-pooling layer.

    Shapes are ``(height, width, channels)``, the worksheet's order; the expected values are
    computed with `c182lib.shapes.pool_output_size`. A known wrong answer gets a specific
    hint (rounding up, the stride-1 count, ``n // S``, channels changed, PyTorch's order).

    Parameters
    ----------
    part : {"figure1", "vgg", "non-tiling", "alexnet", "params"}
        Which layer: ``figure1`` a 4x4x1 input with K=2, S=2; ``vgg`` 224x224x64 with K=2,
        S=2; ``non-tiling`` 7x7x3 with K=2, S=2; ``alexnet`` 55x55x96 with K=3, S=2. These
        ask for the output shape ``(H, W, C)``; ``params`` asks for the number of learnable
        parameters of a max-pooling layer (an int).
    answer : tuple of int, int or None
        The student's answer; None means not answered yet (``TODO``).

    Returns
    -------
    bool
        True for a correct answer.

    Raises
    ------
    ValueError
        If ``part`` is not one of the parts above (a mistake in the notebook, not the answer).
    """
    parts = {layer: _shape_part(layer) for layer in _SHAPE_LAYERS}
    parts["params"] = (_PARAMS_QUESTION, 0, None, _PARAMS_HINT)
    return check_part("Problem 1(e)", parts, part, answer)


# --------------------------------------------------------------------------------------------
# Pooling backward on one (H, W) channel (notebook 07)
# --------------------------------------------------------------------------------------------

def _on_one_channel(forward: Callable, backward: Callable) -> Callable:
    """``reference(dout, x, k, s) -> dx``: a c182lib pooling layer's gradient on one channel."""
    def reference(dout, x, k, s):
        _, cache = forward(x[None, None], kernel_size=k, stride=s)
        return backward(dout[None, None], cache)[0, 0]
    return reference


_maxpool_backward_reference = _on_one_channel(maxpool2d_forward, maxpool2d_backward)
_avgpool_backward_reference = _on_one_channel(avgpool2d_forward, avgpool2d_backward)


def _backward_case(description: str, x, k: int, s: int, rng: np.random.Generator) -> Case:
    """A case with a random upstream gradient: nonzero, two decimals, either sign."""
    x = np.asarray(x, dtype=float)
    out_shape = (pool_output_size(x.shape[0], k, s), pool_output_size(x.shape[1], k, s))
    dout = (rng.uniform(0.5, 3.0, out_shape) * rng.choice([-1.0, 1.0], out_shape)).round(2)
    return Case(description, (dout, x, k, s))


def _distinct(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """An (h, w) input of distinct small integers, shuffled: no ties, readable in messages."""
    return (rng.permutation(h * w) + 1.0).reshape(h, w)


def _maxpool_cases() -> list[Case]:
    rng = np.random.default_rng(SEED)
    peak_5x5 = _distinct(rng, 5, 5)
    peak_5x5[2, 2] = 100.0  # the centre wins every window containing it
    tie_4x4 = np.array([[1.0, 7.0, 3.0, 3.0],
                        [7.0, 2.0, 3.0, 3.0],
                        [0.0, 5.0, 4.0, 1.0],
                        [2.0, 2.0, 4.0, 4.0]])
    cases = [
        _backward_case("the worksheet's hint: one 2x2 window, maximum at the top left",
                       [[4.0, 1.0], [2.0, 3.0]], 2, 2, rng),
        _backward_case("K=2, S=2 on 4x4: the maximum at a different place in each window",
                       [[1.0, 3.0, 8.0, 2.0], [4.0, 2.0, 5.0, 6.0], [9.0, 1.0, 2.0, 0.0],
                        [3.0, 5.0, 7.0, 4.0]], 2, 2, rng),
        _backward_case("negative inputs: the maximum of a window can be below 0",
                       -_distinct(rng, 4, 4), 2, 2, rng),
        _backward_case("stride 2 does not tile 5x5 (K=2): the last row and column get 0",
                       _distinct(rng, 5, 5), 2, 2, rng),
        _backward_case("non-square input 4x6, K=2, S=2", _distinct(rng, 4, 6), 2, 2, rng),
        _backward_case("stride 3 larger than K=2 (8x8): cells between windows get 0",
                       _distinct(rng, 8, 8), 2, 3, rng),
        _backward_case("K=1, S=1: every cell is its own window", _distinct(rng, 3, 4), 1, 1,
                       rng),
        _backward_case("overlapping windows K=3, S=1 (5x5): the centre wins all 9 windows, "
                       "their gradients add up", peak_5x5, 3, 1, rng),
        _backward_case("overlapping windows K=3, S=2 (7x7, AlexNet): a winner on a shared "
                       "border gets the gradient of every window it wins", _distinct(rng, 7, 7),
                       3, 2, rng),
        _backward_case("a tie: three equal maxima, the FIRST in row-major order gets it",
                       [[2.0, 7.0], [7.0, 7.0]], 2, 2, rng),
        _backward_case("ties in 2x2 windows, one window constant: its top-left cell gets it",
                       tie_4x4, 2, 2, rng),
        _backward_case("ties and overlapping windows (K=3, S=1, values 0-2)",
                       rng.integers(0, 3, (5, 5)), 3, 1, rng),
    ]
    for _ in range(3):
        k, s = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        h, w = int(rng.integers(k, 9)), int(rng.integers(k, 9))
        cases.append(_backward_case(f"random: {h}x{w}, K={k}, S={s}, distinct values",
                                    _distinct(rng, h, w), k, s, rng))
    for _ in range(2):
        k, s = int(rng.integers(2, 4)), int(rng.integers(1, 3))
        h, w = int(rng.integers(k, 8)), int(rng.integers(k, 8))
        cases.append(_backward_case(f"random: {h}x{w}, K={k}, S={s}, values 0-2 (ties)",
                                    rng.integers(0, 3, (h, w)), k, s, rng))
    return cases


def _route_max(dout, x, k, s, ties="first", accumulate=True) -> np.ndarray:
    """Max-pooling backward with explicit loops, and the classic mistakes as options.

    ``ties``: which of a window's tied maxima receive its gradient: ``"first"`` (row-major,
    correct), ``"last"``, ``"column-major"`` (the first in column-major order), ``"all"`` (each
    the full gradient) or ``"split"`` (each an equal share). ``accumulate=False`` writes
    ``dx[r, c] = dout[i, j]`` instead of adding.
    """
    dx = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            window = x[i * s:i * s + k, j * s:j * s + k]
            hits = np.argwhere(window == window.max())  # row-major order
            if ties == "first":
                hits = hits[:1]
            elif ties == "last":
                hits = hits[-1:]
            elif ties == "column-major":
                hits = hits[np.lexsort((hits[:, 0], hits[:, 1]))][:1]
            share = dout[i, j] / len(hits) if ties == "split" else dout[i, j]
            for r, c in hits:
                if accumulate:
                    dx[i * s + r, j * s + c] += share
                else:
                    dx[i * s + r, j * s + c] = share
    return dx


def _spread_avg(dout, x, k, s, divisor, accumulate=True) -> np.ndarray:
    """Average-pooling backward with explicit loops: ``dout[i, j] / divisor`` to each cell."""
    dx = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            cells = (slice(i * s, i * s + k), slice(j * s, j * s + k))
            if accumulate:
                dx[cells] += dout[i, j] / divisor
            else:
                dx[cells] = dout[i, j] / divisor
    return dx


def _overwrite_hint(kind: str) -> str:
    return (f"with overlapping windows (S < K) one input cell can {kind}; its gradient is the "
            "SUM of what each window sends. Use dx[...] += ..., not dx[...] = ... .")


def _maxpool_suspects() -> list[Suspect]:
    def wrong(**options):
        return lambda case: _route_max(*case.args, **options)

    return [
        (_overwrite_hint("be the maximum of several windows"), wrong(accumulate=False)),
        ("tied maxima: only ONE cell gets the gradient, the first maximum in row-major order "
         "(np.argmax of the flattened window, as PyTorch). Here every tied maximum got it, so "
         "the gradient was counted several times.", wrong(ties="all")),
        ("tied maxima: the gradient was split among them; the convention (PyTorch's) sends all "
         "of it to the first maximum in row-major order (np.argmax of the flattened window).",
         wrong(ties="split")),
        ("tied maxima: the gradient went to the LAST of them (a >= comparison?); it goes to the "
         "first in row-major order, as np.argmax returns it.", wrong(ties="last")),
        ("tied maxima: the first in row-major order (along the row first) gets the gradient; "
         "yours went down the columns first.", wrong(ties="column-major")),
        ("the gradient was spread over the whole window, as for average pooling; max pooling "
         "sends it only to the window's maximum.",
         lambda case: _spread_avg(*case.args, divisor=1)),
        ("that is the gradient of AVERAGE pooling, dout / (K*K) to every cell of the window. Max "
         "pooling sends all of dout to the window's maximum and 0 to the other cells.",
         lambda case: _spread_avg(*case.args, divisor=case.args[2] ** 2)),
    ]


def _backward_shape_hint(case: Case, got) -> str | None:
    dout, x = case.args[:2]
    if shape_of(got) == x.shape:
        return None
    return (f"dx has one entry per INPUT cell: shape {x.shape}, the shape of x (dout is "
            f"{dout.shape}).")


def _backward_error_hint(case: Case, err: Exception) -> str | None:
    if isinstance(err, IndexError):
        return ("an index ran past the end: window (i, j) covers rows i*S to i*S + K - 1 and "
                "columns j*S to j*S + K - 1 of x, for i < dout.shape[0] and j < dout.shape[1].")
    return None


def check_maxpool_backward(student: Callable) -> bool:
    """Check ``student(dout, x, K, S)``, the gradient of K x K max pooling with stride S.

    The reference is `c182lib.pool.maxpool2d_backward` on the single channel ``x``. Cases, all
    with a random upstream gradient: the worksheet's 2x2 hint, the maximum at every position
    of a window, negative inputs, strides that do not tile or exceed K, a non-square input,
    K = 1, overlapping windows whose gradients must add up (K=3 with S=1 and S=2), ties (the
    first maximum in row-major order wins), and seeded random inputs with and without ties.

    Parameters
    ----------
    student : callable
        ``student(dout, x, K, S)`` with ``dout`` of shape (H_out, W_out) and ``x`` of shape
        (H, W) (float arrays), returning ``dx`` of shape (H, W).

    Returns
    -------
    bool
        True when every case matches (``PASS`` printed).
    """
    return check_function("my_maxpool_backward", student, _maxpool_backward_reference,
                          _maxpool_cases(), label="dx", suspects=_maxpool_suspects(),
                          on_error=_backward_error_hint, fallback=_backward_shape_hint)


def _avgpool_cases() -> list[Case]:
    rng = np.random.default_rng(SEED + 1)
    cases = [
        _backward_case("the worksheet's 2x2 case: one window", [[4.0, 1.0], [2.0, 3.0]], 2, 2,
                       rng),
        _backward_case("K=2, S=2 on 4x4", _distinct(rng, 4, 4), 2, 2, rng),
        _backward_case("stride 2 does not tile 5x5 (K=2): the last row and column get 0",
                       _distinct(rng, 5, 5), 2, 2, rng),
        _backward_case("non-square input 4x6, K=2, S=2", _distinct(rng, 4, 6), 2, 2, rng),
        _backward_case("stride 3 larger than K=2 (8x8): cells between windows get 0",
                       _distinct(rng, 8, 8), 2, 3, rng),
        _backward_case("K=1, S=1: dx = dout", _distinct(rng, 3, 4), 1, 1, rng),
        _backward_case("overlapping windows K=3, S=1 (5x5): a cell collects a share from every "
                       "window containing it", _distinct(rng, 5, 5), 3, 1, rng),
        _backward_case("overlapping windows K=3, S=2 (7x7)", _distinct(rng, 7, 7), 3, 2, rng),
    ]
    for _ in range(3):
        k, s = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        h, w = int(rng.integers(k, 9)), int(rng.integers(k, 9))
        cases.append(_backward_case(f"random: {h}x{w}, K={k}, S={s}", rng.normal(size=(h, w)),
                                    k, s, rng))
    return cases


def _avgpool_suspects() -> list[Suspect]:
    def spread(divisor_of, accumulate=True):
        def wrong(case):
            k = case.args[2]
            return _spread_avg(*case.args, divisor=divisor_of(k), accumulate=accumulate)
        return wrong

    return [
        (_overwrite_hint("lie in several windows"), spread(lambda k: k * k, accumulate=False)),
        ("the average of K*K cells is their sum divided by K*K, so each cell of a window gets "
         "dout / (K*K); yours got dout undivided.", spread(lambda k: 1)),
        ("a K x K window has K*K cells: divide dout by K*K, not by K.", spread(lambda k: k)),
        ("with overlapping windows each cell's shares must be ADDED (+=), and each share is "
         "dout / (K*K).", spread(lambda k: 1, accumulate=False)),
    ]


def check_avgpool_backward(student: Callable) -> bool:
    """Check ``student(dout, x, K, S)``, the gradient of K x K average pooling with stride S.

    The reference is `c182lib.pool.avgpool2d_backward` on the single channel ``x``. Cases, all
    with a random upstream gradient: the worksheet's 2x2 case, strides that do not tile or
    exceed K, a non-square input, K = 1, overlapping windows (K=3 with S=1 and S=2), and seeded
    random settings.

    Parameters
    ----------
    student : callable
        ``student(dout, x, K, S)`` with ``dout`` of shape (H_out, W_out) and ``x`` of shape
        (H, W), returning ``dx`` of shape (H, W).

    Returns
    -------
    bool
        True when every case matches (``PASS`` printed).
    """
    return check_function("my_avgpool_backward", student, _avgpool_backward_reference,
                          _avgpool_cases(), label="dx", suspects=_avgpool_suspects(),
                          on_error=_backward_error_hint, fallback=_backward_shape_hint)
