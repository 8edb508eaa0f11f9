"""Tests of c182lib.checks.rnn: each check passes correct code and explains wrong code.

The "student" code below is written independently of c182lib (explicit loops, column vectors as
in the worksheet), the way a student would write it, and then broken the way students break it.
"""

from __future__ import annotations

import numpy as np
import pytest
from _checks_helpers import assert_fails, not_implemented, run

import c182lib.checks.rnn as rnn_checks
from c182lib.checks.rnn import (
    PROBLEM_SHAPE_PARTS,
    _clip_cases,
    _step_backward_cases,
    check_clip_grad_norm,
    check_problem_shapes,
    check_rnn_step_backward,
    check_vanilla_rnn,
)
from c182lib.rnn import clip_grad_norm

SIZES = {"N": 4, "T": 6, "D": 3, "H": 5, "O": 2, "steps": 7}
RIGHT_SHAPES = {"one-to-one": (4, 2), "one-to-many": (4, 7, 3), "many-to-one": (4, 2),
                "many-to-many": (4, 6, 2), "hidden states": (4, 6, 5),
                "parameters": 5 * 3 + 5 * 5 + 5 + 2 * 5 + 2}


# --------------------------------------------------------------------------------------------
# check_problem_shapes


def test_problem_shapes_pass_right_answers_in_any_sequence_form(capsys):
    answers = dict(RIGHT_SHAPES, **{"many-to-many": [4, 6, 2], "hidden states": np.array(
        [4, 6, 5])})
    ok, out = run(capsys, check_problem_shapes, answers, **SIZES)
    assert ok is True
    lines = out.splitlines()
    assert len(lines) == len(PROBLEM_SHAPE_PARTS)
    assert all(line.startswith("PASS") for line in lines)
    assert "(4, 7, 3) = (N, steps, D)" in out
    assert "57, for any sequence length T" in out


def test_problem_shapes_follow_the_sizes_given(capsys):
    sizes = {"N": 1, "T": 9, "D": 2, "H": 3, "O": 4, "steps": 5}
    answers = {"one-to-one": (1, 4), "one-to-many": (1, 5, 2), "many-to-one": (1, 4),
               "many-to-many": (1, 9, 4), "hidden states": (1, 9, 3),
               "parameters": 3 * 2 + 3 * 3 + 3 + 4 * 3 + 4}
    ok, _ = run(capsys, check_problem_shapes, answers, **sizes)
    assert ok is True


@pytest.mark.parametrize("part, answer, detail, hint", [
    ("one-to-one", (2,), "got (2,) with 1 axis: not the right number of axes",
     "keep the batch axis"),
    ("one-to-many", (4, 6, 3), "axis 1 is wrong", "one_to_many makes `steps` outputs"),
    ("one-to-many", (4, 7, 2), "axis 2 is wrong", "back as the next input"),
    ("many-to-one", (4, 6, 2), "with 3 axes: not the right number of axes",
     "keeps only the last output"),
    ("many-to-many", (6, 4, 2), "axes 0, 1 are wrong", "batch first"),
    ("many-to-many", (4, 6, 5), "axis 2 is wrong", "O numbers per step, not H"),
    ("hidden states", (4, 6, 2), "axis 2 is wrong", "h_t has H entries"),
    ("hidden states", (4, 7, 5), "axis 1 is wrong", "h_0 is the starting state"),
    ("parameters", 50, "got 50, not the right count", "count the biases too"),
    ("parameters", 57 * 6, "got 342, not the right count", "does not depend on T"),
    ("parameters", 32, "got 32, not the right count", "W_hh (H x H), the recurrent weights"),
    ("parameters", 60, "got 60, not the right count", "add up the sizes"),
], ids=["no-batch-axis", "T-for-steps", "O-for-D-in-generator", "time-axis-kept",
        "time-first", "H-for-O", "O-for-H", "h0-counted", "no-biases", "times-T", "no-W_hh",
        "default-hint"])
def test_problem_shapes_fail_a_wrong_part_with_a_hint(capsys, part, answer, detail, hint):
    ok, out = run(capsys, check_problem_shapes, dict(RIGHT_SHAPES, **{part: answer}), **SIZES)
    assert ok is False
    failed = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1 and failed[0].startswith(f"FAIL {part}:")
    assert failed[0].endswith(detail)
    assert "hint:" in out and hint in out


@pytest.mark.parametrize("part, answer", [
    ("one-to-one", "N by O"), ("one-to-one", (2,)), ("one-to-one", (4, 6, 2)),
    ("many-to-many", (4, 2)), ("one-to-many", [[4, 7, 3]]), ("parameters", 50),
    ("parameters", 58),
])
def test_problem_shapes_do_not_give_the_answer_away(capsys, part, answer):
    """A wrong written answer says what is wrong, never the expected shape, its symbols or the
    expected count."""
    _, out = run(capsys, check_problem_shapes, dict(RIGHT_SHAPES, **{part: answer}), **SIZES)
    (failed,) = [line for line in out.splitlines() if line.startswith("FAIL")]
    verdict = failed.split(": ", 1)[1].split(": ", 1)[1]  # after the part and its question
    right = RIGHT_SHAPES[part]
    assert str(right) not in verdict and "57" not in verdict
    assert not any(symbols in verdict for symbols in ("(N, ", "N, O", "T, O", "T, H", "steps"))


def test_problem_shapes_todo_and_malformed_answers(capsys):
    ok, out = run(capsys, check_problem_shapes, {name: None for name in PROBLEM_SHAPE_PARTS},
                  **SIZES)
    assert ok is False
    assert out.count("TODO") == len(PROBLEM_SHAPE_PARTS) and "FAIL" not in out

    ok, out = run(capsys, check_problem_shapes, dict(RIGHT_SHAPES, **{
        "one-to-one": "N by O", "parameters": 57.5}), **SIZES)
    assert ok is False
    assert "give the shape as a tuple of whole numbers" in out and "give a whole number" in out

    ok, out = run(capsys, check_problem_shapes, [(4, 2)], **SIZES)
    assert ok is False and out.startswith("FAIL problem shapes: answers must be a dict")


def test_problem_shapes_refuse_a_bad_size_naming_it():
    with pytest.raises(ValueError, match=r"^steps must be an integer >= 1; got 0$"):
        check_problem_shapes(RIGHT_SHAPES, **dict(SIZES, steps=0))


# --------------------------------------------------------------------------------------------
# check_clip_grad_norm


def loops_clip(grads, max_norm, *, elementwise=False, per_array=False, always=False,
               norm_after=False, sum_of_norms=False, squared=False, in_place=False):
    """Global-norm clipping with explicit loops; the keywords inject classic mistakes."""
    squares = 0.0
    for g in grads:
        for value in np.asarray(g, float).ravel():
            squares += value * value
    total = sum(np.sqrt(np.sum(g * g)) for g in grads) if sum_of_norms else np.sqrt(squares)
    clipped = []
    for g in grads:
        if elementwise:
            clipped.append(np.clip(g, -max_norm, max_norm))
            continue
        norm = np.sqrt(np.sum(g * g)) if per_array else total
        scale = max_norm / norm if (always or norm > max_norm) else 1.0
        if in_place:
            g *= scale
            clipped.append(g)
        else:
            clipped.append(g * scale)
    if norm_after:
        total = np.sqrt(sum(np.sum(c * c) for c in clipped))
    return clipped, (squares if squared else total)


def test_clip_cases_cover_the_edge_cases():
    below = above = exact = several = 0
    for case in _clip_cases():
        grads, max_norm = case.args
        total = np.sqrt(sum(np.sum(g * g) for g in grads))
        assert total >= 0.5  # the 1e-6 of PyTorch's rule stays within the tolerance
        below += total < max_norm
        above += total > max_norm
        exact += np.isclose(total, max_norm)
        several += len(grads) > 1
    assert below and above and exact and several


@pytest.mark.parametrize("student", [
    loops_clip,
    lambda grads, max_norm: (
        lambda total: ([g * min(1.0, max_norm / total) for g in grads], total))(
        np.linalg.norm(np.concatenate([g.ravel() for g in grads]))),
    lambda grads, max_norm: tuple(loops_clip(grads, max_norm)),
    lambda grads, max_norm: (lambda c, t: (tuple(c), float(t)))(*loops_clip(grads, max_norm)),
], ids=["loops", "concatenated", "returns-a-tuple", "clipped-as-tuple"])
def test_clip_passes_correct_code(capsys, student):
    ok, out = run(capsys, check_clip_grad_norm, student)
    assert ok is True
    assert out == "PASS my_clip_grad_norm: all 8 cases match\n"


def test_clip_passes_pytorchs_rule_with_its_epsilon(capsys):
    def student(grads, max_norm):
        total = np.sqrt(sum(np.sum(g * g) for g in grads))
        return [g * min(1.0, max_norm / (total + 1e-6)) for g in grads], total

    ok, _ = run(capsys, check_clip_grad_norm, student)
    assert ok is True


@pytest.mark.parametrize("mistake, case, detail, hint", [
    ({"elementwise": True}, "one array of norm 5 above max_norm=1", "clipped[0]: 2 of 2",
     "each entry was clipped"),
    ({"per_array": True}, "a matrix, a vector and a single number", "clipped[0]",
     "clipped by its own norm"),
    ({"always": True}, "one array of norm 0.5 below max_norm=1", "clipped[0]",
     "must come back unchanged"),
    ({"norm_after": True}, "one array of norm 5 above", "total_norm: got 1, expected 5",
     "BEFORE clipping"),
    ({"sum_of_norms": True}, "a matrix, a vector and a single number", "clipped[0]",
     "not sum_i ||g_i||"),
    ({"squared": True}, "one array of norm 5 above", "total_norm: got 25, expected 5",
     "the squared norm"),
], ids=["elementwise", "per-array", "scales-up", "norm-after", "sum-of-norms", "squared"])
def test_clip_fails_wrong_code_with_case_and_hint(capsys, mistake, case, detail, hint):
    ok, out = run(capsys, check_clip_grad_norm,
                  lambda grads, max_norm: loops_clip(grads, max_norm, **mistake))
    assert ok is False
    assert_fails(out, "my_clip_grad_norm", case, hint, detail)


def test_clip_fails_code_that_writes_into_the_gradients(capsys):
    ok, out = run(capsys, check_clip_grad_norm,
                  lambda grads, max_norm: loops_clip(grads, max_norm, in_place=True))
    assert ok is False
    assert out.startswith("FAIL my_clip_grad_norm: case 'a matrix, a vector")
    assert "changed in place" in out and "g *= scale" in out


def test_clip_todo_and_exceptions(capsys):
    ok, out = run(capsys, check_clip_grad_norm, not_implemented)
    assert ok is False and out.startswith("TODO my_clip_grad_norm") and "hint" not in out

    def crashes_on_several(grads, max_norm):
        if len(grads) > 1:
            return np.stack(grads), 0.0  # ValueError: arrays of different shapes
        return loops_clip(grads, max_norm)

    ok, out = run(capsys, check_clip_grad_norm, crashes_on_several)
    assert ok is False
    assert "case 'a matrix, a vector and a single number" in out and "raised ValueError" in out


# --------------------------------------------------------------------------------------------
# check_vanilla_rnn


class StudentRNN:
    """The worksheet's class, completed with column vectors; keywords inject mistakes."""

    mistakes: dict = {}

    def __init__(self, input_size, hidden_size, output_size, seed=None):
        rng = np.random.default_rng(seed)
        self.W_hh = rng.standard_normal((hidden_size, hidden_size))
        self.W_xh = rng.standard_normal((hidden_size, input_size))
        self.W_hy = rng.standard_normal((output_size, hidden_size))
        self.b_h = rng.standard_normal(hidden_size)
        self.b_y = rng.standard_normal(output_size)
        self.hidden_state = np.zeros(hidden_size)

    def reset_state(self):
        if not self.mistakes.get("no_reset"):
            self.hidden_state = np.zeros(len(self.b_h))

    def forward(self, x):
        m = self.mistakes
        h_prev = self.hidden_state
        recurrent = h_prev @ self.W_hh if m.get("transposed") else self.W_hh @ h_prev
        pre = recurrent + self.W_xh @ x + (0 if m.get("no_b_h") else self.b_h)
        squash = m.get("activation", np.tanh)
        h = np.zeros_like(pre)
        for i in range(len(pre)):
            h[i] = squash(pre[i])
        y = self.W_hy @ (h_prev if m.get("old_state") else h) + self.b_y
        if m.get("tanh_output"):
            y = np.tanh(y)
        if not m.get("forget_state"):
            self.hidden_state = h
        return (y, h) if m.get("return_state") else y


def student_class(**mistakes):
    return type("MyVanillaRNN", (StudentRNN,), {"mistakes": mistakes})


class BatchRNN(StudentRNN):
    """Row form, accepts (D,) or (N, D): also a right answer."""

    def forward(self, x):
        self.hidden_state = np.tanh(self.hidden_state @ self.W_hh.T + x @ self.W_xh.T + self.b_h)
        return self.hidden_state @ self.W_hy.T + self.b_y


def test_vanilla_rnn_passes_correct_classes(capsys):
    for cls in (student_class(), BatchRNN):
        ok, out = run(capsys, check_vanilla_rnn, cls)
        assert ok is True
        assert out == "PASS MyVanillaRNN: all 6 cases match, step by step\n"


@pytest.mark.parametrize("mistake, where, hint", [
    ("no_reset", "case 'two sequences of 3 steps with reset_state() between them; D=4, H=3, "
                 "O=2', sequence 2, step 1", "reset_state() must set hidden_state back"),
    ("old_state", "case 'one step from the zero state (T = 1); D=4, H=3, O=2', step 1",
     "your output uses h_{t-1}"),
    ("transposed", "case 'a sequence of 5 steps: h_t is carried to the next step; D=4, H=3, "
                   "O=2', step 2", "W_hh transposed"),
    ("forget_state", "case 'one step from the zero state (T = 1); D=4, H=3, O=2', step 1",
     "keep h_t in self.hidden_state"),
    ("tanh_output", "step 1", "no tanh on y"),
    ("no_b_h", "step 1", "b_h is missing"),
    ({"activation": lambda a: max(a, 0.0)}, "step 1", "not ReLU"),
    ({"activation": lambda a: 1 / (1 + np.exp(-a))}, "step 1", "not the sigmoid"),
    ({"activation": lambda a: a}, "step 1", "the tanh is missing"),
], ids=["unreset-hidden-state", "output-from-h_prev", "transposed-W_hh", "state-not-kept",
        "tanh-on-output", "no-hidden-bias", "relu", "sigmoid", "no-activation"])
def test_vanilla_rnn_fails_wrong_classes_with_case_and_hint(capsys, mistake, where, hint):
    """The hint must explain every case, not only the failing one: in the first case every
    pre-activation is positive, where ReLU (and no activation) looks like tanh applied to part
    of the sum."""
    mistakes = mistake if isinstance(mistake, dict) else {mistake: True}
    ok, out = run(capsys, check_vanilla_rnn, student_class(**mistakes))
    assert ok is False
    first, *rest = out.splitlines()
    assert first.startswith("FAIL MyVanillaRNN: ") and where in first
    assert "entries differ" in out
    assert out.count("hint:") == 1
    assert rest[-1].startswith("  hint:") and hint in rest[-1]


@pytest.mark.parametrize("same_sizes", [False, True], ids=["ragged", "H-equals-O"])
def test_vanilla_rnn_says_forward_returns_y_only(capsys, monkeypatch, same_sizes):
    """``return y, h`` is reported as such, not as an exception in the check's own code, and
    also when y and h have the same shape (the pair then makes a (2, H) array)."""
    if same_sizes:
        one_step = rnn_checks._Run("H = O", (4, 3, 3), {
            "W_xh": np.ones((3, 4)), "W_hh": np.eye(3), "W_hy": np.eye(3), "b_h": np.zeros(3),
            "b_y": np.zeros(3)}, [("reset",), ("step", np.ones(4), "step 1")])
        monkeypatch.setattr(rnn_checks, "_runs", lambda: [one_step])
    ok, out = run(capsys, check_vanilla_rnn, student_class(return_state=True))
    assert ok is False
    assert "raised" not in out and "line" not in out
    assert ("forward(x) returned a tuple of 2 items; it must return y only, an array of shape "
            f"(O,) = ({3 if same_sizes else 2},)") in out
    assert out.splitlines()[-1].startswith("  hint: keep h_t in self.hidden_state")


@pytest.mark.parametrize("forward, detail", [
    (lambda self, x: [[1.0, 2.0], [3.0]], "forward(x) returned a list of 2 items"),
    (lambda self, x: "y", "forward(x) output y: expected an array of shape (2,), got 'y'"),
    (lambda self, x: (StudentRNN.forward(self, x),
                      setattr(self, "hidden_state", [[0.0], [1.0, 2.0]]))[0],
     "hidden_state: expected an array of shape (3,), got [[0.0], [1.0, 2.0]]"),
], ids=["ragged-output", "string-output", "ragged-state"])
def test_vanilla_rnn_survives_malformed_outputs(capsys, forward, detail):
    cls = type("MyVanillaRNN", (StudentRNN,), {"forward": forward, "mistakes": {}})
    ok, out = run(capsys, check_vanilla_rnn, cls)
    assert ok is False
    assert out.startswith("FAIL MyVanillaRNN: case 'one step from the zero state")
    assert detail in out


def test_vanilla_rnn_survives_a_ragged_attribute(capsys):
    class Ragged(StudentRNN):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.b_h = [[1.0, 2.0], [3.0]]

    ok, out = run(capsys, check_vanilla_rnn, Ragged)
    assert ok is False
    assert "b_h must be a NumPy array of shape (H,) = (3,)" in out


def test_vanilla_rnn_catches_the_worksheets_constructor_typo(capsys):
    class MyVanillaRNN:
        def ___init___(self, input_size, hidden_size, output_size, seed=None):
            self.W_hh = np.zeros((hidden_size, hidden_size))

    ok, out = run(capsys, check_vanilla_rnn, MyVanillaRNN)
    assert ok is False
    assert "constructing MyVanillaRNN(4, 3, 2, seed=0)' raised TypeError" in out
    assert "hint: Python found no __init__" in out and "___init___" in out

    class NoArguments:  # the worksheet's signature: typo and no sizes, so nothing is set
        def ___init___(self):
            self.W_hh = np.zeros((3, 3))

        def __new__(cls, *args, **kwargs):
            return object.__new__(cls)

    ok, out = run(capsys, check_vanilla_rnn, NoArguments)
    assert ok is False
    assert "has none of the attributes W_xh, W_hh" in out and "___init___ is never run" in out


@pytest.mark.parametrize("change, message", [
    (lambda m: setattr(m, "hidden_state", np.zeros((3, 3))),
     "hidden_state has shape (3, 3), expected (H,) = (3,)\n  hint: the hidden state is ONE"),
    (lambda m: setattr(m, "W_xh", m.W_xh.T), "W_xh has shape (4, 3), expected (H, D) = (3, 4)"),
    (lambda m: delattr(m, "b_y"), "has no attribute b_y"),
    (lambda m: setattr(m, "hidden_state", np.ones(3)), "hidden_state must start at zeros"),
], ids=["matrix-hidden-state", "transposed-weight", "missing-attribute", "nonzero-state"])
def test_vanilla_rnn_checks_the_attributes(capsys, change, message):
    class Broken(StudentRNN):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            change(self)

    ok, out = run(capsys, check_vanilla_rnn, Broken)
    assert ok is False
    assert out.startswith("FAIL MyVanillaRNN: MyVanillaRNN(4, 3, 2, seed=0)")
    assert message in out


def test_vanilla_rnn_todo_and_exceptions(capsys):
    class Stub(StudentRNN):
        def forward(self, x):
            raise NotImplementedError()

    for cls in (Stub, type("S", (), {"__init__": not_implemented})):
        ok, out = run(capsys, check_vanilla_rnn, cls)
        assert ok is False and out.startswith("TODO MyVanillaRNN")

    class Crashes(StudentRNN):
        def forward(self, x):
            return self.W_xh @ self.hidden_state  # (H, D) @ (H,): D != H

    ok, out = run(capsys, check_vanilla_rnn, Crashes)
    assert ok is False
    assert "case 'one step from the zero state (T = 1); D=4, H=3, O=2' raised ValueError" in out


# --------------------------------------------------------------------------------------------
# check_rnn_step_backward


def loops_step_backward(dh, cache, *, slope="right", transposed=False, sum_batch=True,
                        recurrent_slope=True, mean_batch=False):
    """Backward of h = tanh(h_prev W_hh^T + x W_xh^T + b) with explicit loops; the keywords
    inject classic mistakes."""
    x, h_prev, W_xh, W_hh, h = cache
    n, d = x.shape
    hidden = h.shape[1]
    slopes = {"right": 1 - h * h, "none": np.ones_like(h), "one_minus_h": 1 - h,
              "h_prev": 1 - h_prev * h_prev}
    da = dh * slopes[slope]
    dx, dh_prev = np.zeros((n, d)), np.zeros((n, hidden))
    dW_xh, dW_hh, db = np.zeros((hidden, d)), np.zeros((hidden, hidden)), np.zeros((n, hidden))
    for b in range(n):
        for i in range(hidden):
            db[b, i] += da[b, i]
            for j in range(d):
                dx[b, j] += da[b, i] * W_xh[i, j]
                dW_xh[i, j] += da[b, i] * x[b, j]
            for j in range(hidden):
                upstream = da[b, i] if recurrent_slope else dh[b, i]
                dh_prev[b, j] += upstream * (W_hh[j, i] if transposed else W_hh[i, j])
                dW_hh[i, j] += da[b, i] * h_prev[b, j]
    db_h = db.mean(axis=0) if mean_batch else db.sum(axis=0) if sum_batch else db
    return dx, dh_prev, dW_xh, dW_hh, db_h


def test_step_backward_cases_cover_the_edge_cases():
    cases = _step_backward_cases()
    shapes = [(c.args[1][0].shape, c.args[1][4].shape) for c in cases]
    assert any(x[0] == 1 for x, _ in shapes)  # batch 1
    assert any(x[0] > 1 for x, _ in shapes)
    assert any(h[1] == 1 for _, h in shapes)  # H = 1
    assert any(x[1] != h[1] for x, h in shapes)  # D != H
    assert any(not c.args[1][1].any() for c in cases)  # h_prev = 0
    assert any(np.abs(c.args[1][4]).max() > 0.95 for c in cases)  # saturated units


def test_step_backward_passes_correct_code(capsys):
    ok, out = run(capsys, check_rnn_step_backward, loops_step_backward)
    assert ok is True
    assert out == "PASS my_rnn_step_backward: all 7 cases match\n"


@pytest.mark.parametrize("mistake, detail, hint", [
    ({"slope": "none"}, "dx: 3 of 3 entries differ", "the tanh is missing from the chain rule"),
    ({"slope": "one_minus_h"}, "dx: 3 of 3 entries differ", "square h"),
    ({"slope": "h_prev"}, "dx: 3 of 3 entries differ", "not to h_prev"),
    ({"transposed": True}, "dh_prev: 4 of 4 entries differ", "dh_prev = da @ W_hh (not"),
    ({"sum_batch": False}, "db_h: wrong shape (1, 4), expected (4,)", "adds the batch up"),
    ({"recurrent_slope": False}, "dh_prev: 4 of 4 entries differ",
     "h_prev reaches h through the tanh too"),
], ids=["forgotten-1-h2", "1-minus-h", "slope-of-h_prev", "transposed-W_hh", "db-not-summed",
        "no-slope-on-recurrent-path"])
def test_step_backward_fails_wrong_code_with_case_and_hint(capsys, mistake, detail, hint):
    ok, out = run(capsys, check_rnn_step_backward,
                  lambda dh, cache: loops_step_backward(dh, cache, **mistake))
    assert ok is False
    assert out.splitlines()[0] == "FAIL my_rnn_step_backward: case 'one sequence (N=1, D=3, H=4)'"
    assert_fails(out, "my_rnn_step_backward", "one sequence", hint, detail)


def test_step_backward_explains_a_bias_gradient_averaged_over_the_batch(capsys):
    ok, out = run(capsys, check_rnn_step_backward,
                  lambda dh, cache: loops_step_backward(dh, cache, mean_batch=True))
    assert ok is False
    assert_fails(out, "my_rnn_step_backward", "a batch of 5", "the SUM of da over the batch",
                 "db_h: 3 of 3 entries differ")


def test_step_backward_catches_the_double_tanh(capsys):
    def student(dh, cache):
        x, h_prev, W_xh, W_hh, h = cache
        da = dh * (1 - np.tanh(h) ** 2)
        return da @ W_xh, da @ W_hh, da.T @ x, da.T @ h_prev, da.sum(axis=0)

    ok, out = run(capsys, check_rnn_step_backward, student)
    assert ok is False
    assert "hint: the cache holds h = tanh(a) already" in out


def test_step_backward_todo_and_exceptions(capsys):
    ok, out = run(capsys, check_rnn_step_backward, not_implemented)
    assert ok is False and out.startswith("TODO my_rnn_step_backward") and "hint" not in out

    def crashes(dh, cache):
        x, h_prev, W_xh, W_hh, h = cache
        return dh @ W_xh.T, None, None, None, None  # (N, H) @ (D, H): shapes do not align

    ok, out = run(capsys, check_rnn_step_backward, crashes)
    assert ok is False
    assert "case 'one sequence (N=1, D=3, H=4)' raised ValueError" in out
    assert "hint: with one row per sequence" in out


# --------------------------------------------------------------------------------------------
# Malformed results


RAGGED = [[1.0, 2.0], [3.0]]


@pytest.mark.parametrize("check, name, result", [
    (check_clip_grad_norm, "my_clip_grad_norm", (RAGGED, 1.0)),
    (check_clip_grad_norm, "my_clip_grad_norm", RAGGED),
    (check_rnn_step_backward, "my_rnn_step_backward", (RAGGED,) * 5),
    (check_rnn_step_backward, "my_rnn_step_backward", RAGGED),
], ids=["clip-tuple", "clip", "step-backward-tuple", "step-backward"])
def test_a_ragged_list_is_a_fail_not_an_exception(capsys, check, name, result):
    ok, out = run(capsys, check, lambda *args: result)
    assert ok is False
    assert out.startswith(f"FAIL {name}: case '")


def test_the_step_backward_shape_hint_survives_a_ragged_list():
    case = _step_backward_cases()[0]
    assert rnn_checks._step_backward_shape_hint(case, (RAGGED,) * 5).startswith("dx must have")


def test_vanilla_rnn_forward_without_return_is_named(capsys):
    cls = type("MyVanillaRNN", (StudentRNN,),
               {"forward": lambda self, x: (StudentRNN.forward(self, x), None)[1],
                "mistakes": {}})
    ok, out = run(capsys, check_vanilla_rnn, cls)
    assert ok is False
    assert "forward(x) output y: got None (does the function end without `return`?)" in out


def test_vanilla_rnn_accepts_y_as_a_tuple_of_numbers(capsys):
    cls = type("MyVanillaRNN", (StudentRNN,),
               {"forward": lambda self, x: tuple(StudentRNN.forward(self, x)), "mistakes": {}})
    assert run(capsys, check_vanilla_rnn, cls)[0] is True


def test_problem_shapes_accept_a_whole_float_count_and_refuse_infinities(capsys):
    ok, out = run(capsys, check_problem_shapes,
                  dict(RIGHT_SHAPES, parameters=float(RIGHT_SHAPES["parameters"])), **SIZES)
    assert ok is True, out
    for bad in ((float("inf"), 2), (10**400, 2)):
        ok, out = run(capsys, check_problem_shapes, dict(RIGHT_SHAPES, **{"one-to-one": bad}),
                      **SIZES)
        assert ok is False and "give the shape as a tuple of whole numbers" in out
    ok, out = run(capsys, check_problem_shapes, dict(RIGHT_SHAPES, parameters=float("inf")),
                  **SIZES)
    assert ok is False and "give a whole number; got inf" in out


@pytest.mark.parametrize("student, hint", [
    (lambda grads, max_norm: clip_grad_norm(grads, max_norm)[::-1],
     "return (clipped, total_norm) in that order: the list of clipped arrays first."),
    (lambda grads, max_norm: np.concatenate([g.ravel() for g in grads]),
     "return a pair (clipped, total_norm): clipped a list with one array per gradient, "
     "total_norm a number."),
], ids=["swapped", "flat-array"])
def test_clip_explains_a_result_of_the_wrong_structure(capsys, student, hint):
    ok, out = run(capsys, check_clip_grad_norm, student)
    assert ok is False
    assert out.splitlines()[-1] == f"  hint: {hint}"
