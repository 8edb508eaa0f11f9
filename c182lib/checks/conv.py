"""Self-checks for the convolution notebooks (01-03).

One check per exercise:

- `check_corr1d`: the student's ``my_corr1d(x, w, stride=1, padding=0)`` (notebook 01).
- `check_output_size`: ``my_output_size(n, k, stride=1, padding=0, dilation=1)`` (notebook 02).
- `check_dims_1a`: the written answers of Problem 1(a) i-iv (notebook 02).
- `check_conv_matrix_1d`: ``my_conv_matrix_1d(n, w, stride=1, padding=0)``, the matrix acting
  on the padded input (notebook 03, Problem 2).

Each prints ``PASS``, ``FAIL`` (the case, then what differs: shape, entries, relative error) or
``TODO`` (the stub still raises ``NotImplementedError``) and returns a bool; none raises on a
student's answer. After a ``FAIL``, a ``hint:`` line names the classic mistake when the student's
result on the failing case is exactly what that mistake produces (a flipped filter, padding or
stride ignored, a window one cell short, the last window missing, ...). References come from
`c182lib.conv` and `c182lib.shapes`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator

import numpy as np

from c182lib.checks._core import SEED, Case, Suspect, check_function, check_part, shape_of
from c182lib.conv import conv_matrix_1d, corr1d
from c182lib.shapes import conv_output_shape, conv_output_size, conv_param_count

__all__ = ["DIMS_1A_PARTS", "check_conv_matrix_1d", "check_corr1d", "check_dims_1a",
           "check_output_size"]


# --------------------------------------------------------------------------------------------
# 1-D cross-correlation (notebook 01)
# --------------------------------------------------------------------------------------------

def _random_settings(rng: np.random.Generator, count: int,
                     max_n: int) -> Iterator[tuple[int, int, int, int]]:
    """``count`` random ``(n, k, stride, padding)`` with 2 <= n <= max_n and 2 <= k <= n + 2p.

    A generator: the caller may draw the case's values from ``rng`` between two settings.
    """
    for _ in range(count):
        n = int(rng.integers(2, max_n + 1))
        padding = int(rng.integers(0, 3))
        k = int(rng.integers(2, n + 2 * padding + 1))
        yield n, k, int(rng.integers(1, 4)), padding


def _corr1d_cases() -> list[Case]:
    def case(description, x, w, stride=1, padding=0):
        return Case(description, (np.asarray(x, dtype=float), np.asarray(w, dtype=float)),
                    {"stride": stride, "padding": padding})

    cases = [
        case("stride 1, no padding (n=5, k=3)", [1, 3, -2, 4, 0.5], [2, -1, 0.5]),
        case("filter as long as the input: one window (n=k=4)", [2, -1, 3, 1], [1, 2, 0, -1]),
        case("k=1: each entry times w[0] (n=4)", [1, -2, 3, 0.5], [3]),
        case("padding 1: one zero at each end (n=4, k=3, as in Problem 2)",
             [1, 2, 3, 4], [1, -2, 3], padding=1),
        case("padding 2 with k=3: output longer than the input (n=3)", [2, -1, 4], [1, 3, -2],
             padding=2),
        case("stride 2 that tiles the input (n=7, k=3)", [1, -1, 2, 0, 3, -2, 1], [2, 1, -1],
             stride=2),
        case("stride 2 that does not tile (n=8, k=3): the last cell is dropped",
             [1, 2, -1, 3, 0, 2, -2, 5], [1, 0, -2], stride=2),
        case("stride 3 with padding 1 (n=9, k=3): does not tile",
             [3, 1, -2, 0, 4, 1, -1, 2, 2], [-1, 2, 1], stride=3, padding=1),
        case("stride 3 larger than k=2: cells between windows are skipped (n=10)",
             np.arange(1, 11), [2, -1], stride=3),
        case("stride 2 and padding 2 (n=6, k=5)", [1, -3, 2, 2, 0, 1], [1, 2, -1, 0, 3],
             stride=2, padding=2),
    ]
    rng = np.random.default_rng(SEED)
    for n, k, stride, padding in _random_settings(rng, 4, max_n=12):
        cases.append(case(f"random: n={n}, k={k}, stride {stride}, padding {padding}",
                          rng.normal(size=n).round(2), rng.normal(size=k).round(2),
                          stride, padding))
    return cases


def _corr1d_suspects() -> list[Suspect]:
    def flipped(case):
        x, w = case.args
        return None if np.allclose(w, w[::-1]) else corr1d(x, w[::-1], **case.kwargs)

    def padding_ignored(case):
        x, w = case.args
        s, p = case.kwargs["stride"], case.kwargs["padding"]
        if p == 0 or len(w) > len(x):
            return None
        return corr1d(x, w, stride=s)

    def one_side(where):
        def padded_once(case):
            x, w = case.args
            s, p = case.kwargs["stride"], case.kwargs["padding"]
            if p == 0 or len(w) > len(x) + p:
                return None
            parts = [np.zeros(p), x] if where == "front" else [x, np.zeros(p)]
            return corr1d(np.concatenate(parts), w, stride=s)
        return padded_once

    def stride_ignored(case):
        x, w = case.args
        s, p = case.kwargs["stride"], case.kwargs["padding"]
        return None if s == 1 else corr1d(x, w, padding=p)

    def last_window_missing(case):
        y = corr1d(*case.args, **case.kwargs)
        return y[:-1] if len(y) > 1 else None

    return [
        ("your output is the true convolution (the filter flipped, as np.convolve does). "
         "Cross-correlation slides w as it is: y[o] = sum_j w[j] * x_padded[o*stride + j].",
         flipped),
        ("the padding seems to be ignored: put `padding` zeros at EACH end of x, then slide.",
         padding_ignored),
        ("zeros were added at the front only: padding p puts p zeros at EACH end.",
         one_side("front")),
        ("zeros were added at the back only: padding p puts p zeros at EACH end.",
         one_side("back")),
        ("these are the stride-1 outputs: shift the window by `stride` cells per output.",
         stride_ignored),
        ("the last window is missing: a window starting at n + 2p - k still fits, so there are "
         "floor((n + 2p - k) / stride) + 1 windows, not one fewer.", last_window_missing),
    ]


def _length_hint(case: Case, got) -> str | None:
    x, w = case.args
    s, p = case.kwargs["stride"], case.kwargs["padding"]
    n_out = conv_output_size(len(x), len(w), s, p)
    shape = shape_of(got)
    if shape == (n_out,):
        return None
    if shape is None or len(shape) != 1:
        single_number = isinstance(got, (int, float, np.number))
        yours = ", not a single number" if single_number else (
            f", not {shape}" if isinstance(got, (list, tuple, np.ndarray)) else "")
        return (f"return a 1-D array of outputs, one per window position: shape ({n_out},) "
                f"here{yours}.")
    return (f"for n={len(x)}, k={len(w)}, stride {s}, padding {p} there are "
            f"floor((n + 2p - k) / s) + 1 = {n_out} windows; you returned {shape[0]} "
            f"value{'' if shape[0] == 1 else 's'}.")


def _corr1d_error_hint(case: Case, err: Exception) -> str | None:
    message = str(err)
    if isinstance(err, ValueError) and re.search(r"align|broadcast|mismatch", message):
        return ("a shape mismatch in a dot product usually means a window with the wrong number "
                "of entries: the slice x_padded[start:start + k] holds k entries (Python "
                "excludes the end; the worksheet's x[0:k-1] would hold only k - 1).")
    if isinstance(err, IndexError):
        return ("an index ran past the end of the padded input: the last window starts at "
                "(n_out - 1) * stride, with n_out = floor((n + 2p - k) / stride) + 1.")
    return None


def check_corr1d(student: Callable) -> bool:
    """Check ``student(x, w, stride=1, padding=0)`` against `c182lib.conv.corr1d`.

    Cases: stride 1 without padding, a filter as long as the input, k = 1, padding 1 and 2,
    strides that tile and that do not tile the input, a stride larger than the filter, and
    four seeded random settings. Every filter is asymmetric, so a flipped filter (true
    convolution) is caught.

    Parameters
    ----------
    student : callable
        ``student(x, w, stride=..., padding=...)`` with ``x`` of shape (n,) and ``w`` of shape
        (k,) (float arrays), returning the (n_out,) outputs.

    Returns
    -------
    bool
        True when every case matches (``PASS`` printed).
    """
    return check_function("my_corr1d", student, corr1d, _corr1d_cases(),
                          suspects=_corr1d_suspects(), on_error=_corr1d_error_hint,
                          fallback=_length_hint)


# --------------------------------------------------------------------------------------------
# Output size (notebook 02)
# --------------------------------------------------------------------------------------------

def _output_size_cases() -> list[Case]:
    def case(description, n, k, stride=1, padding=0, dilation=1):
        return Case(description, (n, k),
                    {"stride": stride, "padding": padding, "dilation": dilation})

    cases = [
        case("stride 1, no padding: n - k + 1 (n=32, k=5)", 32, 5),
        case("padding 2 keeps the size with k=5 (n=32)", 32, 5, padding=2),
        case("kernel as long as the input: one output (n=k=7)", 7, 7),
        case("1 x 1 kernel (n=32, k=1)", 32, 1),
        case("stride 2 that tiles (n=7, k=3)", 7, 3, stride=2),
        case("stride 2 that does not tile (n=8, k=3): floor drops the remainder", 8, 3,
             stride=2),
        case("stride 3 with padding 1 (n=10, k=4)", 10, 4, stride=3, padding=1),
        case("dilation 2: a 3-tap kernel spans 5 cells (n=9)", 9, 3, dilation=2),
        case("dilation 3, stride 2, padding 2 (n=11, k=3)", 11, 3, stride=2, padding=2,
             dilation=3),
        case("padding makes room for a kernel longer than the input (n=2, k=4, p=1)", 2, 4,
             padding=1),
    ]
    rng = np.random.default_rng(SEED)
    while len(cases) < 16:
        n, k = int(rng.integers(1, 40)), int(rng.integers(1, 8))
        s, p, d = int(rng.integers(1, 5)), int(rng.integers(0, 4)), int(rng.integers(1, 4))
        if n + 2 * p >= d * (k - 1) + 1:
            cases.append(case(f"random: n={n}, k={k}, stride {s}, padding {p}, dilation {d}",
                              n, k, s, p, d))
    return cases


def _output_size_suspects() -> list[Suspect]:
    def formula(rounding, span_of=lambda k, d: d * (k - 1) + 1, pads=2, plus=1):
        def wrong(case):
            n, k = case.args
            s, p, d = (case.kwargs[key] for key in ("stride", "padding", "dilation"))
            return rounding((n + pads * p - span_of(k, d)) / s) + plus
        return wrong

    def padding_ignored(case):
        return None if case.kwargs["padding"] == 0 else formula(math.floor, pads=0)(case)

    def erratum(case):
        n, k = case.args
        plain = all(case.kwargs[key] == default
                    for key, default in (("stride", 1), ("padding", 0), ("dilation", 1)))
        return n - k - 1 if plain else None

    return [
        ("the worksheet's n - k - 1 is an erratum: windows start at 0, 1, ..., n - k, so there "
         "are n - k + 1 of them.", erratum),
        ("a stride that does not tile the input drops the remainder: round DOWN (floor, or "
         "integer division //), not up.", formula(math.ceil)),
        ("the output should be a whole number of windows: use floor (//), not plain division.",
         formula(lambda v: v)),
        ("count the windows, including the first at position 0: floor(...) + 1.",
         formula(math.floor, plus=0)),
        ("padding p adds p zeros at EACH end: the padded length is n + 2p.",
         formula(math.floor, pads=1)),
        ("the padding is missing from your count: the kernel slides over the PADDED input, "
         "of length n + 2p.", padding_ignored),
        ("a kernel with dilation d spans d(k - 1) + 1 cells, not k.",
         formula(math.floor, span_of=lambda k, d: k)),
        ("a kernel with dilation d spans d(k - 1) + 1 cells, not d * k.",
         formula(math.floor, span_of=lambda k, d: d * k)),
    ]


def check_output_size(student: Callable) -> bool:
    """Check ``student(n, k, stride=1, padding=0, dilation=1)`` against `conv_output_size`.

    Cases: the stride-1 rule ``n - k + 1``, padding that keeps the size, a kernel as long as the
    input, a 1 x 1 kernel, strides that tile and that do not tile, dilation alone and with
    stride and padding, and seeded random settings.

    Parameters
    ----------
    student : callable
        ``student(n, k, stride=..., padding=..., dilation=...)`` returning an int.

    Returns
    -------
    bool
        True when every case matches (``PASS`` printed).
    """
    return check_function("my_output_size", student, conv_output_size, _output_size_cases(),
                          suspects=_output_size_suspects())


# --------------------------------------------------------------------------------------------
# Problem 1(a): the dimension answers (notebook 02)
# --------------------------------------------------------------------------------------------

def _hwc(chw: tuple) -> tuple:
    """``(C, H, W)`` -> ``(H, W, C)``: the worksheet writes shapes height x width x channels."""
    c, h, w = chw
    return (h, w, c)


def _dims_1a_expected() -> dict[str, tuple[str, object]]:
    """Each part's (question, expected answer), computed with `c182lib.shapes`."""
    image = (3, 32, 32)  # the worksheet's 32 x 32 x 3 image, as (C, H, W)
    return {
        "i": ("output shape (height, width, channels), one 5x5x3 filter, no padding",
              _hwc(conv_output_shape(image, (1, 3, 5, 5)))),
        "ii": ("output shape (height, width, channels) with padding 2",
               _hwc(conv_output_shape(image, (1, 3, 5, 5), padding=2))),
        "iii-shape": ("output shape (height, width, channels), 10 filters, padding 2",
                      _hwc(conv_output_shape(image, (10, 3, 5, 5), padding=2))),
        "iii-weights": ("number of filter weights of the 10 filters, no biases",
                        conv_param_count(3, 10, 5, bias=False)),
        "iv": ("spatial dimensions (height, width) after a 1x1 convolution",
               conv_output_shape(image, (1, 3, 1, 1))[1:]),
    }


DIMS_1A_PARTS = tuple(_dims_1a_expected())

_ORDER_HINT = ("give the shape as (height, width, channels), the worksheet's order, not "
               "PyTorch's (channels, height, width).")
# part -> (known wrong answer -> hint, the hint for any other wrong answer)
_DIMS_1A_HINTS = {
    "i": ({
        (26, 26, 1): "the worksheet's n - k - 1 is an erratum: a length-n axis and a length-k "
                     "filter give n - k + 1 windows.",
        (27, 27, 1): "n - k undercounts by one: windows start at 0, 1, ..., n - k.",
        (28, 28, 3): "a 5x5x3 filter covers all 3 input channels and sums over them: one "
                     "filter makes ONE output channel.",
        (32, 32, 1): "without padding a 5-wide filter cannot be centred on the border pixels: "
                     "the output is smaller than the input.",
        (1, 28, 28): _ORDER_HINT,
    }, "per spatial axis n - k + 1 windows (stride 1, no padding); one output channel per "
       "filter."),
    "ii": ({
        (36, 36, 1): "36 is the padded input's size; the output counts the positions of the "
                     "5x5 filter on it.",
        (34, 34, 1): "padding 2 adds 2 zeros on EACH side: the padded side is n + 2p.",
        (30, 30, 1): "padding 2 adds 2 zeros on EACH side: the padded side is n + 2p.",
        (28, 28, 1): "that is the unpadded answer: padding adds room for more windows.",
        (32, 32, 3): "one filter still makes one output channel.",
        (1, 32, 32): _ORDER_HINT,
    }, "per spatial axis n + 2p - k + 1 windows (stride 1); one output channel per filter."),
    "iii-shape": ({
        (32, 32, 1): "each of the 10 filters makes its own output channel.",
        (32, 32, 3): "the number of output channels is the number of filters, not of input "
                     "channels.",
        (28, 28, 10): "the padding of 2 is still there.",
        (10, 32, 32): _ORDER_HINT,
    }, "spatial size as in part ii; one output channel per filter."),
    "iii-weights": ({
        760: "the question does not count the 10 biases.",
        75: "that is one filter; there are 10.",
        250: "each filter has 5 * 5 * 3 weights: it spans all 3 input channels.",
        25: "each filter has 5 * 5 * 3 weights, and there are 10 filters.",
    }, "weights = filters * channels * height * width of a filter."),
    "iv": ({
        (32, 32, 1): "only the spatial dimensions (height, width) are asked.",
        (32, 32, 3): "only the spatial dimensions (height, width) are asked.",
        (30, 30): "a 1x1 kernel fits at every pixel: n - 1 + 1 positions per axis.",
        (31, 31): "a 1x1 kernel fits at every pixel: n - 1 + 1 positions per axis.",
        (32, 32, 4): "read the question again: only the spatial dimensions (height, width) are "
                     "asked, not the channels (4 is the number of filters in w_1x1).",
    }, "a 1x1 kernel (stride 1, no padding) fits at n - 1 + 1 positions per axis."),
}


def check_dims_1a(part: str, answer) -> bool:
    """Check a written answer of Problem 1(a) (a 32 x 32 x 3 image, 5 x 5 x 3 filters).

    Shapes are ``(height, width, channels)``, the worksheet's order; the expected values are
    computed with `c182lib.shapes`. A known wrong answer gets a specific hint (e.g. the
    worksheet's ``n - k - 1`` erratum, channels in PyTorch's order, biases counted).

    Parameters
    ----------
    part : {"i", "ii", "iii-shape", "iii-weights", "iv"}
        Which question: i, ii and iii-shape ask for an output shape ``(H, W, C)``,
        iii-weights for the number of filter weights (no biases), iv for the spatial
        dimensions ``(H, W)`` after a 1 x 1 convolution.
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
    parts = {name: (question, value, *_DIMS_1A_HINTS[name])
             for name, (question, value) in _dims_1a_expected().items()}
    return check_part("Problem 1(a)", parts, part, answer)


# --------------------------------------------------------------------------------------------
# The convolution matrix on the padded input (notebook 03)
# --------------------------------------------------------------------------------------------

def _conv_matrix_reference(n, w, stride=1, padding=0):
    return conv_matrix_1d(n, w, stride=stride, padding=padding, on_padded=True)


def _conv_matrix_cases() -> list[Case]:
    def case(description, n, w, stride=1, padding=0):
        return Case(description, (n, np.asarray(w, dtype=float)),
                    {"stride": stride, "padding": padding})

    cases = [
        case("Problem 2: n=4, k=3, padding 1 (4 x 6, acting on x_bar)", 4, [1, 2, 3],
             padding=1),
        case("no padding: n=4, k=3 (2 x 4)", 4, [1, 2, 3]),
        case("k=1: a scaled identity (n=3)", 3, [5]),
        case("padding 2, n=3, k=2 (6 x 7)", 3, [2, -1], padding=2),
        case("stride 2 with padding 1 (n=5, k=3)", 5, [1, -2, 4], stride=2, padding=1),
        case("stride 2 that does not tile (n=6, k=3): the last column is never used", 6,
             [3, 1, -1], stride=2),
    ]
    rng = np.random.default_rng(SEED)
    for n, k, stride, padding in _random_settings(rng, 3, max_n=8):
        cases.append(case(f"random: n={n}, k={k}, stride {stride}, padding {padding}", n,
                          rng.normal(size=k).round(2), stride, padding))
    return cases


def _conv_matrix_suspects() -> list[Suspect]:
    def flipped(case):
        n, w = case.args
        if np.allclose(w, w[::-1]):
            return None
        return conv_matrix_1d(n, w[::-1], **case.kwargs, on_padded=True)

    def transposed(case):
        return conv_matrix_1d(*case.args, **case.kwargs, on_padded=True).T

    def on_unpadded(case):
        if case.kwargs["padding"] == 0:
            return None
        return conv_matrix_1d(*case.args, **case.kwargs, on_padded=False)

    def stride_ignored(case):
        if case.kwargs["stride"] == 1:
            return None
        return conv_matrix_1d(*case.args, padding=case.kwargs["padding"], on_padded=True)

    return [
        ("the rows hold the flipped filter (true convolution). For cross-correlation row o "
         "holds w[0], ..., w[k-1] in order, starting at column o * stride.", flipped),
        ("this is W transposed: W has one ROW per output and one COLUMN per entry of x_bar.",
         transposed),
        ("this matrix acts on x; the exercise asks for the matrix acting on the padded x_bar, "
         "which keeps the 2p columns that multiply the padding zeros.", on_unpadded),
        ("these are the stride-1 rows: row o starts at column o * stride.", stride_ignored),
    ]


def _matrix_shape_hint(case: Case, got) -> str | None:
    n, w = case.args
    s, p = case.kwargs["stride"], case.kwargs["padding"]
    expected = (conv_output_size(n, len(w), s, p), n + 2 * p)
    if shape_of(got) == expected:
        return None
    return (f"W must be (n_out, n + 2p) = {expected} for n={n}, k={len(w)}, stride {s}, "
            f"padding {p}: one row per output, one column per entry of x_bar.")


def check_conv_matrix_1d(student: Callable) -> bool:
    """Check ``student(n, w, stride=1, padding=0)``: the matrix ``W`` with
    ``W @ x_bar == corr1d(x, w, stride, padding)``, acting on the padded input ``x_bar``.

    The reference is ``c182lib.conv.conv_matrix_1d(n, w, stride, padding, on_padded=True)``
    (shape ``(n_out, n + 2 * padding)``). Cases: the worksheet's 4 x 6 matrix, no padding,
    k = 1, padding 2, strides that tile and that do not, and seeded random settings.

    Parameters
    ----------
    student : callable
        ``student(n, w, stride=..., padding=...)`` with ``n`` an int and ``w`` of shape (k,),
        returning an array of shape (n_out, n + 2 * padding).

    Returns
    -------
    bool
        True when every case matches (``PASS`` printed).
    """
    return check_function("my_conv_matrix_1d", student, _conv_matrix_reference,
                          _conv_matrix_cases(), label="W", suspects=_conv_matrix_suspects(),
                          fallback=_matrix_shape_hint)
