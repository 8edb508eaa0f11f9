"""The exercises of the convolution notebooks (01-03).

- ``01-corr1d``: ``my_corr1d(x, w, stride=1, padding=0)``, 1-D cross-correlation.
- ``02-dims-1a``: the values of Problem 1(a) i-iv (output shapes, a weight count).
- ``02-why-i``, ``02-why-ii``, ``02-why-iii``, ``02-one-by-one``: written answers (why each
  shape of Problem 1(a), what a 1x1 convolution does).
- ``02-output-size``: ``my_output_size(n, k, stride=1, padding=0, dilation=1)``, the number of
  windows along one axis.
- ``03-conv-matrix-1d``: ``my_conv_matrix_1d(n, w, stride=1, padding=0)``, the matrix acting on
  the padded input (Problem 2).
- ``03-why-matrix``: written answer (why row o of W looks the way it does).

References come from `c182lib.conv` and `c182lib.shapes`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import numpy as np

from c182lib.conv import conv_matrix_1d, corr1d
from c182lib.exercises._engine import Case, Exercise, Mistake, Outcome, known_answer, other_answer
from c182lib.shapes import conv_output_shape, conv_output_size, conv_param_count

SEED = 182  # the seeded random cases start from it


def random_settings(rng: np.random.Generator, count: int,
                    max_n: int) -> Iterator[tuple[int, int, int, int]]:
    """``count`` random ``(n, k, stride, padding)`` with 2 <= n <= max_n and 2 <= k <= n + 2p.

    A generator: the caller may draw the case's values from ``rng`` between two settings.
    """
    for _ in range(count):
        n = int(rng.integers(2, max_n + 1))
        padding = int(rng.integers(0, 3))
        k = int(rng.integers(2, n + 2 * padding + 1))
        yield n, k, int(rng.integers(1, 4)), padding


# --------------------------------------------------------------------------------------------
# 01-corr1d


def corr1d_case(case_id, description, x, w, stride=1, padding=0) -> Case:
    return Case(case_id, description, (np.asarray(x, dtype=float), np.asarray(w, dtype=float)),
                {"stride": stride, "padding": padding})


def _corr1d_cases() -> list[Case]:
    case = corr1d_case
    cases = [
        case("plain", "stride 1, no padding (n=5, k=3)", [1, 3, -2, 4, 0.5], [2, -1, 0.5]),
        case("one-window", "filter as long as the input: one window (n=k=4)", [2, -1, 3, 1],
             [1, 2, 0, -1]),
        case("k1", "k=1: each entry times w[0] (n=4)", [1, -2, 3, 0.5], [3]),
        case("pad1", "padding 1: one zero at each end (n=4, k=3, as in Problem 2)",
             [1, 2, 3, 4], [1, -2, 3], padding=1),
        case("pad2", "padding 2 with k=3: output longer than the input (n=3)", [2, -1, 4],
             [1, 3, -2], padding=2),
        case("stride2-tiles", "stride 2 that tiles the input (n=7, k=3)",
             [1, -1, 2, 0, 3, -2, 1], [2, 1, -1], stride=2),
        case("stride2-no-tile", "stride 2 that does not tile (n=8, k=3): the last cell is "
             "dropped", [1, 2, -1, 3, 0, 2, -2, 5], [1, 0, -2], stride=2),
        case("stride3-pad1", "stride 3 with padding 1 (n=9, k=3): does not tile",
             [3, 1, -2, 0, 4, 1, -1, 2, 2], [-1, 2, 1], stride=3, padding=1),
        case("stride-gt-k", "stride 3 larger than k=2: cells between windows are skipped "
             "(n=10)", np.arange(1, 11), [2, -1], stride=3),
        case("stride2-pad2", "stride 2 and padding 2 (n=6, k=5)", [1, -3, 2, 2, 0, 1],
             [1, 2, -1, 0, 3], stride=2, padding=2),
    ]
    rng = np.random.default_rng(SEED)
    for i, (n, k, stride, padding) in enumerate(random_settings(rng, 4, max_n=12)):
        cases.append(case(f"random-{i + 1}", f"random: n={n}, k={k}, stride {stride}, "
                          f"padding {padding}", rng.normal(size=n).round(2),
                          rng.normal(size=k).round(2), stride, padding))
    return cases


def _flipped(case):
    x, w = case.args
    return None if np.allclose(w, w[::-1]) else corr1d(x, w[::-1], **case.kwargs)


def _padding_ignored(case):
    x, w = case.args
    if case.kwargs["padding"] == 0 or len(w) > len(x):
        return None
    return corr1d(x, w, stride=case.kwargs["stride"])


def _padded_on_one_side(where):
    def replay(case):
        x, w = case.args
        stride, p = case.kwargs["stride"], case.kwargs["padding"]
        if p == 0 or len(w) > len(x) + p:
            return None
        parts = [np.zeros(p), x] if where == "front" else [x, np.zeros(p)]
        return corr1d(np.concatenate(parts), w, stride=stride)
    return replay


def _stride_ignored(case):
    x, w = case.args
    if case.kwargs["stride"] == 1:
        return None
    return corr1d(x, w, padding=case.kwargs["padding"])


def _last_window_missing(case):
    y = corr1d(*case.args, **case.kwargs)
    return y[:-1] if len(y) > 1 else None


def _window_count_wrong(case: Case, outcome: Outcome) -> bool:
    x, w = case.args
    n_out = conv_output_size(len(x), len(w), **case.kwargs)
    return outcome.status == "returned" and np.shape(outcome.value) not in ((n_out,), ())


def _short_window(case: Case, outcome: Outcome) -> bool:
    return outcome.status == "raised" and outcome.error.startswith("ValueError") and any(
        word in outcome.error for word in ("align", "broadcast", "mismatch"))


def _index_past_end(case: Case, outcome: Outcome) -> bool:
    return outcome.status == "raised" and outcome.error.startswith("IndexError")


def _corr1d_solution(x, w, stride=1, padding=0):
    x_padded = np.concatenate([np.zeros(padding), x, np.zeros(padding)])
    n_out = (len(x_padded) - len(w)) // stride + 1
    return np.array([w @ x_padded[o * stride:o * stride + len(w)] for o in range(n_out)])


CORR1D = Exercise(
    id="01-corr1d", title="my_corr1d", kind="function", answer_name="my_corr1d", points=4,
    reference=corr1d, cases=_corr1d_cases, arg_names=("x", "w"),
    solution=_corr1d_solution, forbidden=("corr1d", "corr2d", "conv2d_forward"),
    mistakes=(
        Mistake("flipped filter", (
            "your outputs are those of the filter read back to front.",
            "that is true convolution (np.convolve flips the filter). Cross-correlation "
            "slides w as it is: w[0] meets the first cell of each window."), wrong=_flipped),
        Mistake("padding ignored", (
            "your outputs are those of the unpadded input.",
            "put `padding` zeros at EACH end of x first, then slide the filter over the "
            "padded input."), wrong=_padding_ignored),
        Mistake("padded at the front only", (
            "the padding looks one-sided: there are zeros before x but not after it.",
            "padding p puts p zeros at EACH end of x."), wrong=_padded_on_one_side("front")),
        Mistake("padded at the back only", (
            "the padding looks one-sided: there are zeros after x but not before it.",
            "padding p puts p zeros at EACH end of x."), wrong=_padded_on_one_side("back")),
        Mistake("stride ignored", (
            "these are the outputs of stride 1.",
            "shift the window by `stride` cells from one output to the next."),
            wrong=_stride_ignored),
        Mistake("last window missing", (
            "one output is missing at the end: the last window position was not used.",
            "a window starting at n + 2p - k still fits, so count the windows as "
            "floor((n + 2p - k) / stride) + 1.", ), wrong=_last_window_missing),
        Mistake("window count", (
            "the number of outputs is not the number of window positions.",
            "there is one output per position of the window on the padded input: "
            "floor((n + 2p - k) / stride) + 1 of them."), fits=_window_count_wrong),
        Mistake("window one cell short", (
            "a dot product of two different lengths: one of the windows does not have k "
            "entries.",
            "the slice x_padded[start:start + k] holds k entries (Python excludes the end; "
            "the worksheet's x[0:k-1] would hold only k - 1)."), fits=_short_window),
        Mistake("index past the end", (
            "an index ran past the end of the padded input: the loop makes too many windows.",
            "the last window starts at (n_out - 1) * stride, with n_out = "
            "floor((n + 2p - k) / stride) + 1."), fits=_index_past_end),
    ),
)


# --------------------------------------------------------------------------------------------
# 02-dims-1a: a 32 x 32 x 3 image and 5 x 5 x 3 filters


def _hwc(chw: tuple) -> tuple:
    """``(C, H, W)`` -> ``(H, W, C)``: the worksheet writes shapes height x width x channels."""
    c, h, w = chw
    return (h, w, c)


IMAGE = (3, 32, 32)  # the worksheet's 32 x 32 x 3 image, as (C, H, W)


def _dims_1a_answer(part: str):
    """The right answer to a part of Problem 1(a), computed with `c182lib.shapes`."""
    return {
        "i": lambda: _hwc(conv_output_shape(IMAGE, (1, 3, 5, 5))),
        "ii": lambda: _hwc(conv_output_shape(IMAGE, (1, 3, 5, 5), padding=2)),
        "iii-shape": lambda: _hwc(conv_output_shape(IMAGE, (10, 3, 5, 5), padding=2)),
        "iii-weights": lambda: conv_param_count(3, 10, 5, bias=False),
        "iv": lambda: conv_output_shape(IMAGE, (1, 3, 1, 1))[1:],
    }[part]()


def _dims_1a_cases() -> list[Case]:
    def part(name, question, variable):
        return Case(name, question, (name,), answer_name=variable)

    return [
        part("i", "output shape (height, width, channels), one 5x5x3 filter, no padding",
             "answer_i"),
        part("ii", "output shape (height, width, channels) with padding 2", "answer_ii"),
        part("iii-shape", "output shape (height, width, channels), 10 filters, padding 2",
             "answer_iii_shape"),
        part("iii-weights", "number of filter weights of the 10 filters, no biases",
             "answer_iii_weights"),
        part("iv", "spatial dimensions (height, width) after a 1x1 convolution", "answer_iv"),
    ]


_ORDER = ("the numbers look right but in another order.",
          "give the shape as (height, width, channels), the worksheet's order, not PyTorch's "
          "(channels, height, width).")

DIMS_1A = Exercise(
    id="02-dims-1a", title="Problem 1(a)", kind="value", answer_name="answer_i", points=5,
    reference=_dims_1a_answer, cases=_dims_1a_cases, rtol=1e-9,
    mistakes=(
        known_answer("i", (26, 26, 1), "the spatial size is two short.",
               "the worksheet's n - k - 1 is an erratum: a length-n axis and a length-k "
               "filter give n - k + 1 windows."),
        known_answer("i", (27, 27, 1), "the spatial size is one short.",
               "windows start at 0, 1, ..., n - k: count them."),
        known_answer("i", (28, 28, 3), "the channel count is not right.",
               "a 5x5x3 filter covers all 3 input channels and sums over them: one filter "
               "makes ONE output channel."),
        known_answer("i", (32, 32, 1), "the spatial size is not right.",
               "without padding a 5-wide filter cannot be centred on the border pixels: the "
               "output is smaller than the input."),
        known_answer("i", (1, 28, 28), *_ORDER),
        other_answer("i", "count the positions of the filter along each axis, and the filters.",
                   "per spatial axis n - k + 1 windows (stride 1, no padding); one output "
                   "channel per filter."),
        known_answer("ii", (36, 36, 1), "36 is the size of something else here.",
               "36 is the padded input's size; the output counts the positions of the 5x5 "
               "filter on it."),
        known_answer("ii", (34, 34, 1), "the padding is counted on one side only.",
               "padding 2 adds 2 zeros on EACH side: the padded side is n + 2p."),
        known_answer("ii", (30, 30, 1), "the padding is counted on one side only.",
               "padding 2 adds 2 zeros on EACH side: the padded side is n + 2p."),
        known_answer("ii", (28, 28, 1), "that is the answer without padding.",
               "padding adds room for more window positions."),
        known_answer("ii", (32, 32, 3), "the channel count is not right.",
               "one filter still makes one output channel."),
        known_answer("ii", (1, 32, 32), *_ORDER),
        other_answer("ii", "count the positions of the filter on the padded input.",
                   "per spatial axis n + 2p - k + 1 windows (stride 1); one output channel "
                   "per filter."),
        known_answer("iii-shape", (32, 32, 1), "the channel count is not right.",
               "each of the 10 filters makes its own output channel."),
        known_answer("iii-shape", (32, 32, 3), "the channel count is not right.",
               "the number of output channels is the number of filters, not of input "
               "channels."),
        known_answer("iii-shape", (28, 28, 10), "the spatial size is not right.",
               "the padding of 2 is still there."),
        known_answer("iii-shape", (10, 32, 32), *_ORDER),
        other_answer("iii-shape", "the spatial size is as in part ii; think about the channels.",
                   "one output channel per filter."),
        known_answer("iii-weights", 760, "that counts more than the question asks.",
               "the question does not count the 10 biases."),
        known_answer("iii-weights", 75, "that is the count of one filter.",
               "there are 10 filters."),
        known_answer("iii-weights", 250, "each filter has more weights than that.",
               "each filter has 5 * 5 * 3 weights: it spans all 3 input channels."),
        known_answer("iii-weights", 25, "each filter has more weights than that.",
               "each filter has 5 * 5 * 3 weights, and there are 10 filters."),
        other_answer("iii-weights", "count the weights of one filter, then of all of them.",
                   "weights = filters * channels * height * width of a filter."),
        known_answer("iv", (32, 32, 1), "the question asks for fewer numbers.",
               "only the spatial dimensions (height, width) are asked."),
        known_answer("iv", (32, 32, 3), "the question asks for fewer numbers.",
               "only the spatial dimensions (height, width) are asked."),
        known_answer("iv", (32, 32, 4), "the question asks for fewer numbers.",
               "only the spatial dimensions (height, width) are asked, not the channels (4 "
               "is the number of filters in w_1x1)."),
        known_answer("iv", (30, 30), "the size is not right.",
               "a 1x1 kernel fits at every pixel."),
        known_answer("iv", (31, 31), "the size is not right.",
               "a 1x1 kernel fits at every pixel."),
        other_answer("iv", "count the positions of a 1x1 kernel along each axis.",
                   "a 1x1 kernel (stride 1, no padding) fits at n - 1 + 1 positions per axis."),
    ),
)


# --------------------------------------------------------------------------------------------
# 02: written answers


def _written(exercise_id: str, title: str, question: str) -> Exercise:
    """A markdown answer graded by hand (1 point)."""
    return Exercise(id=exercise_id, title=title, kind="written", answer_name="", points=1,
                    question=question)


WHY_I = _written("02-why-i", "Problem 1(a) i: why",
                 "Explain why one 5x5x3 filter on a 32x32x3 image gives a 28x28x1 output.")
WHY_II = _written("02-why-ii", "Problem 1(a) ii: why",
                  "Explain why padding 2 gives a 32x32x1 output, the size of the input.")
WHY_III = _written("02-why-iii", "Problem 1(a) iii: why",
                   "Explain the 32x32x10 output of ten filters and their 750 weights.")
ONE_BY_ONE = _written("02-one-by-one", "Problem 1(a) iv: what a 1x1 convolution does",
                      "Say in words what a 1x1 convolution does to the height, width and "
                      "channels, and what it is used for.")


# --------------------------------------------------------------------------------------------
# 02-output-size


def output_size_case(case_id: str, description: str, n: int, k: int, stride: int = 1,
                     padding: int = 0, dilation: int = 1) -> Case:
    """A case of ``my_output_size(n, k, stride=..., padding=..., dilation=...)``."""
    return Case(case_id, description, (n, k),
                {"stride": stride, "padding": padding, "dilation": dilation})


def random_output_size_settings(rng: np.random.Generator, count: int,
                                max_n: int) -> list[tuple[int, int, int, int, int]]:
    """``count`` random ``(n, k, stride, padding, dilation)`` where the kernel fits."""
    settings = []
    while len(settings) < count:
        n, k = int(rng.integers(1, max_n + 1)), int(rng.integers(1, 8))
        s, p, d = int(rng.integers(1, 5)), int(rng.integers(0, 4)), int(rng.integers(1, 4))
        if n + 2 * p >= d * (k - 1) + 1:
            settings.append((n, k, s, p, d))
    return settings


def _output_size_cases() -> list[Case]:
    case = output_size_case
    cases = [
        case("plain", "stride 1, no padding: n=32, k=5", 32, 5),
        case("pad-same", "padding 2 keeps the size with k=5 (n=32)", 32, 5, padding=2),
        case("one-window", "kernel as long as the input: one output (n=k=7)", 7, 7),
        case("k1", "1 x 1 kernel (n=32, k=1)", 32, 1),
        case("stride2-tiles", "stride 2 that tiles (n=7, k=3)", 7, 3, stride=2),
        case("stride2-no-tile", "stride 2 that does not tile (n=8, k=3): the remainder is "
             "dropped", 8, 3, stride=2),
        case("stride3-pad1", "stride 3 with padding 1 (n=10, k=4)", 10, 4, stride=3,
             padding=1),
        case("stride-gt-k", "stride 4 larger than k=2 (n=11): cells between windows are "
             "skipped", 11, 2, stride=4),
        case("dilation2", "dilation 2: a 3-tap kernel spans 5 cells (n=9)", 9, 3, dilation=2),
        case("dilation3-stride2-pad2", "dilation 3, stride 2, padding 2 (n=11, k=3)", 11, 3,
             stride=2, padding=2, dilation=3),
        case("pad-longer-kernel", "padding makes room for a kernel longer than the input "
             "(n=2, k=4, p=1)", 2, 4, padding=1),
    ]
    rng = np.random.default_rng(SEED)
    for i, setting in enumerate(random_output_size_settings(rng, 6, max_n=39)):
        n, k, s, p, d = setting
        cases.append(case(f"random-{i + 1}", f"random: n={n}, k={k}, stride {s}, padding {p}, "
                          f"dilation {d}", *setting))
    return cases


def conv_size_args(case: Case) -> tuple[int, int, int, int, int]:
    """``(n, k, stride, padding, dilation)`` of a `02-output-size` case."""
    n, k = case.args
    return n, k, case.kwargs["stride"], case.kwargs["padding"], case.kwargs["dilation"]


def size_formula(rounding: Callable[[float], float] = math.floor,
                 span: Callable[[int, int], int] = lambda k, d: d * (k - 1) + 1,
                 pads: int = 2, plus: int = 1, strided: bool = True,
                 args: Callable[[Case], tuple] = conv_size_args) -> Callable[[Case], object]:
    """The size rule floor((n + 2p - span) / s) + 1 with one of its parts changed: the
    rounding, the kernel's span, how often the padding counts, the ``+ 1``, or the stride
    left out. ``args`` reads ``(n, k, stride, padding, dilation)`` from a case: pooling's
    output size is this rule with dilation 1 (`c182lib.exercises.pool` passes its own)."""
    def wrong(case):
        n, k, s, p, d = args(case)
        return rounding((n + pads * p - span(k, d)) / (s if strided else 1)) + plus
    return wrong


def _size_erratum(case):
    n, k = case.args
    plain = (case.kwargs["stride"], case.kwargs["padding"], case.kwargs["dilation"]) == (1, 0, 1)
    return n - k - 1 if plain else None


def _output_size_solution(n, k, stride=1, padding=0, dilation=1):
    return (n + 2 * padding - dilation * (k - 1) - 1) // stride + 1


OUTPUT_SIZE = Exercise(
    id="02-output-size", title="my_output_size", kind="function", answer_name="my_output_size",
    points=2, reference=conv_output_size, cases=_output_size_cases, arg_names=("n", "k"),
    solution=_output_size_solution, forbidden=("conv_output_size", "conv_output_shape"),
    mistakes=(
        Mistake("worksheet erratum", (
            "two windows short, even with stride 1, no padding and no dilation.",
            "the worksheet's n - k - 1 is an erratum: windows start at 0, 1, ..., n - k, so "
            "there are n - k + 1 of them."), wrong=_size_erratum),
        Mistake("rounded up", (
            "one window too many where the stride does not tile: a window that sticks out "
            "past the edge was counted.",
            "a stride that does not tile the input drops the remainder: round DOWN (floor, or "
            "integer division //), not up."), wrong=size_formula(math.ceil)),
        Mistake("not rounded", (
            "the count is not a whole number: it should count whole windows.",
            "the output is a whole number of windows: use floor (//), not plain division."),
            wrong=size_formula(lambda v: v)),
        Mistake("first window not counted", (
            "one window short: the first window is not in your count.",
            "count the windows, including the first at position 0: floor(...) + 1."),
            wrong=size_formula(plus=0)),
        Mistake("padding at one end", (
            "the padding is counted at one end of the axis only.",
            "padding p adds p zeros at EACH end: the padded length is n + 2p."),
            wrong=size_formula(pads=1)),
        Mistake("padding ignored", (
            "the padding is missing from your count.",
            "the kernel slides over the PADDED input, of length n + 2p."),
            wrong=size_formula(pads=0)),
        Mistake("stride ignored", (
            "these are the counts of a window moving one cell at a time.",
            "the window moves `stride` cells at a time: divide the free room by the stride "
            "and round down."), wrong=size_formula(strided=False)),
        Mistake("dilation ignored", (
            "the dilated kernel is counted as if its taps had no gaps.",
            "a kernel with dilation d spans d(k - 1) + 1 cells, not k."),
            wrong=size_formula(span=lambda k, d: k)),
        Mistake("dilated span too long", (
            "the dilated kernel is counted one cell too wide or more: its span is off.",
            "a kernel with dilation d spans d(k - 1) + 1 cells, not d * k."),
            wrong=size_formula(span=lambda k, d: d * k)),
    ),
)


# --------------------------------------------------------------------------------------------
# 03-conv-matrix-1d: the matrix acting on the padded input (Problem 2)


def conv_matrix_reference(n, w, stride=1, padding=0):
    """The matrix ``W``, shape (n_out, n + 2 * padding), with
    ``W @ x_bar == corr1d(x, w, stride, padding)`` for ``x_bar`` the padded ``x``."""
    return conv_matrix_1d(n, w, stride=stride, padding=padding, on_padded=True)


def conv_matrix_case(case_id: str, description: str, n: int, w, stride: int = 1,
                     padding: int = 0) -> Case:
    """A case of ``my_conv_matrix_1d(n, w, stride=..., padding=...)``."""
    return Case(case_id, description, (n, np.asarray(w, dtype=float)),
                {"stride": stride, "padding": padding})


def _conv_matrix_cases() -> list[Case]:
    case = conv_matrix_case
    cases = [
        case("problem2", "Problem 2: n=4, k=3, padding 1 (4 x 6, acting on x_bar)", 4,
             [1, 2, 3], padding=1),
        case("no-padding", "no padding: n=4, k=3 (2 x 4)", 4, [1, 2, 3]),
        case("k1", "k=1: a scaled identity (n=3)", 3, [5]),
        case("one-window", "filter as long as the input: one row (n=k=4)", 4, [2, -1, 3, 1]),
        case("pad2", "padding 2, n=3, k=2 (6 x 7)", 3, [2, -1], padding=2),
        case("stride2-pad1", "stride 2 with padding 1 (n=5, k=3)", 5, [1, -2, 4], stride=2,
             padding=1),
        case("stride2-no-tile", "stride 2 that does not tile (n=6, k=3): the last column is "
             "never used", 6, [3, 1, -1], stride=2),
        case("stride-gt-k", "stride 3 larger than k=2 (n=8): columns between windows are 0",
             8, [2, -1], stride=3),
    ]
    rng = np.random.default_rng(SEED)
    for i, (n, k, stride, padding) in enumerate(random_settings(rng, 3, max_n=8)):
        cases.append(case(f"random-{i + 1}", f"random: n={n}, k={k}, stride {stride}, "
                          f"padding {padding}", n, rng.normal(size=k).round(2), stride,
                          padding))
    return cases


def _matrix_flipped(case):
    n, w = case.args
    return None if np.allclose(w, w[::-1]) else conv_matrix_reference(n, w[::-1], **case.kwargs)


def _matrix_transposed(case):
    return conv_matrix_reference(*case.args, **case.kwargs).T


def _matrix_on_unpadded(case):
    if case.kwargs["padding"] == 0:
        return None
    return conv_matrix_1d(*case.args, **case.kwargs, on_padded=False)


def _matrix_stride_ignored(case):
    if case.kwargs["stride"] == 1:
        return None
    return conv_matrix_reference(*case.args, padding=case.kwargs["padding"])


def _matrix_shape_wrong(case: Case, outcome: Outcome) -> bool:
    n, w = case.args
    stride, padding = case.kwargs["stride"], case.kwargs["padding"]
    expected = (conv_output_size(n, len(w), stride, padding), n + 2 * padding)
    return (outcome.status == "returned" and isinstance(outcome.value, (np.ndarray, list, tuple))
            and np.shape(outcome.value) != expected)


def _conv_matrix_solution(n, w, stride=1, padding=0):
    n_padded = n + 2 * padding
    matrix = np.zeros(((n_padded - len(w)) // stride + 1, n_padded))
    for o in range(len(matrix)):
        matrix[o, o * stride:o * stride + len(w)] = w
    return matrix


CONV_MATRIX_1D = Exercise(
    id="03-conv-matrix-1d", title="my_conv_matrix_1d", kind="function",
    answer_name="my_conv_matrix_1d", points=3, reference=conv_matrix_reference,
    cases=_conv_matrix_cases, arg_names=("n", "w"),
    solution=_conv_matrix_solution, forbidden=("conv_matrix_1d", "conv_matrix_2d"),
    mistakes=(
        Mistake("flipped filter", (
            "each row holds the filter read back to front.",
            "that is the matrix of true convolution. For cross-correlation row o holds "
            "w[0], ..., w[k-1] in order, starting at column o * stride."), wrong=_matrix_flipped),
        Mistake("transposed", (
            "rows and columns are swapped: this is the transpose of W.",
            "W has one ROW per output and one COLUMN per entry of x_bar."),
            wrong=_matrix_transposed),
        Mistake("acts on the unpadded input", (
            "the columns that multiply the padding zeros are missing.",
            "this matrix acts on x; the exercise asks for the matrix acting on the padded "
            "x_bar, which keeps the 2p columns that multiply the padding zeros."),
            wrong=_matrix_on_unpadded),
        Mistake("stride ignored", (
            "these are the rows of stride 1.",
            "row o starts at column o * stride."), wrong=_matrix_stride_ignored),
        Mistake("shape", (
            "W does not have one row per output and one column per entry of the padded input.",
            "W is (n_out, n + 2p), with n_out = floor((n + 2p - k) / stride) + 1."),
            fits=_matrix_shape_wrong),
    ),
)


# --------------------------------------------------------------------------------------------
# 03: written answer

WHY_MATRIX = _written("03-why-matrix", "Problem 2: why W looks like this",
                      "Write W for a symbolic filter (w1, w2, w3) and say why row o holds the "
                      "filter starting in column o.")

EXERCISES = (CORR1D, DIMS_1A, WHY_I, WHY_II, WHY_III, ONE_BY_ONE, OUTPUT_SIZE, CONV_MATRIX_1D,
             WHY_MATRIX)
