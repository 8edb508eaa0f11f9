"""The exercises of the pooling notebooks (06-07).

- ``06-pool-output-size``: ``my_pool_output_size(n, K, S, padding=0)``, the number of windows
  along one axis.
- ``06-pool-shape``: the values of Problem 1(e), output shapes of four max-pooling layers and
  a max-pooling layer's parameter count.
- ``06-why-rule``, ``06-why-shapes``: written answers (why the size rule holds, why these
  shapes).
- ``07-maxpool-backward``: ``my_maxpool_backward(dout, x, K, S)`` on one (H, W) channel.
- ``07-avgpool-backward``: ``my_avgpool_backward(dout, x, K, S)`` on one (H, W) channel.

References come from `c182lib.shapes` and `c182lib.pool`. Every upstream gradient is random
(nonzero, either sign), so a gradient routed to the wrong cell cannot go unnoticed.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from c182lib.exercises._engine import Case, Exercise, Mistake, Outcome, known_answer, other_answer
from c182lib.exercises.conv import size_formula
from c182lib.pool import (
    avgpool2d_backward,
    avgpool2d_forward,
    maxpool2d_backward,
    maxpool2d_forward,
)
from c182lib.shapes import pool_output_size

SEED = 182  # the seeded random cases start from it


# --------------------------------------------------------------------------------------------
# 06-pool-output-size


def output_size_case(case_id: str, description: str, n: int, k: int, s: int,
                     padding: int = 0) -> Case:
    """A case of ``my_pool_output_size(n, K, S, padding=padding)``."""
    return Case(case_id, description, (n, k, s), {"padding": padding})


def random_pool_settings(rng: np.random.Generator, count: int,
                         max_n: int) -> list[tuple[int, int, int, int]]:
    """``count`` random ``(n, K, S, padding)`` with K <= n <= max_n and padding <= K // 2."""
    settings = []
    for _ in range(count):
        k = int(rng.integers(1, 6))
        n, s = int(rng.integers(k, max_n + 1)), int(rng.integers(1, 5))
        settings.append((n, k, s, int(rng.integers(0, k // 2 + 1))))
    return settings


def _output_size_cases() -> list[Case]:
    case = output_size_case
    cases = [
        case("figure1", "the worksheet's Figure 1: n=4, K=2, S=2", 4, 2, 2),
        case("vgg", "K=2, S=2 on n=224 (VGG)", 224, 2, 2),
        case("no-tile", "stride 2 does not tile n=7 (K=2): the last cell is dropped", 7, 2, 2),
        case("alexnet", "overlapping windows, K=3, S=2 on n=55 (AlexNet)", 55, 3, 2),
        case("stride1", "K=3, S=1: every position (n=6)", 6, 3, 1),
        case("overlap-no-tile", "overlapping windows that do not tile: K=3, S=2 on n=8",
             8, 3, 2),
        case("stride-gt-k", "stride larger than the window: K=2, S=3 on n=10", 10, 2, 3),
        case("one-window", "window as large as the input: one output (n=K=5)", 5, 5, 5),
        case("k1", "K=1, S=1: the identity (n=6)", 6, 1, 1),
        case("resnet", "padding 1, K=3, S=2 on n=112 (ResNet's stem)", 112, 3, 2, 1),
        case("pad-same", "padding 2 keeps the size: K=5, S=1 on n=9", 9, 5, 1, 2),
        case("pad-no-tile", "padding 1 that does not tile: K=2, S=2 on n=6", 6, 2, 2, 1),
    ]
    rng = np.random.default_rng(SEED)
    for i, (n, k, s, p) in enumerate(random_pool_settings(rng, 6, max_n=39)):
        cases.append(case(f"random-{i + 1}", f"random: n={n}, K={k}, S={s}, padding {p}",
                          n, k, s, p))
    return cases


def _pool_size_args(case: Case) -> tuple[int, int, int, int, int]:
    """``(n, K, S, padding, dilation 1)`` of a `06-pool-output-size` case, for `size_formula`."""
    n, k, s = case.args
    return n, k, s, case.kwargs["padding"], 1


def _size_formula(**changed) -> Callable[[Case], object]:
    return size_formula(args=_pool_size_args, **changed)


def _pool_output_size_solution(n, K, S, padding=0):
    return (n + 2 * padding - K) // S + 1


POOL_OUTPUT_SIZE = Exercise(
    id="06-pool-output-size", title="my_pool_output_size", kind="function",
    answer_name="my_pool_output_size", points=2, reference=pool_output_size,
    cases=_output_size_cases, arg_names=("n", "K", "S"),
    solution=_pool_output_size_solution,
    forbidden=("pool_output_size", "conv_output_size", "window_geometry"),
    mistakes=(
        Mistake("rounded up", (
            "one window too many where the stride does not tile: a window that sticks out "
            "past the edge was counted.",
            "a window that would stick out past the edge is not used: round DOWN (floor, or "
            "integer division //), not up."), wrong=_size_formula(rounding=math.ceil)),
        Mistake("not rounded", (
            "the count is not a whole number: it should count whole windows.",
            "the output is a whole number of windows: use floor (//), not plain division."),
            wrong=_size_formula(rounding=lambda v: v)),
        Mistake("first window not counted", (
            "one window short: the first window is not in your count.",
            "count the first window too: windows start at 0, S, 2S, ..., so there are "
            "floor((n + 2p - K) / S) + 1 of them."), wrong=_size_formula(plus=0)),
        Mistake("n over S", (
            "the window size plays no part in your count; it only agrees when K and S are "
            "the same.",
            "n // S leaves out the window size; it only agrees when K = S. Windows start at "
            "0, S, 2S, ... as long as start + K <= n + 2p."),
            wrong=_size_formula(plus=0, span=lambda k, d: 0)),
        Mistake("padding at one end", (
            "the padding is counted at one end of the axis only.",
            "padding p adds p cells at EACH end: the padded length is n + 2p."),
            wrong=_size_formula(pads=1)),
        Mistake("padding ignored", (
            "the padding is missing from your count.",
            "the window slides over the PADDED input, of length n + 2p."),
            wrong=_size_formula(pads=0)),
        Mistake("stride ignored", (
            "these are the counts of a window moving one cell at a time.",
            "that is the stride-1 count n + 2p - K + 1: the window moves S cells at a time."),
            wrong=_size_formula(strided=False)),
    ),
)


# --------------------------------------------------------------------------------------------
# 06-pool-shape: Problem 1(e), output shapes of concrete max-pooling layers

# part -> (question, a square input (n, n, C) in the worksheet's order, K, S)
SHAPE_LAYERS = {
    "figure1": ("the worksheet's Figure 1: a 4x4x1 input, K=2, S=2", (4, 4, 1), 2, 2),
    "vgg": ("a 224x224x64 feature map, K=2, S=2 (VGG)", (224, 224, 64), 2, 2),
    "non-tiling": ("a 7x7x3 input, K=2, S=2 (the stride does not tile)", (7, 7, 3), 2, 2),
    "alexnet": ("a 55x55x96 feature map, K=3, S=2 (AlexNet, overlapping)", (55, 55, 96), 3, 2),
}
PARAMS_QUESTION = "learnable parameters of a max-pooling layer with K=3, S=2 on 96 channels"


def _pool_shape_answer(part: str):
    """The right answer to a part of Problem 1(e): ``(height, width, channels)`` of the
    layer's output, or the number of learnable parameters (0)."""
    if part == "params":
        return 0
    _, (h, w, c), k, s = SHAPE_LAYERS[part]
    return (pool_output_size(h, k, s), pool_output_size(w, k, s), c)


def _pool_shape_cases() -> list[Case]:
    cases = [Case(part, f"output shape (height, width, channels) of {question}", (part,),
                  answer_name=f"answer_{part.replace('-', '_')}")
             for part, (question, *_) in SHAPE_LAYERS.items()]
    return [*cases, Case("params", PARAMS_QUESTION, ("params",), answer_name="answer_params")]


def _shape_mistakes(part: str) -> list[Mistake]:
    """The known wrong answers to a layer's output shape, from its sizes, and their hints.

    An answer that is right for this layer (K = S makes ``n // S`` right, one channel makes
    "channels changed" right) or already listed is left out.
    """
    _, (n, _, c), k, s = SHAPE_LAYERS[part]
    out = pool_output_size(n, k, s)
    right = (out, out, c)
    known = [
        ((math.ceil((n - k) / s) + 1,) * 2 + (c,), (
            "the spatial size counts a window that does not fit.",
            "a window that would stick out past the edge is not used: round (n - K) / S "
            "DOWN.")),
        (((n - k) // s,) * 2 + (c,), (
            "the spatial size is one short.",
            "count the first window too: floor((n - K) / S) + 1.")),
        ((n - k + 1,) * 2 + (c,), (
            "the spatial size is that of a window moving one cell at a time.",
            "that is the stride-1 count n - K + 1: the window moves S cells at a time.")),
        ((n // s,) * 2 + (c,), (
            "the window size plays no part in your spatial size.",
            "n // S leaves out the window size (it agrees only when K = S): count the window "
            "starts 0, S, 2S, ... with start + K <= n.")),
        ((out, out, 1), (
            "the channel count is not right.",
            "pooling works on each channel separately: the number of channels does not "
            "change.")),
        ((c, out, out), (
            "the numbers look right but in another order.",
            "give the shape as (height, width, channels), the worksheet's order, not "
            "PyTorch's (channels, height, width).")),
        ((out, out), (
            "the answer has too few numbers.",
            "give all three: (height, width, channels).")),
    ]
    mistakes, seen = [], {right}
    for answer, hints in known:
        if answer not in seen:
            seen.add(answer)
            mistakes.append(known_answer(part, answer, *hints))
    mistakes.append(other_answer(
        part, "count the window positions along each axis, then think about the channels.",
        "per spatial axis floor((n - K) / S) + 1 windows; the channels pass through."))
    return mistakes


POOL_SHAPE = Exercise(
    id="06-pool-shape", title="Problem 1(e)", kind="value", answer_name="answer_figure1",
    points=5, reference=_pool_shape_answer, cases=_pool_shape_cases, rtol=1e-9,
    mistakes=(
        *(mistake for part in SHAPE_LAYERS for mistake in _shape_mistakes(part)),
        other_answer("params", "think about what the layer does with the numbers of a window, "
                             "and what it would need to learn.",
                   "max pooling has no weights and no bias: it only compares the values in "
                   "each window. K and S are fixed architecture choices, not learned."),
    ),
)


# --------------------------------------------------------------------------------------------
# 06: written answers

WHY_RULE = Exercise(
    id="06-why-rule", title="Why the output-size rule holds", kind="written", answer_name="",
    points=1, question="Explain why floor((n + 2p - K) / S) + 1 windows fit along an axis, and "
                       "why n / S is not the rule.")

WHY_SHAPES = Exercise(
    id="06-why-shapes", title="Why these shapes", kind="written", answer_name="", points=1,
    question="Explain the four output shapes of Problem 1(e) and why max pooling learns no "
             "parameters.")


# --------------------------------------------------------------------------------------------
# 07-maxpool-backward and 07-avgpool-backward, on one (H, W) channel


def _on_one_channel(forward: Callable, backward: Callable) -> Callable:
    """``reference(dout, x, K, S) -> dx``: a c182lib pooling layer's gradient on one channel.

    ``dout`` is (H_out, W_out), ``x`` is (H, W); ``dx`` has the shape of ``x``.
    """
    def reference(dout, x, k, s):
        _, cache = forward(np.asarray(x, dtype=float)[None, None], kernel_size=k, stride=s)
        return backward(np.asarray(dout, dtype=float)[None, None], cache)[0, 0]
    return reference


maxpool_backward_reference = _on_one_channel(maxpool2d_forward, maxpool2d_backward)
avgpool_backward_reference = _on_one_channel(avgpool2d_forward, avgpool2d_backward)


def backward_case(case_id: str, description: str, x, k: int, s: int,
                  rng: np.random.Generator) -> Case:
    """A case of ``my_..._backward(dout, x, K, S)`` with a random upstream gradient: nonzero,
    two decimals, either sign, of the output's shape (H_out, W_out)."""
    x = np.asarray(x, dtype=float)
    out_shape = (pool_output_size(x.shape[0], k, s), pool_output_size(x.shape[1], k, s))
    dout = (rng.uniform(0.5, 3.0, out_shape) * rng.choice([-1.0, 1.0], out_shape)).round(2)
    return Case(case_id, description, (dout, x, k, s))


def distinct_values(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """An (h, w) input of distinct small integers, shuffled: no ties, readable in messages."""
    return (rng.permutation(h * w) + 1.0).reshape(h, w)


def _maxpool_cases() -> list[Case]:
    rng = np.random.default_rng(SEED)
    case = backward_case
    peak_5x5 = distinct_values(rng, 5, 5)
    peak_5x5[2, 2] = 100.0  # the centre wins every window containing it
    tie_4x4 = np.array([[1.0, 7.0, 3.0, 3.0],
                        [7.0, 2.0, 3.0, 3.0],
                        [0.0, 5.0, 4.0, 1.0],
                        [2.0, 2.0, 4.0, 4.0]])
    cases = [
        case("hint-2x2", "the worksheet's hint: one 2x2 window, maximum at the top left",
             [[4.0, 1.0], [2.0, 3.0]], 2, 2, rng),
        case("4x4", "K=2, S=2 on 4x4: the maximum at a different place in each window",
             [[1.0, 3.0, 8.0, 2.0], [4.0, 2.0, 5.0, 6.0], [9.0, 1.0, 2.0, 0.0],
              [3.0, 5.0, 7.0, 4.0]], 2, 2, rng),
        case("negative", "negative inputs: the maximum of a window can be below 0",
             -distinct_values(rng, 4, 4), 2, 2, rng),
        case("no-tile", "stride 2 does not tile 5x5 (K=2): the last row and column get 0",
             distinct_values(rng, 5, 5), 2, 2, rng),
        case("non-square", "non-square input 4x6, K=2, S=2", distinct_values(rng, 4, 6), 2,
             2, rng),
        case("one-row", "a single row of windows: 2x7 input, K=2, S=2 (the last column "
             "dropped)", distinct_values(rng, 2, 7), 2, 2, rng),
        case("stride-gt-k", "stride 3 larger than K=2 (8x8): cells between windows get 0",
             distinct_values(rng, 8, 8), 2, 3, rng),
        case("k1", "K=1, S=1: every cell is its own window", distinct_values(rng, 3, 4), 1, 1,
             rng),
        case("overlap-s1", "overlapping windows K=3, S=1 (5x5): the centre wins all 9 windows, "
             "their gradients add up", peak_5x5, 3, 1, rng),
        case("overlap-s2", "overlapping windows K=3, S=2 (7x7, AlexNet): a winner on a shared "
             "border gets the gradient of every window it wins", distinct_values(rng, 7, 7),
             3, 2, rng),
        case("overlap-non-square", "overlapping windows that do not tile a non-square input: "
             "5x8, K=3, S=2", distinct_values(rng, 5, 8), 3, 2, rng),
        case("tie-3", "a tie: three equal maxima, the FIRST in row-major order gets it",
             [[2.0, 7.0], [7.0, 7.0]], 2, 2, rng),
        case("ties-4x4", "ties in 2x2 windows, one window constant: its top-left cell gets it",
             tie_4x4, 2, 2, rng),
        case("ties-overlap", "ties and overlapping windows (K=3, S=1, values 0-2)",
             rng.integers(0, 3, (5, 5)), 3, 1, rng),
    ]
    for i in range(3):
        k, s = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        h, w = int(rng.integers(k, 9)), int(rng.integers(k, 9))
        cases.append(case(f"random-{i + 1}", f"random: {h}x{w}, K={k}, S={s}, distinct values",
                          distinct_values(rng, h, w), k, s, rng))
    for i in range(2):
        k, s = int(rng.integers(2, 4)), int(rng.integers(1, 3))
        h, w = int(rng.integers(k, 8)), int(rng.integers(k, 8))
        cases.append(case(f"random-ties-{i + 1}", f"random: {h}x{w}, K={k}, S={s}, values 0-2 "
                          "(ties)", rng.integers(0, 3, (h, w)), k, s, rng))
    return cases


def route_max(dout, x, k, s, ties="first", accumulate=True) -> np.ndarray:
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


def spread_average(dout, x, k, s, divisor, accumulate=True) -> np.ndarray:
    """Average-pooling backward with explicit loops: ``dout[i, j] / divisor`` to each cell of
    window (i, j), added (or, with ``accumulate=False``, written over what is there)."""
    dx = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            cells = (slice(i * s, i * s + k), slice(j * s, j * s + k))
            if accumulate:
                dx[cells] += dout[i, j] / divisor
            else:
                dx[cells] = dout[i, j] / divisor
    return dx


def _dx_shape_wrong(case: Case, outcome: Outcome) -> bool:
    """An array (or nested list) of another shape than x: not None, a number or text."""
    return (outcome.status == "returned" and isinstance(outcome.value, (np.ndarray, list, tuple))
            and np.shape(outcome.value) != case.args[1].shape)


def _index_past_end(case: Case, outcome: Outcome) -> bool:
    return outcome.status == "raised" and outcome.error.startswith("IndexError")


def _overwrite_hints(kind: str) -> tuple[str, str]:
    return ("where windows overlap, a cell kept only one window's gradient: later windows "
            "replaced what earlier ones sent.",
            f"with overlapping windows (S < K) one input cell can {kind}; its gradient is the "
            "SUM of what each window sends. Use dx[...] += ..., not dx[...] = ... .")


_DX_SHAPE = Mistake("dx shape", (
    "dx does not have one entry per input cell.",
    "dx has the shape of x, (H, W), not the shape of dout (H_out, W_out)."),
    fits=_dx_shape_wrong)
_INDEX_PAST_END = Mistake("index past the end", (
    "an index ran past the end of x: the loops visit a window that is not there.",
    "window (i, j) covers rows i*S to i*S + K - 1 and columns j*S to j*S + K - 1 of x, for "
    "i < dout.shape[0] and j < dout.shape[1]."), fits=_index_past_end)


def _replay(mistake: Callable, **options) -> Callable[[Case], object]:
    """``mistake(dout, x, K, S, **options)`` as a function of the case."""
    return lambda case: mistake(*case.args, **options)


def _maxpool_backward_solution(dout, x, K, S):
    dx = np.zeros_like(x, dtype=float)
    for i, j in np.ndindex(*np.shape(dout)):
        window = x[i * S:i * S + K, j * S:j * S + K]
        r, c = np.unravel_index(np.argmax(window), window.shape)
        dx[i * S + r, j * S + c] += dout[i, j]
    return dx


MAXPOOL_BACKWARD = Exercise(
    id="07-maxpool-backward", title="my_maxpool_backward", kind="function",
    answer_name="my_maxpool_backward", points=4, reference=maxpool_backward_reference,
    cases=_maxpool_cases, arg_names=("dout", "x", "K", "S"), forbidden=("maxpool2d_backward",),
    solution=_maxpool_backward_solution,
    mistakes=(
        Mistake("overwritten instead of added",
                _overwrite_hints("be the maximum of several windows"),
                wrong=_replay(route_max, accumulate=False)),
        Mistake("every tied maximum", (
            "at a tie, more than one cell of the window received the gradient.",
            "tied maxima: only ONE cell gets the gradient, the first maximum in row-major "
            "order (np.argmax of the flattened window, as PyTorch). Here every tied maximum "
            "got it, so the gradient was counted several times."),
            wrong=_replay(route_max, ties="all")),
        Mistake("split among tied maxima", (
            "at a tie, the gradient was shared among the tied cells.",
            "tied maxima: the gradient was split among them; the convention (PyTorch's) sends "
            "all of it to the first maximum in row-major order (np.argmax of the flattened "
            "window)."), wrong=_replay(route_max, ties="split")),
        Mistake("last tied maximum", (
            "at a tie, the gradient went to another of the tied cells than the convention's.",
            "tied maxima: the gradient went to the LAST of them (a >= comparison?); it goes to "
            "the first in row-major order, as np.argmax returns it."),
            wrong=_replay(route_max, ties="last")),
        Mistake("column-major ties", (
            "at a tie, the gradient went to another of the tied cells: the order in which the "
            "window is searched matters.",
            "tied maxima: the first in row-major order (along the row first) gets the "
            "gradient; yours went down the columns first."),
            wrong=_replay(route_max, ties="column-major")),
        Mistake("spread over the window", (
            "every cell of a window got a gradient, not only one.",
            "the gradient was spread over the whole window, as for average pooling; max "
            "pooling sends it only to the window's maximum."),
            wrong=_replay(spread_average, divisor=1)),
        Mistake("average pooling", (
            "this is the gradient of another kind of pooling: every cell of a window got an "
            "equal share.",
            "that is the gradient of AVERAGE pooling, dout / (K*K) to every cell of the "
            "window. Max pooling sends all of dout to the window's maximum and 0 to the other "
            "cells."), wrong=lambda case: spread_average(*case.args, divisor=case.args[2] ** 2)),
        _DX_SHAPE,
        _INDEX_PAST_END,
    ),
)


def _avgpool_cases() -> list[Case]:
    rng = np.random.default_rng(SEED + 1)
    case = backward_case
    cases = [
        case("hint-2x2", "the worksheet's 2x2 case: one window", [[4.0, 1.0], [2.0, 3.0]], 2,
             2, rng),
        case("4x4", "K=2, S=2 on 4x4", distinct_values(rng, 4, 4), 2, 2, rng),
        case("no-tile", "stride 2 does not tile 5x5 (K=2): the last row and column get 0",
             distinct_values(rng, 5, 5), 2, 2, rng),
        case("non-square", "non-square input 4x6, K=2, S=2", distinct_values(rng, 4, 6), 2,
             2, rng),
        case("one-row", "a single row of windows: 3x7 input, K=3, S=2",
             distinct_values(rng, 3, 7), 3, 2, rng),
        case("stride-gt-k", "stride 3 larger than K=2 (8x8): cells between windows get 0",
             distinct_values(rng, 8, 8), 2, 3, rng),
        case("k1", "K=1, S=1: dx = dout", distinct_values(rng, 3, 4), 1, 1, rng),
        case("overlap-s1", "overlapping windows K=3, S=1 (5x5): a cell collects a share from "
             "every window containing it", distinct_values(rng, 5, 5), 3, 1, rng),
        case("overlap-s2", "overlapping windows K=3, S=2 (7x7)", distinct_values(rng, 7, 7), 3,
             2, rng),
        case("overlap-non-square", "overlapping windows that do not tile a non-square input: "
             "6x9, K=3, S=2", distinct_values(rng, 6, 9), 3, 2, rng),
        case("equal-values", "equal values everywhere (4x4, K=2, S=1): every cell still gets "
             "its shares", np.full((4, 4), 3.0), 2, 1, rng),
    ]
    for i in range(3):
        k, s = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        h, w = int(rng.integers(k, 9)), int(rng.integers(k, 9))
        cases.append(case(f"random-{i + 1}", f"random: {h}x{w}, K={k}, S={s}",
                          rng.normal(size=(h, w)), k, s, rng))
    return cases


def _spread_with(divisor_of: Callable[[int], int],
                 accumulate: bool = True) -> Callable[[Case], object]:
    """The average-pooling gradient with the divisor ``divisor_of(K)``, added or not."""
    def wrong(case):
        return spread_average(*case.args, divisor=divisor_of(case.args[2]),
                              accumulate=accumulate)
    return wrong


def _avgpool_backward_solution(dout, x, K, S):
    dx = np.zeros_like(x, dtype=float)
    for i, j in np.ndindex(*np.shape(dout)):
        dx[i * S:i * S + K, j * S:j * S + K] += dout[i, j] / (K * K)
    return dx


AVGPOOL_BACKWARD = Exercise(
    id="07-avgpool-backward", title="my_avgpool_backward", kind="function",
    answer_name="my_avgpool_backward", points=3, reference=avgpool_backward_reference,
    cases=_avgpool_cases, arg_names=("dout", "x", "K", "S"), forbidden=("avgpool2d_backward",),
    solution=_avgpool_backward_solution,
    mistakes=(
        Mistake("overwritten instead of added", _overwrite_hints("lie in several windows"),
                wrong=_spread_with(lambda k: k * k, accumulate=False)),
        Mistake("not divided", (
            "each cell got the whole upstream gradient of its window, not a share of it.",
            "the average of K*K cells is their sum divided by K*K, so each cell of a window "
            "gets dout / (K*K); yours got dout undivided."), wrong=_spread_with(lambda k: 1)),
        Mistake("divided by K", (
            "each cell's share is too large: the window has more cells than you divided by.",
            "a K x K window has K*K cells: divide dout by K*K, not by K."),
            wrong=_spread_with(lambda k: k)),
        Mistake("not divided, overwritten", (
            "two slips: the shares are too large, and where windows overlap a cell kept only "
            "one window's share.",
            "with overlapping windows each cell's shares must be ADDED (+=), and each share "
            "is dout / (K*K)."), wrong=_spread_with(lambda k: 1, accumulate=False)),
        _DX_SHAPE,
        _INDEX_PAST_END,
    ),
)


EXERCISES = (POOL_OUTPUT_SIZE, POOL_SHAPE, WHY_RULE, WHY_SHAPES, MAXPOOL_BACKWARD,
             AVGPOOL_BACKWARD)
