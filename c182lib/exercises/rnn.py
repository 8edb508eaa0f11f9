"""The exercises of the RNN notebooks (09-11).

- ``09-problem-shapes``: the values of notebook 09, the output shapes of the four problem types,
  of the hidden states, and the parameter count of ``VanillaRNN(D, H, O)``; one part per key of
  the notebook's dict ``answers``.
- ``09-why-shapes``, ``10-why-problem``: written answers (why these shapes; why vanishing and
  exploding gradients are a problem for RNNs).
- ``10-clip-grad-norm``: ``my_clip_grad_norm(grads, max_norm) -> (clipped, total_norm)``.
- ``11-vanilla-rnn``: the class ``MyVanillaRNN(input_size, hidden_size, output_size, seed)``
  with ``forward(x)`` (one step) and ``reset_state()``.
- ``11-rnn-step-backward``: ``my_rnn_step_backward(dh, cache)``.

References come from `c182lib.rnn`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from c182lib.exercises._engine import (
    Case,
    Exercise,
    Mistake,
    Opaque,
    Outcome,
    known_answer,
    matches,
    other_answer,
    to_plain,
)
from c182lib.rnn import (
    RnnStepCache,
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

SEED = 182  # the seeded random cases start from it


# --------------------------------------------------------------------------------------------
# 09-problem-shapes: output shapes and the parameter count, with the notebook's sizes

SIZES = {"N": 4, "T": 6, "D": 3, "H": 5, "O": 2, "steps": 7}  # as the notebook's `sizes`

# part -> (question, its shape in symbols of SIZES); "parameters" is a count, not a shape
SHAPE_PARTS = {
    "one-to-one": ("shape of one_to_one(x) for x of shape (N, D)", ("N", "O")),
    "one-to-many": ("shape of one_to_many(x, steps) for x of shape (N, D), with a generator "
                    "VanillaRNN(D, H, D)", ("N", "steps", "D")),
    "many-to-one": ("shape of many_to_one(x) for x of shape (N, T, D)", ("N", "O")),
    "many-to-many": ("shape of many_to_many(x) for x of shape (N, T, D)", ("N", "T", "O")),
    "hidden-states": ("shape of the hidden states h that rnn_forward returns for x of shape "
                      "(N, T, D)", ("N", "T", "H")),
}
PARAMETERS_QUESTION = "number of weights and biases of VanillaRNN(D, H, O)"


def _problem_shapes_answer(part: str):
    """The right answer to ``part``, computed by running `c182lib.rnn` with `SIZES`."""
    n, t, d, h, o = (SIZES[k] for k in ("N", "T", "D", "H", "O"))
    params = VanillaRNN(d, h, o, seed=0).parameters()
    if part == "parameters":
        return sum(p.size for p in params.values())
    x_one, x_seq = np.zeros((n, d)), np.zeros((n, t, d))
    run = {
        "one-to-one": lambda: one_to_one(x_one, **params),
        "one-to-many": lambda: one_to_many(x_one, SIZES["steps"],
                                           **VanillaRNN(d, h, d, seed=0).parameters()),
        "many-to-one": lambda: many_to_one(x_seq, **params),
        "many-to-many": lambda: many_to_many(x_seq, **params),
        "hidden-states": lambda: rnn_forward(x_seq, None, params["W_xh"], params["W_hh"],
                                             params["b_h"])[0],
    }
    return run[part]().shape


def _problem_shapes_cases() -> list[Case]:
    cases = [Case(part, question, (part,), answer_name=f"answers[{part}]")
             for part, (question, _) in SHAPE_PARTS.items()]
    return [*cases, Case("parameters", PARAMETERS_QUESTION, ("parameters",),
                         answer_name="answers[parameters]")]


_BATCH_FIRST = ("the axes are in another order.",
                "c182lib is batch first, like PyTorch with batch_first=True: "
                "(N, time, features).")

# a symbol of a right shape -> the symbols a slip puts there instead, with the hints
_SYMBOL_SWAPS = {
    "O": [("H", "the last axis has the size of something else: the hidden state.",
           "y comes out of the output layer W_hy (O, H): O numbers per step, not H."),
          ("D", "the last axis has the size of something else: an input.",
           "y has the output size O; D is the size of an input.")],
    "H": [("O", "the last axis has the size of something else: an output.",
           "a hidden state h_t has H entries; O is the size of an output y_t."),
          ("D", "the last axis has the size of something else: an input.",
           "a hidden state h_t has H entries; D is the size of an input x_t.")],
    "D": [("O", "the last axis has the size of the other network's outputs.",
           "the generator feeds each output back as the next input, so its outputs have D "
           "entries (it is a VanillaRNN(D, H, D))."),
          ("H", "the last axis has the size of the hidden state.",
           "the outputs have D entries (the generator is a VanillaRNN(D, H, D)); H is the size "
           "of its hidden state.")],
    "steps": [("T", "the time axis has the length of the input sequences of the other "
                    "problem types.",
               "one_to_many makes `steps` outputs; T is the length of the input sequences of "
               "the other problem types.")],
    "T": [("steps", "the time axis has the length of the generator's output.",
           "one output per input step: T of them (`steps` belongs to one-to-many).")],
}


def _shape_mistakes(part: str) -> list[Mistake]:
    """The known wrong shapes of ``part`` (in numbers, with `SIZES`) and their hints; an
    answer that is right, or already listed, is left out."""
    right = SHAPE_PARTS[part][1]
    known: list[tuple[tuple[str, ...], str, str]] = []
    if part == "hidden-states":
        known.append((("N", "T+1", "H"), "the time axis has one state too many.",
                      "h_0 is the starting state you pass in (h0), not an output: rnn_forward "
                      "returns h_1, ..., h_T, one hidden state per input step."))
    known.append((right[1:], "the batch axis is missing.",
                  "keep the batch axis: one row per sequence, so the shape starts with N."))
    if len(right) == 3:
        known.append(((right[1], right[0], right[2]), *_BATCH_FIRST))
    for i, symbol in enumerate(right):
        for other, tier1, tier2 in _SYMBOL_SWAPS.get(symbol, []):
            known.append((right[:i] + (other,) + right[i + 1:], tier1, tier2))
    if part == "many-to-one":
        known.append((("N", "T", "O"), "there is one axis too many: a time axis.",
                      "many-to-one keeps only the last output y_T: no time axis."))
    if part == "one-to-one":
        known.append((("N", "T", "O"), "there is one axis too many: a time axis.",
                      "one input, one output: there is no time axis."))
    if part in ("one-to-many", "many-to-many"):
        known.append(((right[0], right[2]), "an axis is missing: the time axis.",
                      "a sequence comes out: one output per step, so there is a time axis."))
    numbers = dict(SIZES, **{"T+1": SIZES["T"] + 1})
    right_shape = tuple(numbers[s] for s in right)
    mistakes, seen = [], {right_shape}
    for symbols, tier1, tier2 in known:
        shape = tuple(numbers[s] for s in symbols)
        if shape not in seen:
            seen.add(shape)
            mistakes.append(known_answer(part, shape, tier1, tier2))
    mistakes.append(other_answer(
        part, "go through the axes one by one: batch, time (if any), features.",
        f"in symbols the shape is ({', '.join(right)}); put in the notebook's sizes."))
    return mistakes


def _parameter_mistakes() -> list[Mistake]:
    n_steps, d, h, o = (SIZES[k] for k in ("T", "D", "H", "O"))
    right = h * d + h * h + h + o * h + o
    return [
        known_answer("parameters", h * d + h * h + o * h, "some parameters are not counted: the "
               "biases.", "count the biases too: b_h (H) and b_y (O)."),
        known_answer("parameters", h * d + h * h + h, "some parameters are not counted: a whole "
               "layer.", "count the output layer too: W_hy (O x H) and b_y (O)."),
        known_answer("parameters", h * d + h + o * h + o, "some parameters are not counted: a "
               "weight matrix.", "W_hh (H x H), the recurrent weights, are parameters too."),
        known_answer("parameters", n_steps * right, "the count grows with the sequence length.",
               "the same weights are used at every step: the count does not depend on T."),
        known_answer("parameters", n_steps * (h * d + h * h + h) + o * h + o,
               "the count grows with the sequence length.",
               "the same W_xh, W_hh and b_h are used at every step: the count does not depend "
               "on T."),
        other_answer("parameters", "list every weight matrix and bias vector and count each.",
                   "add up the sizes of W_xh (H x D), W_hh (H x H), b_h (H), W_hy (O x H) and "
                   "b_y (O)."),
    ]


PROBLEM_SHAPES = Exercise(
    id="09-problem-shapes", title="RNN shapes", kind="value", answer_name="answers",
    points=6, reference=_problem_shapes_answer, cases=_problem_shapes_cases, rtol=1e-9,
    mistakes=(*(mistake for part in SHAPE_PARTS for mistake in _shape_mistakes(part)),
              *_parameter_mistakes()),
)


WHY_SHAPES = Exercise(
    id="09-why-shapes", title="Why these shapes", kind="written", answer_name="", points=1,
    question="Explain the output shapes of the four problem types and of the hidden states, and "
             "why the parameter count does not depend on T.")


# --------------------------------------------------------------------------------------------
# 10-clip-grad-norm

# Clipping divides by total_norm + 1e-6 (PyTorch's rule) or by total_norm: both are right, and
# differ by 1e-6 / total_norm relatively; every case has total_norm >= 0.5.
CLIP_RTOL = 1e-5


def clip_case(case_id: str, description: str, grads, max_norm: float) -> Case:
    """A case of ``my_clip_grad_norm(grads, max_norm)``; ``grads`` become float arrays."""
    return Case(case_id, description, ([np.asarray(g, dtype=float) for g in grads], max_norm))


def random_clip_case(case_id: str, rng: np.random.Generator, max_norm: float,
                     count: int = 2) -> Case:
    """``count`` arrays of random shapes (2-D, then 1-D) and entries, clipped at ``max_norm``."""
    shapes = [(int(rng.integers(1, 4)), int(rng.integers(1, 5))) if i % 2 == 0
              else (int(rng.integers(1, 6)),) for i in range(count)]
    grads = [rng.normal(scale=3.0, size=s).round(3) for s in shapes]
    total = global_norm(grads)
    verb = "clipped" if total > max_norm else "unchanged"
    return clip_case(case_id, f"random shapes {shapes}, global norm {total:.3g}, max_norm="
                              f"{max_norm:g}: {verb}", grads, max_norm)


def _clip_cases() -> list[Case]:
    case = clip_case
    rng = np.random.default_rng(SEED)
    return [
        case("above", "one array of norm 5 above max_norm=1: scaled by 1/5", [[3.0, -4.0]], 1.0),
        case("below", "one array of norm 0.5 below max_norm=1: returned unchanged",
             [[0.3, -0.4]], 1.0),
        case("one-factor", "a matrix, a vector and a single number (global norm √145 ≈ 12.04, "
             "max_norm=2): ONE factor for all",
             [[[1.0, -2.0, 2.0], [4.0, 0.0, -6.0]], [8.0, 0.0, -2.0], [4.0]], 2.0),
        case("dominant-entry", "one entry much larger than the others: the direction must not "
             "turn", [[10.0, 0.5, -0.2]], 1.0),
        case("together-above", "each array below max_norm=1 but together above it (global "
             "norm 1.2)", [[0.6, 0.6], [0.6, 0.6]], 1.0),
        case("exactly", "global norm exactly max_norm=5: unchanged", [[3.0, 4.0]], 5.0),
        random_clip_case("random-clipped", rng, 0.5),
        random_clip_case("random-unchanged", rng, 50.0),
    ]


def _clip_elementwise(case):
    grads, max_norm = case.args
    return [np.clip(g, -max_norm, max_norm) for g in grads], global_norm(grads)


def _clip_per_array(case):
    grads, max_norm = case.args
    if len(grads) == 1:
        return None
    return [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads], global_norm(grads)


def _clip_always_scaled(case):
    grads, max_norm = case.args
    total = global_norm(grads)
    return None if total >= max_norm else ([g * (max_norm / total) for g in grads], total)


def _clip_norm_after(case):
    clipped, total = clip_grad_norm(*case.args)
    return None if total <= case.args[1] else (None, global_norm(clipped))


def _clip_sum_of_norms(case):
    grads, max_norm = case.args
    if len(grads) == 1:
        return None
    total = float(sum(np.linalg.norm(g) for g in grads))
    scale = max_norm / total if total > max_norm else 1.0
    return [g * scale for g in grads], total


def _clip_squared_norm(case):
    return None, global_norm(case.args[0]) ** 2


def _is_pair(outcome: Outcome) -> bool:
    return (outcome.status == "returned" and isinstance(outcome.value, (tuple, list))
            and len(outcome.value) == 2)


def _clip_not_a_pair(case: Case, outcome: Outcome) -> bool:
    return outcome.status == "returned" and not _is_pair(outcome)


def _clip_order_swapped(case: Case, outcome: Outcome) -> bool:
    return (_is_pair(outcome) and np.ndim(outcome.value[0]) == 0
            and isinstance(outcome.value[1], (tuple, list)))


def _clip_not_a_list(case: Case, outcome: Outcome) -> bool:
    return _is_pair(outcome) and not isinstance(outcome.value[0], (tuple, list))


def _clip_solution(grads, max_norm):
    total_norm = np.sqrt(sum(np.sum(np.square(g)) for g in grads))
    scale = min(1.0, max_norm / total_norm) if total_norm > 0 else 1.0
    return [np.asarray(g) * scale for g in grads], total_norm


CLIP_GRAD_NORM = Exercise(
    id="10-clip-grad-norm", title="my_clip_grad_norm", kind="function",
    answer_name="my_clip_grad_norm", points=3, reference=clip_grad_norm, cases=_clip_cases,
    labels=("clipped", "total_norm"), rtol=CLIP_RTOL, arg_names=("grads", "max_norm"),
    solution=_clip_solution, forbidden=("clip_grad_norm", "clipped_norm"),
    mistakes=(
        Mistake("not a pair", (
            "the result is not the pair the function returns: the clipped arrays and a norm.",
            "return a pair (clipped, total_norm): clipped a list with one array per gradient, "
            "total_norm a number."), fits=_clip_not_a_pair),
        Mistake("order swapped", (
            "the two results are in swapped order.",
            "return (clipped, total_norm) in that order: the list of clipped arrays first."),
            fits=_clip_order_swapped),
        Mistake("clipped not a list", (
            "clipped should hold one array per gradient, even when there is only one.",
            "clipped is a list of arrays, one per gradient, in the order of grads."),
            fits=_clip_not_a_list),
        Mistake("elementwise", (
            "the clipped gradient points in another direction than the original one.",
            "each entry was clipped to [-max_norm, max_norm]: that turns the direction of the "
            "gradient. Multiply every array by the same factor max_norm / total_norm."),
            wrong=_clip_elementwise),
        Mistake("per array", (
            "the arrays were not scaled by one common factor.",
            "each array was clipped by its own norm: use ONE global norm, the square root of "
            "the sum of all squared entries of all arrays."), wrong=_clip_per_array),
        Mistake("always scaled", (
            "gradients that are already small enough were changed.",
            "gradients whose global norm is at most max_norm must come back unchanged: the "
            "factor is min(1, max_norm / total_norm), never above 1."),
            wrong=_clip_always_scaled),
        Mistake("norm after clipping", (
            "total_norm is the norm of another set of arrays than the one asked for.",
            "return the global norm from BEFORE clipping (it is the number you log to spot an "
            "explosion)."), wrong=_clip_norm_after),
        Mistake("sum of norms", (
            "with several arrays the total norm is too large: the norms are combined in "
            "another way.",
            "the global norm is sqrt(sum_i ||g_i||^2), not sum_i ||g_i||."),
            wrong=_clip_sum_of_norms),
        Mistake("squared norm", (
            "total_norm is off by more than a factor: a final step is missing.",
            "total_norm is the SQUARE ROOT of the sum of all squared entries; yours is the sum "
            "itself, the squared norm."), wrong=_clip_squared_norm),
    ),
)


WHY_PROBLEM = Exercise(
    id="10-why-problem", title="Why vanishing and exploding gradients are a problem",
    kind="written", answer_name="", points=2,
    question="Explain why vanishing and exploding gradients are a problem for RNNs in "
             "particular, what each does to learning, and what helps.")


# --------------------------------------------------------------------------------------------
# 11-vanilla-rnn: the student's class, built and run step by step

WEIGHTS = ("W_xh", "W_hh", "W_hy", "b_h", "b_y")
ATTRIBUTES = (*WEIGHTS, "hidden_state")
RNN_LABELS = (*(f"{name}.shape" for name in ATTRIBUTES), "hidden_state before the first step",
              "y per step", "hidden_state per step")


def _snapshot(value):
    """A copy of what the network holds or returns (a later step may change it in place), as an
    array of numbers of its own dtype (float32 stays float32), or ``value`` itself if it is no
    array of numbers (then reported as such). A tuple of arrays stays a tuple: ``return y, h``
    is a mistake even when y and h have the same shape."""
    if value is None:
        return None
    if isinstance(value, tuple) and any(np.ndim(item) != 0 for item in value):
        return tuple(_snapshot(item) for item in value)
    try:
        array = np.array(value)
        return array if array.dtype.kind in "biuf" else np.array(value, dtype=float)
    except Exception:  # reported as it is
        return value


# what drive_rnn records for an attribute the constructor did not set; messages name its type
_NOT_SET = type("attribute that was never set", (), {"__repr__": lambda self: "<not set>"})()


def drive_rnn(cls, input_size: int, hidden_size: int, output_size: int, weights: dict,
              inputs: list) -> tuple:
    """Build ``cls(input_size, hidden_size, output_size, seed=0)`` and run it on ``inputs``.

    After construction the network gets ``weights`` (copies: the case's weights, the same for
    every answer); then each item of ``inputs`` is one step, ``forward(x)`` with x of shape
    (D,), or None for ``reset_state()``.

    Returns
    -------
    tuple
        The shapes of ``W_xh``, ``W_hh``, ``W_hy``, ``b_h``, ``b_y`` and ``hidden_state`` after
        construction (`_NOT_SET` for an attribute that is not there), ``hidden_state`` then, and the
        lists of ``forward``'s result and of ``hidden_state`` after each step (see
        `RNN_LABELS`).
    """
    model = cls(input_size, hidden_size, output_size, seed=0)
    shapes = tuple(np.shape(getattr(model, name)) if hasattr(model, name) else _NOT_SET
                   for name in ATTRIBUTES)
    initial_state = _snapshot(getattr(model, "hidden_state", None))
    for name in WEIGHTS:
        setattr(model, name, weights[name].copy())
    outputs, states = [], []
    for x in inputs:
        if x is None:
            model.reset_state()
            continue
        outputs.append(_snapshot(model.forward(x)))
        states.append(_snapshot(model.hidden_state))
    return (*shapes, initial_state, outputs, states)


def rnn_case(case_id: str, description: str, sizes: tuple[int, int, int], weight_scale: float,
             steps_per_sequence: tuple[int, ...], rng: np.random.Generator) -> Case:
    """A case of the class: a network of ``sizes`` (D, H, O) with the library's weights times
    ``weight_scale``, run on sequences of the given lengths, ``reset_state()`` before each."""
    d, h, o = sizes
    reference = VanillaRNN(d, h, o, seed=int(rng.integers(1000)))
    weights = {name: weight_scale * getattr(reference, name) for name in WEIGHTS}
    inputs: list = []
    for length in steps_per_sequence:
        inputs += [None, *(rng.normal(size=d).round(2) for _ in range(length))]
    return Case(case_id, description, (d, h, o, weights, inputs))


def _rnn_cases() -> list[Case]:
    rng = np.random.default_rng(SEED)
    cases = []
    for sizes, scale, label, tag in (((4, 3, 2), 1.0, "D=4, H=3, O=2", ""),
                                     ((2, 5, 3), 3.0, "D=2, H=5, O=3, weights x3 (saturated "
                                                      "tanh)", "-saturated")):
        cases += [
            rnn_case(f"t1{tag}", f"one sequence (batch 1) of one step from the zero state "
                     f"(T = 1); {label}", sizes, scale, (1,), rng),
            rnn_case(f"t5{tag}", f"a sequence of 5 steps: h_t is carried to the next step; "
                     f"{label}", sizes, scale, (5,), rng),
            rnn_case(f"reset{tag}", f"two sequences of 3 steps with reset_state() between "
                     f"them (steps 0-2, then 3-5); {label}", sizes, scale, (3, 3), rng),
        ]
    return cases


class StepRNN:
    """A vanilla RNN for one sequence, written plainly; the keywords of `with_slip` make the
    classic mistakes (the replays of `11-vanilla-rnn`'s Mistakes)."""

    slip: dict = {}

    def __init__(self, input_size, hidden_size, output_size, seed=None):
        rng = np.random.default_rng(seed)
        self.W_xh = rng.normal(size=(hidden_size, input_size))
        self.W_hh = rng.normal(size=(hidden_size, hidden_size))
        self.W_hy = rng.normal(size=(output_size, hidden_size))
        self.b_h = rng.normal(size=hidden_size)
        self.b_y = rng.normal(size=output_size)
        self.hidden_state = np.zeros(hidden_size)

    def reset_state(self):
        if not self.slip.get("no_reset"):
            self.hidden_state = np.zeros(len(self.b_h))

    def forward(self, x):
        slip = self.slip
        h_prev = self.hidden_state
        recurrent = h_prev @ self.W_hh if slip.get("transposed") else self.W_hh @ h_prev
        bias = 0.0 if slip.get("no_b_h") else self.b_h
        h = slip.get("activation", np.tanh)(recurrent + self.W_xh @ x + bias)
        y = self.W_hy @ (h_prev if slip.get("old_state") else h)
        y = y + (0.0 if slip.get("no_b_y") else self.b_y)
        if slip.get("tanh_on_output"):
            y = np.tanh(y)
        if not slip.get("state_not_kept"):
            self.hidden_state = h
        return y


def with_slip(**slip) -> type:
    """`StepRNN` making the mistakes ``slip`` names."""
    return type("MistakenRNN", (StepRNN,), {"slip": slip})


def _replay_rnn(**slip) -> Callable[[Case], object]:
    cls = with_slip(**slip)
    return lambda case: drive_rnn(cls, *case.args)


def _shapes_of(outcome: Outcome) -> tuple | None:
    """The six attribute shapes an outcome of `drive_rnn` holds, or None."""
    value = outcome.value
    if outcome.status != "returned" or not isinstance(value, tuple) or len(value) != len(
            RNN_LABELS):
        return None
    return value[:len(ATTRIBUTES)]


def _state_is_a_matrix(case: Case, outcome: Outcome) -> bool:
    shapes = _shapes_of(outcome)
    hidden = case.args[1]
    return shapes is not None and shapes[-1] == (hidden, hidden)


def _weight_transposed(case: Case, outcome: Outcome) -> bool:
    shapes = _shapes_of(outcome)
    if shapes is None:
        return False
    d, h, o = case.args[:3]
    right = ((h, d), (h, h), (o, h))
    return any(got == want[::-1] != want for got, want in zip(shapes[:3], right, strict=True))


def _method_missing(case: Case, outcome: Outcome) -> bool:
    return outcome.status == "raised" and outcome.error.startswith("AttributeError") and any(
        f"has no attribute '{method}'" in outcome.error for method in ("forward", "reset_state"))


def _attribute_missing(case: Case, outcome: Outcome) -> bool:
    """An attribute not there, or no constructor at all (``___init___``: then ``object()``
    refuses the arguments)."""
    if outcome.status == "raised":
        return (outcome.error.startswith("AttributeError") and "has no attribute" in outcome.error
                or outcome.error.startswith("TypeError") and "takes no arguments" in outcome.error)
    shapes = _shapes_of(outcome)
    return shapes is not None and any(isinstance(shape, Opaque) for shape in shapes)


def _returns_more_than_y(case: Case, outcome: Outcome) -> bool:
    value = outcome.value
    return (_shapes_of(outcome) is not None and isinstance(value[-2], list)
            and any(isinstance(y, (tuple, list)) for y in value[-2]))


def _column_vectors(case: Case, outcome: Outcome) -> bool:
    """The worksheet's column vectors: hidden_state or a bias (n, 1), or outputs (O, 1)."""
    shapes = _shapes_of(outcome)
    if shapes is None:
        return False
    _, h, o = case.args[:3]
    outputs = outcome.value[-2]
    return (shapes[-1] == (h, 1) or shapes[3] == (h, 1) or shapes[4] == (o, 1)
            or isinstance(outputs, list) and any(np.shape(y) == (o, 1) for y in outputs))


def _returns_none(case: Case, outcome: Outcome) -> bool:
    outputs = outcome.value[-2] if _shapes_of(outcome) is not None else None
    return isinstance(outputs, list) and outputs != [] and all(y is None for y in outputs)


VANILLA_RNN = Exercise(
    id="11-vanilla-rnn", title="MyVanillaRNN", kind="class", answer_name="MyVanillaRNN",
    points=5, reference=lambda *args: drive_rnn(VanillaRNN, *args),
    cases=_rnn_cases, drive=drive_rnn, labels=RNN_LABELS,
    arg_names=("input_size", "hidden_size", "output_size", "weights", "inputs"),
    solution=StepRNN, forbidden=("VanillaRNN", "rnn_step_forward", "rnn_forward"),
    mistakes=(
        Mistake("method missing", (
            "the class lacks a method the check calls: the one for a step, or the one that "
            "starts a new sequence.",
            "define both inside the class, spelled exactly forward(self, x) and "
            "reset_state(self)."), fits=_method_missing),
        Mistake("attribute missing", (
            "an attribute the network needs is not there after construction: was the "
            "constructor run at all?",
            "Python calls a method named __init__ (two underscores on each side) and nothing "
            "else: a method named ___init___ is never run, so no attribute is set. Use exactly "
            "the names W_xh, W_hh, W_hy, b_h, b_y and hidden_state."), fits=_attribute_missing),
        Mistake("hidden state a matrix", (
            "the hidden state has one axis too many.",
            "the hidden state is ONE vector of H numbers, not an (H, H) matrix."),
            fits=_state_is_a_matrix),
        Mistake("column vectors", (
            "vectors are stored as 2-D columns where 1-D arrays are expected.",
            "use 1-D arrays: hidden_state of shape (H,), the biases (H,) and (O,), x of shape "
            "(D,) and y of shape (O,); W @ v works with a 1-D v."), fits=_column_vectors),
        Mistake("weight transposed", (
            "a weight matrix is stored the wrong way round.",
            "each weight maps a vector of its second size to one of its first: W_xh is (H, D), "
            "W_hh (H, H), W_hy (O, H), so that W @ v works."), fits=_weight_transposed),
        Mistake("returns more than y", (
            "forward returns more than the output of the step.",
            "keep h_t in self.hidden_state and return only y_t, an array of shape (O,)."),
            fits=_returns_more_than_y),
        Mistake("returns None", (
            "forward returns nothing.",
            "end forward with a `return` of the output y_t, an array of shape (O,)."),
            fits=_returns_none),
        Mistake("output from the old state", (
            "the output of each step is read from the wrong hidden state.",
            "y_t must be read from the NEW hidden state: update hidden_state first, then "
            "compute y_t from it (your output uses h_{t-1})."),
            wrong=_replay_rnn(old_state=True)),
        Mistake("recurrence transposed", (
            "from the second step on, the recurrent term is wrong: the product is in the wrong "
            "order.",
            "the recurrent term is W_hh @ h_{t-1}; you computed h_{t-1} @ W_hh, which is W_hh "
            "transposed."), wrong=_replay_rnn(transposed=True)),
        Mistake("tanh on the output", (
            "the outputs are squashed; they should not be.",
            "the output layer is affine, y_t = W_hy h_t + b_y: no tanh on y."),
            wrong=_replay_rnn(tanh_on_output=True)),
        Mistake("tanh missing", (
            "the squashing of the hidden state is missing, or covers only part of its sum.",
            "the hidden state is tanh of the whole sum: h_t = tanh(W_hh h_{t-1} + W_xh x_t + "
            "b_h)."),
            wrong=_replay_rnn(activation=lambda a: a)),
        Mistake("relu", (
            "the hidden state is squashed by another function than the worksheet's.",
            "the worksheet's RNN squashes the hidden state with tanh, not ReLU."),
            wrong=_replay_rnn(activation=lambda a: np.maximum(0.0, a))),
        Mistake("sigmoid", (
            "the hidden state is squashed by another function than the worksheet's.",
            "the worksheet's RNN squashes the hidden state with tanh, not the sigmoid."),
            wrong=_replay_rnn(activation=lambda a: 1.0 / (1.0 + np.exp(-a)))),
        Mistake("hidden bias missing", (
            "a term is missing inside the hidden state's update.",
            "the hidden bias b_h is missing inside the tanh."), wrong=_replay_rnn(no_b_h=True)),
        Mistake("output bias missing", (
            "a term is missing from the output.",
            "the output bias b_y is missing: y_t = W_hy h_t + b_y."),
            wrong=_replay_rnn(no_b_y=True)),
        Mistake("state not kept", (
            "each step starts from the same state: the new one is not stored.",
            "forward must keep h_t in self.hidden_state, so that the next step starts from "
            "it."), wrong=_replay_rnn(state_not_kept=True)),
        Mistake("state not reset", (
            "after reset_state() the second sequence still sees the first one.",
            "reset_state() must set hidden_state back to zeros of shape (H,): a new sequence "
            "must not see the previous one."), wrong=_replay_rnn(no_reset=True)),
    ),
)


# --------------------------------------------------------------------------------------------
# 11-rnn-step-backward

STEP_LABELS = ("dx", "dh_prev", "dW_xh", "dW_hh", "db_h")


def step_backward_reference(dh, cache) -> tuple[np.ndarray, ...]:
    """`c182lib.rnn.rnn_step_backward` on a plain ``cache = (x, h_prev, W_xh, W_hh, h)``, the
    tuple the cases hold (a hidden case read back from JSON has no named tuple)."""
    return rnn_step_backward(dh, RnnStepCache(*cache))


def _drive_step_backward(answer, dh, cache):
    """The answer gets the cache as the notebook promises it, an `RnnStepCache` (a named tuple:
    ``cache.x`` works as well as unpacking); the cases hold a plain tuple."""
    return answer(dh, RnnStepCache(*cache))


def step_backward_case(case_id: str, description: str, n: int, d: int, h: int,
                       rng: np.random.Generator, scale: float = 0.5,
                       first_step: bool = False) -> Case:
    """A case of ``my_rnn_step_backward(dh, cache)``: one forward step of a batch of ``n``
    (``x`` (n, d), hidden size ``h``, weights of ``scale``), a random upstream ``dh`` (n, h)."""
    x = rng.normal(size=(n, d))
    h_prev = np.zeros((n, h)) if first_step else np.tanh(rng.normal(size=(n, h)))
    W_xh = scale * rng.normal(size=(h, d))
    W_hh = scale * rng.normal(size=(h, h))
    b_h = rng.normal(scale=0.1, size=h)
    _, cache = rnn_step_forward(x, h_prev, W_xh, W_hh, b_h)
    return Case(case_id, description, (rng.normal(size=(n, h)), tuple(cache)))


def _step_backward_cases() -> list[Case]:
    rng = np.random.default_rng(SEED)
    case = step_backward_case
    cases = [
        case("batch1", "one sequence, batch 1 (N=1, D=3, H=4)", 1, 3, 4, rng),
        case("batch5", "a batch of 5 (D=2, H=3): weight gradients sum over the batch",
             5, 2, 3, rng),
        case("saturated", "saturated units (large weights, h near ±1, N=3, D=4, H=3)",
             3, 4, 3, rng, scale=2.5),
        case("first-step", "first step, h_prev = 0 (N=2, D=3, H=2)", 2, 3, 2, rng,
             first_step=True),
        case("h1", "a single hidden unit (N=3, D=2, H=1)", 3, 2, 1, rng),
        case("square", "D = H = 3 (N=2): dx and dh_prev have the same shape", 2, 3, 3, rng),
    ]
    for i in range(2):
        n, d, h = (int(v) for v in rng.integers(1, 6, size=3))
        cases.append(case(f"random-{i + 1}", f"random: N={n}, D={d}, H={h}", n, d, h, rng))
    return cases


def _with_slope(slope: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Callable:
    """The step's gradients with ``slope(h, h_prev)`` in place of tanh's slope."""
    def wrong(case):
        dh, (x, h_prev, W_xh, W_hh, h) = case.args
        da = dh * slope(h, h_prev)
        return da @ W_xh, da @ W_hh, da.T @ x, da.T @ h_prev, da.sum(axis=0)
    return wrong


def _transposed_recurrence(case):
    dh, (x, h_prev, W_xh, W_hh, h) = case.args
    if np.allclose(W_hh, W_hh.T):
        return None
    da = dh * (1 - h * h)
    return da @ W_xh, da @ W_hh.T, da.T @ x, da.T @ h_prev, da.sum(axis=0)


def _recurrent_path_without_slope(case):
    dh, (_, _, _, W_hh, _) = case.args
    return None, dh @ W_hh, None, None, None


def _bias_averaged(case):
    dh, (x, _, _, _, h) = case.args
    if len(x) == 1:
        return None
    return None, None, None, None, (dh * (1 - h * h)).mean(axis=0)


def _five_items(outcome: Outcome) -> bool:
    return (outcome.status == "returned" and isinstance(outcome.value, (tuple, list))
            and len(outcome.value) == len(STEP_LABELS))


def _order_swapped(case: Case, outcome: Outcome) -> bool:
    """The five right gradients, in another order."""
    if not _five_items(outcome):
        return False
    expected = to_plain(step_backward_reference(*case.args))
    got = outcome.value
    return any(order != tuple(range(len(expected)))
               and all(matches(got[i], expected[j]) for i, j in enumerate(order))
               for order in itertools.permutations(range(len(expected))))


def _gradient_shape_wrong(case: Case, outcome: Outcome) -> bool:
    if not _five_items(outcome):
        return False
    expected = step_backward_reference(*case.args)
    return any(np.shape(got) != want.shape for got, want in zip(outcome.value, expected,
                                                                strict=True))


def _shapes_mismatch(case: Case, outcome: Outcome) -> bool:
    return outcome.status == "raised" and outcome.error.startswith("ValueError")


def _step_backward_solution(dh, cache):
    x, h_prev, W_xh, W_hh, h = cache
    da = dh * (1 - h**2)
    return da @ W_xh, da @ W_hh, da.T @ x, da.T @ h_prev, da.sum(axis=0)


RNN_STEP_BACKWARD = Exercise(
    id="11-rnn-step-backward", title="my_rnn_step_backward", kind="function",
    answer_name="my_rnn_step_backward", points=4, reference=step_backward_reference,
    cases=_step_backward_cases, drive=_drive_step_backward, labels=STEP_LABELS,
    arg_names=("dh", "cache"), forbidden=("rnn_step_backward", "rnn_backward"),
    solution=_step_backward_solution,
    mistakes=(
        Mistake("order swapped", (
            "the five gradients are right, but returned in another order.",
            "return them in the order dx, dh_prev, dW_xh, dW_hh, db_h."), fits=_order_swapped),
        Mistake("gradient shape", (
            "a gradient does not have the shape of what it is the gradient of.",
            "each gradient has the shape of its variable: dW_xh like W_xh (H, D), dW_hh like "
            "W_hh (H, H), db_h like b_h (H,), so the batch is summed over."),
            fits=_gradient_shape_wrong),
        Mistake("matrix product mismatch", (
            "a matrix product got factors whose shapes do not fit: one is the wrong way round.",
            "with one row per sequence: da (N, H) @ W_xh (H, D) is dx (N, D), and da.T (H, N) "
            "@ x (N, D) is dW_xh (H, D)."), fits=_shapes_mismatch),
        Mistake("tanh slope missing", (
            "every gradient is off, most where the units are saturated: a factor of the chain "
            "rule is missing.",
            "the tanh is missing from the chain rule: first the gradient of the "
            "pre-activation, da = dh * (1 - h**2), then everything else from da."),
            wrong=_with_slope(lambda h, h_prev: 1.0)),
        Mistake("slope not squared", (
            "the slope of the tanh is not right.",
            "tanh'(a) = 1 - tanh(a)^2 = 1 - h**2: square h."),
            wrong=_with_slope(lambda h, h_prev: 1 - h)),
        Mistake("tanh applied twice", (
            "the slope of the tanh is computed from the wrong quantity.",
            "the cache holds h = tanh(a) already: the slope is 1 - h**2, not 1 - tanh(h)**2."),
            wrong=_with_slope(lambda h, h_prev: 1 - np.tanh(h) ** 2)),
        Mistake("slope of h_prev", (
            "the slope of the tanh is taken at the wrong step.",
            "the slope belongs to this step's output h, not to h_prev: 1 - h**2."),
            wrong=_with_slope(lambda h, h_prev: 1 - h_prev ** 2)),
        Mistake("recurrence transposed", (
            "dh_prev uses the recurrent matrix the wrong way round.",
            "with rows, a = h_prev @ W_hh.T + ..., so dh_prev = da @ W_hh (not W_hh.T)."),
            wrong=_transposed_recurrence),
        Mistake("recurrent path without slope", (
            "dh_prev skips a factor that the other gradients have.",
            "h_prev reaches h through the tanh too: dh_prev = da @ W_hh with the same da as "
            "for the other gradients, not dh @ W_hh."), wrong=_recurrent_path_without_slope),
        Mistake("bias averaged", (
            "db_h is too small for a batch: the batch is combined in another way.",
            "b_h is added for every sequence of the batch, so its gradient is the SUM of da "
            "over the batch, not the mean."), wrong=_bias_averaged),
    ),
)


EXERCISES = (PROBLEM_SHAPES, WHY_SHAPES, CLIP_GRAD_NORM, WHY_PROBLEM, VANILLA_RNN,
             RNN_STEP_BACKWARD)
