"""Self-checks for the RNN notebooks (09-11).

One check per exercise:

- `check_problem_shapes`: the predicted output shapes of the four problem types, of the hidden
  states, and the parameter count (notebook 09).
- `check_clip_grad_norm`: ``my_clip_grad_norm(grads, max_norm)`` (notebook 10).
- `check_vanilla_rnn`: the class ``MyVanillaRNN(input_size, hidden_size, output_size,
  seed=None)`` with ``forward(x)`` (one step) and ``reset_state()`` (notebook 11).
- `check_rnn_step_backward`: ``my_rnn_step_backward(dh, cache)`` (notebook 11).

Each prints ``PASS``, ``FAIL`` (the case, then what differs: shape, entries, relative error, the
gradient or step that is wrong) or ``TODO`` (the stub still raises ``NotImplementedError``) and
returns a bool; none raises on a student's answer. After a ``FAIL``, a ``hint:`` line names the
classic mistake when the student's result is exactly what that mistake produces (the forgotten
``1 - h**2``, the output read from ``h_{t-1}``, a hidden state never reset, elementwise clipping,
...). References come from `c182lib.rnn`.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

import numpy as np

from c182lib._validate import as_int
from c182lib.checks._core import (
    FAIL,
    NOT_IMPLEMENTED,
    PASS,
    SEED,
    TODO,
    Case,
    Suspect,
    check_function,
    describe_difference,
    describe_exception,
    matches,
    report,
    shape_of,
)
from c182lib.rnn import (
    VanillaRNN,
    clip_grad_norm,
    global_norm,
    many_to_many,
    many_to_one,
    one_to_many,
    one_to_one,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
)

__all__ = ["PROBLEM_SHAPE_PARTS", "check_clip_grad_norm", "check_problem_shapes",
           "check_rnn_step_backward", "check_vanilla_rnn"]


# --------------------------------------------------------------------------------------------
# Problem types: output shapes and the parameter count (notebook 09)
# --------------------------------------------------------------------------------------------

# Each shape part: (question, its shape in symbols). The symbols are the keyword arguments of
# `check_problem_shapes`.
_SHAPE_PARTS = {
    "one-to-one": ("shape of one_to_one(x) for x of shape (N, D)", ("N", "O")),
    "one-to-many": ("shape of one_to_many(x, steps) for x of shape (N, D), with a generator "
                    "VanillaRNN(D, H, D)", ("N", "steps", "D")),
    "many-to-one": ("shape of many_to_one(x) for x of shape (N, T, D)", ("N", "O")),
    "many-to-many": ("shape of many_to_many(x) for x of shape (N, T, D)", ("N", "T", "O")),
    "hidden states": ("shape of the hidden states h that rnn_forward returns for x of shape "
                      "(N, T, D)", ("N", "T", "H")),
}
PROBLEM_SHAPE_PARTS = (*_SHAPE_PARTS, "parameters")


def _expected_shapes(sizes: Mapping[str, int]) -> dict[str, object]:
    """Every part's answer, computed by running `c182lib.rnn` with these sizes."""
    n, t, d, h, o = (sizes[k] for k in ("N", "T", "D", "H", "O"))
    params = VanillaRNN(d, h, o, seed=0).parameters()
    generator = VanillaRNN(d, h, d, seed=0).parameters()
    x_one, x_seq = np.zeros((n, d)), np.zeros((n, t, d))
    hidden, _ = rnn_forward(x_seq, None, params["W_xh"], params["W_hh"], params["b_h"])
    return {
        "one-to-one": one_to_one(x_one, **params).shape,
        "one-to-many": one_to_many(x_one, sizes["steps"], **generator).shape,
        "many-to-one": many_to_one(x_seq, **params).shape,
        "many-to-many": many_to_many(x_seq, **params).shape,
        "hidden states": hidden.shape,
        "parameters": sum(p.size for p in params.values()),
    }


def _shape_mistakes(part: str, sizes: Mapping[str, int]) -> list[tuple[tuple[int, ...], str]]:
    """Wrong shapes that a classic mistake gives for ``part`` with these ``sizes``, with the
    hint; the first that matches an answer is the likelier mistake."""
    right = _SHAPE_PARTS[part][1]
    mistakes = []
    if part == "hidden states":
        mistakes.append((("N", "T+1", "H"), "h_0 is the starting state you pass in (h0), not an "
                                            "output: rnn_forward returns h_1, ..., h_T, one "
                                            "hidden state per input step."))
    mistakes.append((right[1:], "keep the batch axis: one row per sequence, so the shape "
                                "starts with N."))
    if len(right) == 3:
        mistakes.append(((right[1], right[0], right[2]),
                         "c182lib is batch first, like PyTorch with batch_first=True: "
                         "(N, time, features)."))
    swaps = {
        "O": [("H", "y comes out of the output layer W_hy (O, H): O numbers per step, not H."),
              ("D", "y has the output size O; D is the size of an input.")],
        "H": [("O", "a hidden state h_t has H entries; O is the size of an output y_t."),
              ("D", "a hidden state h_t has H entries; D is the size of an input x_t.")],
        "D": [("O", "the generator feeds each output back as the next input, so its outputs "
                    "have D entries (it is a VanillaRNN(D, H, D))."),
              ("H", "the outputs have D entries (the generator is a VanillaRNN(D, H, D)); H "
                    "is the size of its hidden state.")],
        "steps": [("T", "one_to_many makes `steps` outputs; T is the length of the input "
                        "sequences of the other problem types.")],
        "T": [("steps", "one output per input step: T of them (`steps` belongs to "
                        "one-to-many).")],
    }
    for i, symbol in enumerate(right):
        for other, hint in swaps.get(symbol, []):
            mistakes.append((right[:i] + (other,) + right[i + 1:], hint))
    if part == "many-to-one":
        mistakes.append((("N", "T", "O"), "many-to-one keeps only the last output y_T: no "
                                          "time axis."))
    if part == "one-to-one":
        mistakes.append((("N", "T", "O"), "one input, one output: there is no time axis."))
    if part in ("one-to-many", "many-to-many"):
        mistakes.append(((right[0], right[2]), "a sequence comes out: one output per step, "
                                               "so there is a time axis."))
    numbers = dict(sizes, **{"T+1": sizes["T"] + 1})
    return [(tuple(numbers[s] for s in shape), hint) for shape, hint in mistakes]


def _parameter_mistakes(sizes: Mapping[str, int], right: int) -> list[tuple[int, str]]:
    """Wrong parameter counts that a classic mistake gives, with the hint; ``right`` is the
    true count."""
    n_steps, d, h, o = (sizes[k] for k in ("T", "D", "H", "O"))
    return [
        (h * d + h * h + o * h, "count the biases too: b_h (H) and b_y (O)."),
        (h * d + h * h + h, "count the output layer too: W_hy (O x H) and b_y (O)."),
        (h * d + h + o * h + o, "W_hh (H x H), the recurrent weights, are parameters too."),
        (n_steps * right, "the same weights are used at every step: the count does not "
                          "depend on T."),
        (n_steps * (h * d + h * h + h) + o * h + o, "the same W_xh, W_hh and b_h are used at "
                                                    "every step: the count does not depend "
                                                    "on T."),
    ]


def _as_shape(answer) -> tuple | None:
    """``answer`` as a tuple of ints, or None if it is not one (a list or array also works)."""
    try:
        values = np.asarray(answer, dtype=float)
    except Exception:  # not numbers, or an object that refuses (a tensor with a gradient)
        return None
    if values.ndim != 1 or not np.all(np.isfinite(values)) or not np.all(
            values == np.round(values)):
        return None
    return tuple(int(v) for v in values)


def _axes(count: int) -> str:
    return f"{count} axis" if count == 1 else f"{count} axes"


def _check_shape_answer(part: str, answer, expected: tuple, sizes: Mapping[str, int]) -> bool:
    """Report the answer to one shape part (``expected`` in numbers, for these ``sizes``)."""
    question, in_symbols = _SHAPE_PARTS[part]
    title = f"{part}: {question}"
    if answer is None:
        return report(title, TODO, "no answer yet")
    shape = _as_shape(answer)
    if shape is None:
        return report(title, FAIL, f"give the shape as a tuple of whole numbers, one per axis; "
                                   f"got {answer!r}")
    if shape == expected:
        return report(title, PASS, f"{expected} = ({', '.join(in_symbols)})")
    if len(shape) == len(expected):
        wrong = [str(i) for i, (g, e) in enumerate(zip(shape, expected, strict=True)) if g != e]
        detail = (f"got {shape}; axis {wrong[0]} is wrong" if len(wrong) == 1
                  else f"got {shape}; axes {', '.join(wrong)} are wrong")
    else:
        detail = f"got {shape} with {_axes(len(shape))}: not the right number of axes"
    hint = next((text for wrong, text in _shape_mistakes(part, sizes) if wrong == shape), None)
    return report(title, FAIL, detail + (f"\n  hint: {hint}" if hint else ""))


def _check_parameter_answer(answer, right: int, sizes: Mapping[str, int]) -> bool:
    """Report the answer to the parameter count, whose right value is ``right``."""
    title = "parameters: number of weights and biases of VanillaRNN(D, H, O)"
    if answer is None:
        return report(title, TODO, "no answer yet")
    if (isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (int, float, np.number))
            or not np.isfinite(answer) or answer != round(answer)):
        return report(title, FAIL, f"give a whole number; got {answer!r}")
    answer = int(answer)
    if answer == right:
        return report(title, PASS, f"{right}, for any sequence length T")
    hint = next((text for count, text in _parameter_mistakes(sizes, right) if count == answer),
                "add up the sizes of W_xh (H x D), W_hh (H x H), b_h (H), W_hy (O x H) and b_y "
                "(O).")
    return report(title, FAIL, f"got {answer}, not the right count\n  hint: {hint}")


def check_problem_shapes(answers, *, N: int, T: int, D: int, H: int, O: int,  # noqa: E741
                         steps: int) -> bool:
    """Check the predicted shapes of notebook 09 (one line per part).

    The expected values are computed by running `c182lib.rnn` (``one_to_one``,
    ``one_to_many``, ``many_to_one``, ``many_to_many``, ``rnn_forward``) on a network
    ``VanillaRNN(D, H, O)`` and, for one-to-many, a generator ``VanillaRNN(D, H, D)``. Known
    wrong answers get a hint (batch axis dropped, time axis first, H instead of O, T instead of
    ``steps``, a parameter count without biases or growing with T, ...). Choose distinct sizes
    so a wrong axis cannot look right.

    Parameters
    ----------
    answers : dict
        Keys `PROBLEM_SHAPE_PARTS`: ``"one-to-one"``, ``"one-to-many"``, ``"many-to-one"``,
        ``"many-to-many"``, ``"hidden states"`` (each a shape tuple) and ``"parameters"`` (the
        number of weights and biases of ``VanillaRNN(D, H, O)``). ``None`` means not answered
        yet (``TODO``).
    N, T, D, H, O, steps : int
        Batch size, sequence length, input, hidden and output sizes, and the number of outputs
        ``one_to_many`` generates (all >= 1).

    Returns
    -------
    bool
        True when every part is right.

    Raises
    ------
    ValueError
        If a size is not a positive integer (a mistake in the notebook, not in the answers).
    """
    sizes = {name: as_int(name, value, minimum=1)
             for name, value in (("N", N), ("T", T), ("D", D), ("H", H), ("O", O),
                                 ("steps", steps))}
    if answers is None:
        answers = {}
    if not isinstance(answers, Mapping):
        return report("problem shapes", FAIL, f"answers must be a dict with the keys "
                                              f"{', '.join(PROBLEM_SHAPE_PARTS)}; got "
                                              f"a {type(answers).__name__}")
    expected = _expected_shapes(sizes)
    results = [_check_shape_answer(part, answers.get(part), expected[part], sizes)
               for part in _SHAPE_PARTS]
    results.append(_check_parameter_answer(answers.get("parameters"), expected["parameters"],
                                           sizes))
    return all(results)


# --------------------------------------------------------------------------------------------
# Gradient clipping by the global norm (notebook 10)
# --------------------------------------------------------------------------------------------

# Clipping divides by total_norm + 1e-6 (PyTorch's rule) or by total_norm: both are right, and
# differ by 1e-6 / total_norm relatively; every case has total_norm >= 0.5.
_CLIP_RTOL = 1e-5


def _clip_cases() -> list[Case]:
    def case(description, grads, max_norm):
        return Case(description, ([np.asarray(g, dtype=float) for g in grads], max_norm))

    cases = [
        case("one array of norm 5 above max_norm=1: scaled by 1/5", [[3.0, -4.0]], 1.0),
        case("one array of norm 0.5 below max_norm=1: returned unchanged", [[0.3, -0.4]], 1.0),
        case("a matrix, a vector and a single number (global norm 13, max_norm=2): ONE factor "
             "for all", [[[1.0, -2.0, 2.0], [4.0, 0.0, -6.0]], [8.0, 0.0, -2.0], [4.0]], 2.0),
        case("one entry much larger than the others: elementwise clipping would turn the "
             "direction", [[10.0, 0.5, -0.2]], 1.0),
        case("each array below max_norm=1 but together above it (global norm 1.2)",
             [[0.6, 0.6], [0.6, 0.6]], 1.0),
        case("global norm exactly max_norm=5: unchanged", [[3.0, 4.0]], 5.0),
    ]
    rng = np.random.default_rng(SEED)
    for max_norm in (0.5, 50.0):
        shapes = [(int(rng.integers(1, 4)), int(rng.integers(1, 5))), (int(rng.integers(1, 6)),)]
        grads = [rng.normal(scale=3.0, size=s).round(3) for s in shapes]
        total = global_norm(grads)
        verb = "clipped" if total > max_norm else "unchanged"
        cases.append(case(f"random shapes {shapes}, global norm {total:.3g}, max_norm="
                          f"{max_norm:g}: {verb}", grads, max_norm))
    return cases


def _clip_suspects() -> list[Suspect]:
    def elementwise(case):
        grads, max_norm = case.args
        return [np.clip(g, -max_norm, max_norm) for g in grads], global_norm(grads)

    def per_array(case):
        grads, max_norm = case.args
        if len(grads) == 1:
            return None
        clipped = [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads]
        return clipped, global_norm(grads)

    def always_scaled(case):
        grads, max_norm = case.args
        total = global_norm(grads)
        return (None if total >= max_norm
                else ([g * (max_norm / total) for g in grads], total))

    def norm_after(case):
        clipped, total = clip_grad_norm(*case.args)
        return None if total <= case.args[1] else (clipped, global_norm(clipped))

    def squared_norm(case):
        grads, _ = case.args
        return None, global_norm(grads) ** 2

    def sum_of_norms(case):
        grads, max_norm = case.args
        if len(grads) == 1:
            return None
        total = float(sum(np.linalg.norm(g) for g in grads))
        scale = max_norm / total if total > max_norm else 1.0
        return [g * scale for g in grads], total

    return [
        ("each entry was clipped to [-max_norm, max_norm]: that turns the direction of the "
         "gradient. Multiply every array by the same factor max_norm / total_norm.",
         elementwise),
        ("each array was clipped by its own norm: use ONE global norm, the square root of the "
         "sum of all squared entries of all arrays.", per_array),
        ("gradients whose global norm is at most max_norm must come back unchanged: the "
         "factor is min(1, max_norm / total_norm), never above 1.", always_scaled),
        ("return the global norm from BEFORE clipping (it is the number you log to spot an "
         "explosion).", norm_after),
        ("the global norm is sqrt(sum_i ||g_i||^2), not sum_i ||g_i||.", sum_of_norms),
        ("total_norm is the SQUARE ROOT of the sum of all squared entries; yours is the sum "
         "itself, the squared norm.", squared_norm),
    ]


def _mutation_problem(student: Callable, cases: Sequence[Case]) -> str | None:
    """A message if ``student`` writes into the arrays it is given (a clipping case)."""
    case = next(c for c in cases if "ONE factor" in c.description)
    grads = [g.copy() for g in case.args[0]]
    try:
        student(grads, case.args[1])
    except Exception:  # reported with its case by check_function
        return None
    changed = [i for i, (g, original) in enumerate(zip(grads, case.args[0], strict=True))
               if not np.array_equal(g, original)]
    if not changed:
        return None
    return (f"case '{case.description}': the input arrays grads[{', '.join(map(str, changed))}]"
            f" were changed in place. Return new arrays (g * scale), do not write into the "
            f"gradients (g *= scale): the caller may still need them.")


def check_clip_grad_norm(student: Callable) -> bool:
    """Check ``student(grads, max_norm) -> (clipped, total_norm)`` against
    `c182lib.rnn.clip_grad_norm`.

    Cases: one array above and below the threshold, several arrays of different shapes (one
    global factor), one dominant entry (where elementwise clipping changes the direction),
    arrays each below the threshold but together above it, a norm exactly at the threshold,
    and two seeded random settings. The input arrays must not be modified. Dividing by
    ``total_norm`` or by ``total_norm + 1e-6`` both pass.

    Parameters
    ----------
    student : callable
        ``student(grads, max_norm)`` with ``grads`` a list of float arrays and ``max_norm > 0``,
        returning the list of clipped arrays (same shapes) and the global norm before clipping.

    Returns
    -------
    bool
        True when every case matches (``PASS`` printed).
    """
    name = "my_clip_grad_norm"
    cases = _clip_cases()
    mutated = _mutation_problem(student, cases)
    if mutated:
        return report(name, FAIL, mutated)
    return check_function(name, student, clip_grad_norm, cases,
                          labels=("clipped", "total_norm"), rtol=_CLIP_RTOL,
                          suspects=_clip_suspects(), fallback=_clip_structure_hint)


def _clip_structure_hint(case: Case, got) -> str | None:
    """A hint when the result is not ``(list of arrays, number)``."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return ("return a pair (clipped, total_norm): clipped a list with one array per "
                "gradient, total_norm a number.")
    if shape_of(got[0]) == () and isinstance(got[1], (tuple, list)):
        return "return (clipped, total_norm) in that order: the list of clipped arrays first."
    if not isinstance(got[0], (tuple, list)):
        return "clipped is a list of arrays, one per gradient, even when there is only one."
    return None


# --------------------------------------------------------------------------------------------
# The vanilla RNN class (notebook 11)
# --------------------------------------------------------------------------------------------

_WEIGHTS = ("W_xh", "W_hh", "W_hy", "b_h", "b_y")


def _attribute_shapes(d: int, h: int, o: int) -> dict[str, tuple[tuple[int, ...], str]]:
    return {"W_xh": ((h, d), "(H, D)"), "W_hh": ((h, h), "(H, H)"), "W_hy": ((o, h), "(O, H)"),
            "b_h": ((h,), "(H,)"), "b_y": ((o,), "(O,)"), "hidden_state": ((h,), "(H,)")}


def _attribute_problem(model, d: int, h: int, o: int, call: str) -> str | None:
    """What is missing or mis-shaped after construction, or None."""
    shapes = _attribute_shapes(d, h, o)
    missing = [name for name in shapes if not hasattr(model, name)]
    if len(missing) == len(shapes):
        return (f"{call} has none of the attributes {', '.join(shapes)}.\n  hint: was the "
                f"constructor called? Python calls a method named __init__ (two underscores on "
                f"each side) and nothing else: a method named ___init___ is never run.")
    if missing:
        return f"{call} has no attribute {', '.join(missing)}"
    for name, (shape, layout) in shapes.items():
        got = shape_of(getattr(model, name))
        if got is None:
            return f"{call}: {name} must be a NumPy array of shape {layout} = {shape}"
        if got != shape:
            hint = ""
            if name == "hidden_state" and got == (h, h):
                hint = ("\n  hint: the hidden state is ONE vector of H numbers, np.zeros(H), "
                        "not an (H, H) matrix.")
            elif len(got) == 2 and got == shape[::-1]:
                hint = (f"\n  hint: {name} maps a vector of {got[0]} numbers to one of "
                        f"{got[1]}: it has shape {layout} = {shape}, so that {name} @ v works.")
            return f"{call}: {name} has shape {got}, expected {layout} = {shape}{hint}"
    state = _snapshot(model.hidden_state)
    if not isinstance(state, np.ndarray) or state.any():
        return f"{call}: hidden_state must start at zeros; got {model.hidden_state!r}"
    return None


def _snapshot(value):
    """A float copy of what the student's network holds or returns (a later step may change
    it in place), or ``value`` itself if it is no array of numbers (then reported as such).
    A tuple of arrays stays a tuple (of copies): ``return y, h`` is a mistake even when y and h
    have the same shape; a tuple of numbers is read like a list."""
    if value is None:
        return None
    if isinstance(value, tuple) and any(shape_of(item) != () for item in value):
        return tuple(_snapshot(item) for item in value)
    try:
        return np.array(value, dtype=float)
    except Exception:  # reported as it is
        return value


def _scenarios(d: int, rng: np.random.Generator) -> list[tuple[str, list]]:
    """Named lists of actions: ``("reset",)`` or ``("step", x, where)``, x of shape (D,)."""
    def steps(count, sequence=""):
        return [("step", rng.normal(size=d).round(2), f"{sequence}step {t}")
                for t in range(1, count + 1)]

    return [
        ("one step from the zero state (T = 1)", [("reset",), *steps(1)]),
        ("a sequence of 5 steps: h_t is carried to the next step", [("reset",), *steps(5)]),
        ("two sequences of 3 steps with reset_state() between them",
         [("reset",), *steps(3, "sequence 1, "), ("reset",), *steps(3, "sequence 2, ")]),
    ]


def _run_model(model, actions) -> list[tuple[object, object]]:
    """``(y_t, hidden_state after the step)`` for every step, as `_snapshot` copies them; the
    student's code may raise."""
    record = []
    for action in actions:
        if action[0] == "reset":
            model.reset_state()
        else:
            y = model.forward(action[1].copy())
            record.append((_snapshot(y), _snapshot(model.hidden_state)))
    return record


def _correct_step(p: dict, h_prev: np.ndarray, x: np.ndarray):
    """The worksheet's step for one sequence: ``(h_t, y_t)``."""
    h = np.tanh(p["W_hh"] @ h_prev + p["W_xh"] @ x + p["b_h"])
    return h, p["W_hy"] @ h + p["b_y"]


def _wrong_step_rules() -> list[tuple[str, Callable]]:
    """Classic mistakes as step rules ``rule(p, h_prev, x) -> (h, y)`` with weights ``p``."""
    def right_h(p, h_prev, x):
        return _correct_step(p, h_prev, x)[0]

    return [
        ("y_t must be read from the NEW hidden state: update hidden_state first, then "
         "y_t = W_hy h_t + b_y (your output uses h_{t-1}).",
         lambda p, h, x: (right_h(p, h, x), p["W_hy"] @ h + p["b_y"])),
        ("the recurrent term is W_hh @ h_{t-1}; you computed h_{t-1} @ W_hh, which is "
         "W_hh transposed.",
         lambda p, h, x: (hn := np.tanh(h @ p["W_hh"] + p["W_xh"] @ x + p["b_h"]),
                          p["W_hy"] @ hn + p["b_y"])),
        ("tanh applies to the whole sum W_hh h_{t-1} + W_xh x_t + b_h.",
         lambda p, h, x: (hn := np.tanh(p["W_hh"] @ h) + p["W_xh"] @ x + p["b_h"],
                          p["W_hy"] @ hn + p["b_y"])),
        ("the output layer is affine, y_t = W_hy h_t + b_y: no tanh on y.",
         lambda p, h, x: (hn := right_h(p, h, x), np.tanh(p["W_hy"] @ hn + p["b_y"]))),
        ("the tanh is missing: h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h).",
         lambda p, h, x: (hn := p["W_hh"] @ h + p["W_xh"] @ x + p["b_h"],
                          p["W_hy"] @ hn + p["b_y"])),
        ("the worksheet's RNN squashes the hidden state with tanh: h_t = tanh(W_hh h_{t-1} + "
         "W_xh x_t + b_h), not ReLU.",
         lambda p, h, x: (hn := np.maximum(0.0, p["W_hh"] @ h + p["W_xh"] @ x + p["b_h"]),
                          p["W_hy"] @ hn + p["b_y"])),
        ("the worksheet's RNN squashes the hidden state with tanh, not the sigmoid: "
         "h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h).",
         lambda p, h, x: (hn := 1.0 / (1.0 + np.exp(-(p["W_hh"] @ h + p["W_xh"] @ x
                                                     + p["b_h"]))),
                          p["W_hy"] @ hn + p["b_y"])),
        ("the hidden bias b_h is missing inside the tanh.",
         lambda p, h, x: (hn := np.tanh(p["W_hh"] @ h + p["W_xh"] @ x),
                          p["W_hy"] @ hn + p["b_y"])),
        ("the output bias b_y is missing: y_t = W_hy h_t + b_y.",
         lambda p, h, x: (hn := right_h(p, h, x), p["W_hy"] @ hn)),
    ]


def _replay(rule: Callable, params: dict, actions, hidden: int, *, keep_state: bool = True,
            honour_reset: bool = True) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(y_t, stored state)`` of a step rule over ``actions``, as `_run_model` records them
    (optionally never storing h_t, or never resetting it)."""
    h = np.zeros(hidden)
    record = []
    for action in actions:
        if action[0] == "reset":
            if honour_reset:
                h = np.zeros(hidden)
            continue
        h_new, y = rule(params, h, action[1])
        if keep_state:
            h = h_new
        record.append((y, h))
    return record


def _mistakes() -> list[tuple[str, Callable]]:
    """Classic mistakes as ``replay(params, actions, hidden) -> record`` (see `_replay`)."""
    def replay(rule, **options):
        return lambda params, actions, hidden: _replay(rule, params, actions, hidden, **options)

    return [
        *((text, replay(rule)) for text, rule in _wrong_step_rules()),
        ("forward must keep h_t in self.hidden_state, so that the next step starts from it.",
         replay(_correct_step, keep_state=False)),
        ("reset_state() must set hidden_state back to zeros of shape (H,): a new sequence "
         "must not see the previous one.", replay(_correct_step, honour_reset=False)),
    ]


def _rnn_hint(records: Sequence[tuple[_Run, list]]) -> str | None:
    """The hint of the first classic mistake that reproduces every output and state of the
    student's network in every run of ``records`` (``(run, what the network recorded)``): a
    mistake that explains the failing run but not another one is not the student's (ReLU looks
    like a missing tanh while every pre-activation is positive)."""
    for text, replay in _mistakes():
        if all(matches(got, replay(run.params, run.actions, run.sizes[1]))
               for run, got in records):
            return text
    return None


def _build(student_class: Callable, d: int, h: int, o: int):
    """``(model, None, None)``, or ``(None, verdict, detail)`` if construction goes wrong."""
    call = f"MyVanillaRNN({d}, {h}, {o}, seed=0)"
    try:
        model = student_class(d, h, o, seed=0)
    except NotImplementedError:
        return None, TODO, NOT_IMPLEMENTED
    except Exception as err:  # the student's bug, reported instead of raised
        detail = describe_exception(f"constructing {call}", err)
        if isinstance(err, TypeError) and "takes no arguments" in str(err):
            detail += ("\n  hint: Python found no __init__, so object() refused the "
                       "arguments: the constructor must be spelled __init__ (two "
                       "underscores on each side), not ___init___.")
        return None, FAIL, detail
    problem = _attribute_problem(model, d, h, o, call)
    if problem:
        return None, FAIL, problem
    return model, None, None


class _Run(NamedTuple):
    """One case of `check_vanilla_rnn`: a network's sizes (D, H, O) and weights, and actions."""

    description: str
    sizes: tuple[int, int, int]
    params: dict
    actions: list


def _runs() -> list[_Run]:
    """Every case, with D, H, O all different and a setting with saturated tanh units."""
    settings = [((4, 3, 2), 1.0, "D=4, H=3, O=2"),
                ((2, 5, 3), 3.0, "D=2, H=5, O=3, weights x3 (saturated tanh)")]
    rng = np.random.default_rng(SEED)
    runs = []
    for (d, h, o), weight_scale, label in settings:
        reference = VanillaRNN(d, h, o, seed=SEED + d)
        params = {w: weight_scale * getattr(reference, w) for w in _WEIGHTS}
        runs += [_Run(f"{description}; {label}", (d, h, o), params, actions)
                 for description, actions in _scenarios(d, rng)]
    return runs


def _run_network(model, run: _Run) -> list:
    """What a freshly built ``model`` records over the run's actions, given its weights."""
    for weight, value in run.params.items():
        setattr(model, weight, value.copy())
    return _run_model(model, run.actions)


def _step_problem(y, state, y_ref, state_ref, output_size: int) -> tuple[str, str | None]:
    """How one step's ``(y, hidden_state)`` differs from the reference's (``""`` if it does
    not), and a hint when the output is not even an array of numbers."""
    if isinstance(y, (tuple, list)):
        items = f"{len(y)} item" + ("" if len(y) == 1 else "s")
        return (f"forward(x) returned a {type(y).__name__} of {items}; it must return y only, "
                f"an array of shape (O,) = ({output_size},)",
                "keep h_t in self.hidden_state and return only y_t = W_hy h_t + b_y.")
    try:
        return (describe_difference(y, y_ref, "forward(x) output y")
                or describe_difference(state, state_ref, "hidden_state") or ""), None
    except Exception:  # an object no comparison foresees
        return (f"forward(x) output y and hidden_state cannot be compared with the expected "
                f"arrays; got y = {y!r}, hidden_state = {state!r}"), None


def check_vanilla_rnn(student_class: Callable) -> bool:
    """Check a class ``student_class(input_size, hidden_size, output_size, seed=None)``
    against `c182lib.rnn.VanillaRNN`, step by step.

    The check builds the student's network, checks its attributes ``W_xh`` (H, D), ``W_hh``
    (H, H), ``W_hy`` (O, H), ``b_h`` (H,), ``b_y`` (O,) and ``hidden_state`` (H,) (zeros), then
    gives it the reference's weights and compares ``forward(x)`` (one timestep, x of shape
    (D,)) and ``hidden_state`` after every step with the reference: one step (T = 1), a
    sequence of 5 steps, and two sequences separated by ``reset_state()``; with D, H, O all
    different (a transposed matrix cannot fit), and again with weights three times larger
    (saturated tanh units).

    Parameters
    ----------
    student_class : class
        The student's ``MyVanillaRNN``.

    Returns
    -------
    bool
        True when everything matches (``PASS`` printed).
    """
    name = "MyVanillaRNN"
    runs = _runs()
    for run in runs:
        model, verdict, detail = _build(student_class, *run.sizes)  # a fresh network per case
        if model is None:
            return report(name, verdict, detail)
        expected = _run_network(VanillaRNN(*run.sizes, seed=0), run)
        try:
            got = _run_network(model, run)
        except NotImplementedError:
            return report(name, TODO, NOT_IMPLEMENTED)
        except Exception as err:  # the student's bug, reported instead of raised
            return report(name, FAIL, describe_exception(run.description, err))
        places = [action[2] for action in run.actions if action[0] == "step"]
        for where, (y, state), (y_ref, state_ref) in zip(places, got, expected, strict=True):
            problem, hint = _step_problem(y, state, y_ref, state_ref, run.sizes[2])
            if problem:
                hint = hint or _rnn_hint([(run, got), *_other_records(student_class, runs,
                                                                       run)])
                return report(name, FAIL, f"case '{run.description}', {where}\n  {problem}"
                              + (f"\n  hint: {hint}" if hint else ""))
    return report(name, PASS, f"all {len(runs)} cases match, step by step")


def _other_records(student_class: Callable, runs: Sequence[_Run], failed: _Run) -> list:
    """``(run, what the student's network records)`` for every run but ``failed`` on which
    the student's code does not raise; what it prints is not shown (only the failing case
    is reported)."""
    records = []
    for run in runs:
        if run is failed:
            continue
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                records.append((run, _run_network(student_class(*run.sizes, seed=0), run)))
        except Exception:  # a run the student's code cannot do tells nothing of the mistake
            continue
    return records


# --------------------------------------------------------------------------------------------
# Backward pass of one RNN step (notebook 11)
# --------------------------------------------------------------------------------------------

_STEP_LABELS = ("dx", "dh_prev", "dW_xh", "dW_hh", "db_h")


def _step_backward_cases() -> list[Case]:
    rng = np.random.default_rng(SEED)

    def case(description, n, d, h, scale=0.5, first_step=False):
        x = rng.normal(size=(n, d))
        h_prev = np.zeros((n, h)) if first_step else np.tanh(rng.normal(size=(n, h)))
        W_xh = scale * rng.normal(size=(h, d))
        W_hh = scale * rng.normal(size=(h, h))
        b_h = rng.normal(scale=0.1, size=h)
        _, cache = rnn_step_forward(x, h_prev, W_xh, W_hh, b_h)
        return Case(description, (rng.normal(size=(n, h)), cache))

    cases = [
        case("one sequence (N=1, D=3, H=4)", 1, 3, 4),
        case("a batch of 5 (D=2, H=3): weight gradients sum over the batch", 5, 2, 3),
        case("saturated units (large weights, h near ±1): tanh' = 1 - h² is far from 1",
             3, 4, 3, scale=2.5),
        case("first step, h_prev = 0 (N=2, D=3, H=2): dW_hh is zero", 2, 3, 2,
             first_step=True),
        case("a single hidden unit (N=3, D=2, H=1)", 3, 2, 1),
    ]
    for _ in range(2):
        n, d, h = (int(v) for v in rng.integers(1, 6, size=3))
        cases.append(case(f"random: N={n}, D={d}, H={h}", n, d, h))
    return cases


def _step_backward_suspects() -> list[Suspect]:
    def with_slope(slope):
        def wrong(case):
            dh, (x, h_prev, W_xh, W_hh, h) = case.args
            da = dh * slope(h, h_prev)
            return da @ W_xh, da @ W_hh, da.T @ x, da.T @ h_prev, da.sum(axis=0)
        return wrong

    def transposed_recurrence(case):
        dh, (x, h_prev, W_xh, W_hh, h) = case.args
        if np.allclose(W_hh, W_hh.T):
            return None
        da = dh * (1 - h * h)
        return da @ W_xh, da @ W_hh.T, da.T @ x, da.T @ h_prev, da.sum(axis=0)

    def recurrent_path_without_slope(case):
        dh, (_, _, _, W_hh, _) = case.args
        return None, dh @ W_hh, None, None, None

    def bias_averaged(case):
        dh, (x, _, _, _, h) = case.args
        if len(x) == 1:
            return None
        return None, None, None, None, (dh * (1 - h * h)).mean(axis=0)

    return [
        ("the tanh is missing from the chain rule: first da = dh * (1 - h**2), the gradient "
         "of the pre-activation, then everything else from da.",
         with_slope(lambda h, h_prev: 1.0)),
        ("tanh'(a) = 1 - tanh(a)^2 = 1 - h**2: square h.", with_slope(lambda h, h_prev: 1 - h)),
        ("the cache holds h = tanh(a) already: the slope is 1 - h**2, not 1 - tanh(h)**2.",
         with_slope(lambda h, h_prev: 1 - np.tanh(h) ** 2)),
        ("the slope belongs to this step's output h, not to h_prev: 1 - h**2.",
         with_slope(lambda h, h_prev: 1 - h_prev**2)),
        ("with rows, a = h_prev @ W_hh.T + ..., so dh_prev = da @ W_hh (not W_hh.T).",
         transposed_recurrence),
        ("h_prev reaches h through the tanh too: dh_prev = da @ W_hh with da = dh * (1 - h**2), "
         "the same da as for the other gradients, not dh @ W_hh.",
         recurrent_path_without_slope),
        ("b_h is added for every sequence of the batch, so its gradient is the SUM of da over "
         "the batch, da.sum(axis=0), not the mean.", bias_averaged),
    ]


def _step_backward_shape_hint(case: Case, got) -> str | None:
    dh, (x, h_prev, W_xh, W_hh, h) = case.args
    expected = {"dx": x.shape, "dh_prev": h_prev.shape, "dW_xh": W_xh.shape,
                "dW_hh": W_hh.shape, "db_h": (W_hh.shape[0],)}
    if not isinstance(got, (tuple, list)) or len(got) != len(expected):
        return None
    for (label, shape), value in zip(expected.items(), got, strict=True):
        if shape_of(value) != shape:
            return (f"{label} must have the shape of what it is the gradient of, {shape}: "
                    f"dW_xh = da.T @ x is (H, D) like W_xh, and db_h = da.sum(axis=0) adds the "
                    f"batch up.")
    return None


def _step_backward_error_hint(case: Case, err: Exception) -> str | None:
    if isinstance(err, ValueError):
        return ("with one row per sequence: da (N, H) @ W_xh (H, D) is dx (N, D), and "
                "da.T (H, N) @ x (N, D) is dW_xh (H, D).")
    return None


def check_rnn_step_backward(student: Callable) -> bool:
    """Check ``student(dh, cache) -> (dx, dh_prev, dW_xh, dW_hh, db_h)`` against
    `c182lib.rnn.rnn_step_backward`.

    ``cache = (x, h_prev, W_xh, W_hh, h)`` as `c182lib.rnn.rnn_step_forward` returns it (rows
    are sequences: x (N, D), h_prev and h (N, H)). Cases: one sequence, a batch, saturated
    units (where a forgotten ``1 - h**2`` is far off), the first step (``h_prev = 0``), a single
    hidden unit, and seeded random sizes; every upstream gradient ``dh`` is random.

    Parameters
    ----------
    student : callable
        ``student(dh, cache)`` with ``dh`` of shape (N, H), returning the five gradients.

    Returns
    -------
    bool
        True when every case matches (``PASS`` printed).
    """
    return check_function("my_rnn_step_backward", student, rnn_step_backward,
                          _step_backward_cases(), labels=_STEP_LABELS,
                          suspects=_step_backward_suspects(),
                          on_error=_step_backward_error_hint,
                          fallback=_step_backward_shape_hint)
