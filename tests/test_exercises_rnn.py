"""Tests of the RNN exercises (c182lib.exercises.rnn): each passes right answers, fails the
classic mistakes with the right hint, catches writes into its arguments, and grades its hidden
cases.

The "student" code below is written independently of c182lib (explicit loops, column vectors as
in the worksheet), the way a student would write it, and then broken the way students break it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from _exercise_helpers import hidden_cases, stub

from c182lib.checks import (
    check_clip_grad_norm,
    check_problem_shapes,
    check_rnn_step_backward,
    check_vanilla_rnn,
)
from c182lib.exercises import EXERCISES, Outcome
from c182lib.exercises import rnn as rnn_exercises

ROOT = Path(__file__).resolve().parents[1]
SHAPES = EXERCISES["09-problem-shapes"]
CLIP = EXERCISES["10-clip-grad-norm"]
RNN = EXERCISES["11-vanilla-rnn"]
STEP = EXERCISES["11-rnn-step-backward"]

RIGHT_SHAPES = {"one-to-one": (4, 2), "one-to-many": (4, 7, 3), "many-to-one": (4, 2),
                "many-to-many": (4, 6, 2), "hidden-states": (4, 6, 5),
                "parameters": 5 * 3 + 5 * 5 + 5 + 2 * 5 + 2}


def verdict_on(exercise, answer):
    verdict = exercise.check(answer)
    return verdict.status, verdict.case_id, verdict.mistake


# --------------------------------------------------------------------------------------------
# 09-problem-shapes


def test_problem_shape_sizes_are_the_notebooks():
    [path] = (ROOT / "notebooks").glob("09_*.ipynb")
    cells = nbformat.read(path, as_version=4).cells
    [assignment] = [line for cell in cells if cell.cell_type == "code"
                    for line in cell.source.splitlines() if line.startswith("sizes = ")]
    assert ast.literal_eval(assignment.removeprefix("sizes = ")) == rnn_exercises.SIZES


@pytest.mark.parametrize("part, answer", [
    ("one-to-one", [4, 2]), ("one-to-many", np.array([4, 7, 3])), ("many-to-one", (4.0, 2.0)),
    ("parameters", 57.0), ("parameters", np.int64(57))],
    ids=["list", "array", "floats", "float-count", "numpy-count"])
def test_problem_shapes_pass_right_answers_in_other_forms(part, answer):
    [case] = [case for case in SHAPES.public_cases() if case.id == part]
    assert SHAPES.check(answer, [case])


def test_problem_shapes_pass_every_right_answer_through_the_printed_check(capsys):
    assert check_problem_shapes(RIGHT_SHAPES)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(RIGHT_SHAPES) and all(line.startswith("PASS") for line in out)


@pytest.mark.parametrize("part, answer, mistake", [
    ("one-to-one", (2,), "one-to-one: (2,)"),
    ("one-to-one", (4, 5), "one-to-one: (4, 5)"),
    ("many-to-one", (4, 6, 2), "many-to-one: (4, 6, 2)"),
    ("many-to-many", (6, 4, 2), "many-to-many: (6, 4, 2)"),
    ("many-to-many", (4, 2), "many-to-many: (4, 2)"),
    ("one-to-many", (4, 6, 3), "one-to-many: (4, 6, 3)"),
    ("one-to-many", (4, 7, 2), "one-to-many: (4, 7, 2)"),
    ("hidden-states", (4, 7, 5), "hidden-states: (4, 7, 5)"),
    ("parameters", 45, "parameters: 45"),
    ("parameters", 6 * 57, "parameters: 342"),
    ("parameters", 50, "parameters: 50"),
    ("parameters", 58, "parameters: other"),
], ids=lambda value: str(value))
def test_problem_shapes_fail_a_known_wrong_answer_with_its_hint(part, answer, mistake):
    [case] = [case for case in SHAPES.public_cases() if case.id == part]
    verdict = SHAPES.check(answer, [case])
    assert (verdict.status, verdict.case_id, verdict.mistake) == ("FAIL", part, mistake)
    assert str(RIGHT_SHAPES[part]) not in verdict.text()  # no answer given away


def test_problem_shapes_say_todo_for_none_and_missing_parts(capsys):
    answers = dict(RIGHT_SHAPES, **{"one-to-one": None})
    del answers["parameters"]
    assert not check_problem_shapes(answers)
    out = capsys.readouterr().out
    assert "TODO RNN shapes one-to-one" in out and "TODO RNN shapes parameters" in out


# --------------------------------------------------------------------------------------------
# 10-clip-grad-norm


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


def pytorch_rule(grads, max_norm):
    total = np.linalg.norm(np.concatenate([g.ravel() for g in grads]))
    return [g * min(1.0, max_norm / (total + 1e-6)) for g in grads], total


def test_clip_cases_cover_the_edge_cases():
    totals = [(np.sqrt(sum(np.sum(g * g) for g in c.args[0])), c.args[1], len(c.args[0]))
              for c in CLIP.public_cases()]
    assert all(total >= 0.5 for total, _, _ in totals)  # PyTorch's 1e-6 within the tolerance
    assert any(total < limit for total, limit, _ in totals)
    assert any(total > limit for total, limit, _ in totals)
    assert any(np.isclose(total, limit) for total, limit, _ in totals)
    assert any(count > 1 for _, _, count in totals)


@pytest.mark.parametrize("student", [
    loops_clip, pytorch_rule,
    lambda grads, max_norm: tuple(loops_clip(grads, max_norm)),
    lambda grads, max_norm: (lambda c, t: (tuple(c), float(t)))(*loops_clip(grads, max_norm)),
    lambda grads, max_norm: (lambda c, t: ([g.astype(np.float32) for g in c], np.float32(t)))(
        *loops_clip(grads, max_norm)),
], ids=["loops", "pytorch-rule", "returns-a-tuple", "clipped-as-tuple", "float32"])
def test_clip_passes_right_answers(student):
    assert CLIP.check(student)


@pytest.mark.parametrize("options, mistake, case_id", [
    ({"elementwise": True}, "elementwise", "above"),
    ({"per_array": True}, "per array", "one-factor"),
    ({"always": True}, "always scaled", "below"),
    ({"norm_after": True}, "norm after clipping", "above"),
    ({"sum_of_norms": True}, "sum of norms", "one-factor"),
    ({"squared": True}, "squared norm", "above"),
], ids=lambda value: str(value))
def test_clip_fails_each_mistake_with_its_hint(options, mistake, case_id):
    assert verdict_on(CLIP, lambda g, m: loops_clip(g, m, **options)) == ("FAIL", case_id,
                                                                          mistake)


@pytest.mark.parametrize("student, mistake", [
    (lambda g, m: loops_clip(g, m)[0], "not a pair"),
    (lambda g, m: loops_clip(g, m)[::-1], "order swapped"),
    (lambda g, m: (loops_clip(g, m)[0][0], loops_clip(g, m)[1]), "clipped not a list"),
], ids=["clipped-only", "swapped", "one-array"])
def test_clip_explains_a_result_of_the_wrong_structure(student, mistake):
    assert verdict_on(CLIP, student) == ("FAIL", "above", mistake)


def test_clip_catches_a_write_into_the_gradients():
    verdict = CLIP.check(lambda g, m: loops_clip(g, m, in_place=True))
    assert (verdict.status, verdict.case_id, verdict.mistake) == ("FAIL", "above", None)
    assert "`grads[0]`" in verdict.text()


def test_clip_names_each_array_written_into():
    one_factor = [case for case in CLIP.public_cases() if case.id == "one-factor"]
    verdict = CLIP.check(lambda g, m: loops_clip(g, m, in_place=True), one_factor)
    assert all(f"`grads[{i}]`" in verdict.text() for i in range(3))


# --------------------------------------------------------------------------------------------
# 11-vanilla-rnn


class ColumnRNN:
    """The worksheet's class, completed with explicit loops over the units."""

    def __init__(self, input_size, hidden_size, output_size, seed=None):
        rng = np.random.default_rng(seed)
        self.W_hh = rng.standard_normal((hidden_size, hidden_size))
        self.W_xh = rng.standard_normal((hidden_size, input_size))
        self.W_hy = rng.standard_normal((output_size, hidden_size))
        self.b_h = rng.standard_normal(hidden_size)
        self.b_y = rng.standard_normal(output_size)
        self.hidden_state = np.zeros(hidden_size)

    def reset_state(self):
        self.hidden_state = np.zeros(len(self.b_h))

    def forward(self, x):
        h = np.zeros(len(self.b_h))
        for i in range(len(h)):
            total = self.b_h[i]
            for j in range(len(self.hidden_state)):
                total += self.W_hh[i, j] * self.hidden_state[j]
            for j in range(len(x)):
                total += self.W_xh[i, j] * x[j]
            h[i] = np.tanh(total)
        self.hidden_state = h
        return [float(self.W_hy[k] @ h + self.b_y[k]) for k in range(len(self.b_y))]


class RowRNN(ColumnRNN):
    """Row form in float32, as a student copying PyTorch might: also right."""

    def forward(self, x):
        x = np.asarray(x, dtype=np.float32)
        self.hidden_state = np.tanh(self.hidden_state @ self.W_hh.T.astype(np.float32)
                                    + x @ self.W_xh.T + self.b_h).astype(np.float32)
        return (self.hidden_state @ self.W_hy.T + self.b_y).astype(np.float32)


def test_rnn_cases_include_t1_and_a_reset():
    inputs = {case.id: case.args[4] for case in RNN.public_cases()}
    assert sum(x is not None for x in inputs["t1"]) == 1
    assert sum(x is None for x in inputs["reset"]) == 2
    assert all(len({*case.args[:3]}) == 3 for case in RNN.public_cases())  # D, H, O differ


@pytest.mark.parametrize("cls", [rnn_exercises.StepRNN, ColumnRNN, RowRNN],
                         ids=["solution", "loops", "rows-float32"])
def test_rnn_passes_right_classes(cls):
    verdict = RNN.check(cls)
    assert verdict, verdict.text()


@pytest.mark.parametrize("slip, mistake, case_id", [
    ({"old_state": True}, "output from the old state", "t1"),
    ({"transposed": True}, "recurrence transposed", "t5"),
    ({"tanh_on_output": True}, "tanh on the output", "t1"),
    ({"activation": lambda a: a}, "tanh missing", "t1"),
    ({"activation": lambda a: np.maximum(a, 0.0)}, "relu", "t1"),
    ({"activation": lambda a: 1 / (1 + np.exp(-a))}, "sigmoid", "t1"),
    ({"no_b_h": True}, "hidden bias missing", "t1"),
    ({"no_b_y": True}, "output bias missing", "t1"),
    ({"state_not_kept": True}, "state not kept", "t1"),
    ({"no_reset": True}, "state not reset", "reset"),
], ids=lambda value: str(value) if isinstance(value, str) else None)
def test_rnn_fails_each_mistake_with_its_hint(slip, mistake, case_id):
    assert verdict_on(RNN, rnn_exercises.with_slip(**slip)) == ("FAIL", case_id, mistake)


def test_rnn_calls_tanh_on_part_of_the_sum_a_missing_tanh():
    class PartlySquashed(ColumnRNN):
        def forward(self, x):
            self.hidden_state = (np.tanh(self.W_hh @ self.hidden_state) + self.W_xh @ x
                                 + self.b_h)
            return self.W_hy @ self.hidden_state + self.b_y

    assert verdict_on(RNN, PartlySquashed) == ("FAIL", "t1", "tanh missing")


def test_rnn_explains_the_constructor_typo():
    class Typo:  # the worksheet's skeleton: three underscores, so no __init__ at all
        def ___init___(self, input_size, hidden_size, output_size, seed=None):
            raise AssertionError("never called")

        forward, reset_state = ColumnRNN.forward, ColumnRNN.reset_state

    verdict = RNN.check(Typo)
    assert (verdict.status, verdict.case_id, verdict.mistake) == ("FAIL", "t1",
                                                                  "attribute missing")
    assert "takes no arguments" in verdict.text()


@pytest.mark.parametrize("change, mistake", [
    (lambda m: setattr(m, "hidden_state", np.zeros((3, 3))), "hidden state a matrix"),
    (lambda m: setattr(m, "W_xh", m.W_xh.T.copy()), "weight transposed"),
    (lambda m: delattr(m, "hidden_state"), "attribute missing"),
], ids=["state-matrix", "transposed-W_xh", "no-b_y"])
def test_rnn_checks_the_attributes(change, mistake):
    class Changed(ColumnRNN):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            change(self)

    verdict = RNN.check(Changed)
    assert (verdict.status, verdict.case_id, verdict.mistake) == ("FAIL", "t1", mistake)


def test_rnn_says_forward_returns_y_only():
    class ReturnsState(ColumnRNN):
        def forward(self, x):
            return super().forward(x), self.hidden_state

    assert verdict_on(RNN, ReturnsState) == ("FAIL", "t1", "returns more than y")


def test_rnn_explains_the_worksheets_column_vectors():
    class Columns(ColumnRNN):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.hidden_state = self.hidden_state.reshape(-1, 1)

    assert verdict_on(RNN, Columns) == ("FAIL", "t1", "column vectors")

    class ColumnOutput(ColumnRNN):
        def forward(self, x):
            return np.array(super().forward(x)).reshape(-1, 1)

    assert verdict_on(RNN, ColumnOutput) == ("FAIL", "t1", "column vectors")


def test_rnn_says_forward_returns_nothing():
    class NoReturn(ColumnRNN):
        def forward(self, x):
            super().forward(x)

    assert verdict_on(RNN, NoReturn) == ("FAIL", "t1", "returns None")


def test_rnn_catches_a_write_into_the_input():
    class Writes(ColumnRNN):
        def forward(self, x):
            y = super().forward(x)
            x *= 2
            return y

    verdict = RNN.check(Writes)
    assert verdict.status == "FAIL" and "`inputs[1]`" in verdict.text()


# --------------------------------------------------------------------------------------------
# 11-rnn-step-backward


def loops_step_backward(dh, cache, *, slope="right", transposed=False, recurrent_slope=True,
                        mean_batch=False):
    """Backward of h = tanh(h_prev W_hh^T + x W_xh^T + b) with explicit loops; the keywords
    inject classic mistakes."""
    x, h_prev, W_xh, W_hh, h = cache
    n, d = x.shape
    hidden = h.shape[1]
    slopes = {"right": 1 - h * h, "none": np.ones_like(h), "one_minus_h": 1 - h,
              "h_prev": 1 - h_prev * h_prev, "double_tanh": 1 - np.tanh(h) ** 2}
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
    return dx, dh_prev, dW_xh, dW_hh, db.mean(axis=0) if mean_batch else db.sum(axis=0)


def test_step_backward_cases_cover_the_edge_cases():
    caches = [case.args[1] for case in STEP.public_cases()]
    assert any(x.shape[0] == 1 for x, *_ in caches)  # batch 1
    assert any(x.shape[0] > 1 for x, *_ in caches)
    assert any(h.shape[1] == 1 for *_, h in caches)  # H = 1
    assert any(x.shape[1] == h.shape[1] for x, *_, h in caches)  # D = H
    assert any(not h_prev.any() for _, h_prev, *_ in caches)  # h_prev = 0
    assert any(np.abs(h).max() > 0.95 for *_, h in caches)  # saturated units


def by_field_names(dh, cache):
    """Reads the cache by its field names, as the notebook says an RnnStepCache allows."""
    da = dh * (1 - cache.h ** 2)
    return (da @ cache.W_xh, da @ cache.W_hh, da.T @ cache.x, da.T @ cache.h_prev,
            da.sum(axis=0))


@pytest.mark.parametrize("student", [
    loops_step_backward,
    lambda dh, cache: [np.asarray(g, np.float32) for g in loops_step_backward(dh, cache)],
    lambda dh, cache: tuple(g.tolist() for g in loops_step_backward(dh, cache)),
    by_field_names,
], ids=["loops", "float32-list", "nested-lists", "by-field-names"])
def test_step_backward_passes_right_answers(student):
    verdict = STEP.check(student)
    assert verdict, verdict.text()


def test_step_backward_gives_the_cache_as_an_rnn_step_cache_also_in_hidden_cases():
    verdict = STEP.check(by_field_names, hidden_cases(STEP.id))
    assert verdict, verdict.text()

    def writes_by_name(dh, cache):
        grads = by_field_names(dh, cache)
        cache.h_prev[...] = 0
        return grads

    assert "`cache[1]`" in STEP.check(writes_by_name).text()


@pytest.mark.parametrize("options, mistake, case_id", [
    ({"slope": "none"}, "tanh slope missing", "batch1"),
    ({"slope": "one_minus_h"}, "slope not squared", "batch1"),
    ({"slope": "double_tanh"}, "tanh applied twice", "batch1"),
    ({"slope": "h_prev"}, "slope of h_prev", "batch1"),
    ({"transposed": True}, "recurrence transposed", "batch1"),
    ({"recurrent_slope": False}, "recurrent path without slope", "batch1"),
    ({"mean_batch": True}, "bias averaged", "batch5"),
], ids=lambda value: str(value) if isinstance(value, str) else None)
def test_step_backward_fails_each_mistake_with_its_hint(options, mistake, case_id):
    student = lambda dh, cache: loops_step_backward(dh, cache, **options)  # noqa: E731
    assert verdict_on(STEP, student) == ("FAIL", case_id, mistake)


@pytest.mark.parametrize("order", [(1, 0, 2, 3, 4), (0, 1, 3, 2, 4), (4, 3, 2, 1, 0)],
                         ids=["dx-dh_prev", "dW_xh-dW_hh", "reversed"])
def test_step_backward_calls_a_swapped_return_order_a_swapped_order(order):
    def swapped(dh, cache):
        grads = loops_step_backward(dh, cache)
        return tuple(grads[i] for i in order)

    status, _, mistake = verdict_on(STEP, swapped)
    assert (status, mistake) == ("FAIL", "order swapped")


@pytest.mark.parametrize("student, mistake", [
    (lambda dh, cache: (*loops_step_backward(dh, cache)[:2],
                        loops_step_backward(dh, cache)[2].T, *loops_step_backward(dh, cache)[3:]),
     "gradient shape"),
    (lambda dh, cache: (*loops_step_backward(dh, cache)[:4], dh * (1 - cache[4] ** 2)),
     "gradient shape"),
    (lambda dh, cache: (dh @ cache[2].T, *loops_step_backward(dh, cache)[1:]),
     "matrix product mismatch"),
], ids=["dW_xh-transposed", "db_h-per-row", "product-mismatch"])
def test_step_backward_explains_shape_slips(student, mistake):
    assert verdict_on(STEP, student) == ("FAIL", "batch1", mistake)


@pytest.mark.parametrize("index, name", [(0, "x"), (1, "h_prev"), (4, "h")])
def test_step_backward_catches_writes_into_the_cache(index, name):
    def writes(dh, cache):
        grads = loops_step_backward(dh, cache)
        cache[index][...] = 0
        return grads

    verdict = STEP.check(writes)
    assert verdict.status == "FAIL" and f"`cache[{index}]`" in verdict.text(), name


def test_step_backward_catches_a_write_into_dh():
    def writes(dh, cache):
        grads = loops_step_backward(dh, cache)
        dh *= 1 - cache[4] ** 2
        return grads

    assert "`dh`" in STEP.check(writes).text()


# --------------------------------------------------------------------------------------------
# Hidden cases, first hints, the printed checks and the notebooks


@pytest.mark.parametrize("exercise, student", [
    (CLIP, loops_clip), (RNN, ColumnRNN), (STEP, loops_step_backward)],
    ids=lambda value: getattr(value, "id", ""))
def test_hidden_cases_pass_a_right_answer_written_independently(exercise, student):
    cases = hidden_cases(exercise.id)
    assert len(cases) >= 4 and all(case.id.startswith("h-") for case in cases)
    assert exercise.check(student, cases)


def test_the_printed_check_gives_the_next_tier_when_the_same_mistake_repeats(capsys):
    old_state = rnn_exercises.with_slip(old_state=True)
    assert not check_vanilla_rnn(old_state)
    first = capsys.readouterr().out
    assert not check_vanilla_rnn(old_state)
    second = capsys.readouterr().out
    assert first.startswith("FAIL MyVanillaRNN: case 'one sequence (batch 1) of one step")
    [first_hint] = [line for line in first.splitlines() if line.startswith("  hint:")]
    [second_hint] = [line for line in second.splitlines() if line.startswith("  hint:")]
    assert first_hint != second_hint
    assert check_vanilla_rnn(ColumnRNN)
    assert capsys.readouterr().out == "PASS MyVanillaRNN: all 6 cases match\n"


def test_the_printed_checks_say_todo_for_the_stub(capsys):
    class Stub:
        def __init__(self, *args, **kwargs):
            raise NotImplementedError

    results = [check_clip_grad_norm(stub), check_vanilla_rnn(Stub),
               check_rnn_step_backward(stub)]
    assert results == [False, False, False]
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in out] == [
        ["TODO", "my_clip_grad_norm:"], ["TODO", "MyVanillaRNN:"],
        ["TODO", "my_rnn_step_backward:"]]


def test_problem_shapes_check_one_part_at_a_time(capsys):
    assert not check_problem_shapes("parameters", 45)
    out = capsys.readouterr().out
    assert out.startswith("FAIL RNN shapes parameters") and "  hint: " in out
    assert check_problem_shapes("hidden-states", (4, 6, 5))


@pytest.mark.parametrize("exercise, answer, mistake", [
    (RNN, rnn_exercises.with_slip(no_reset=True), "state not reset"),
    (STEP, lambda dh, cache: loops_step_backward(dh, cache)[::-1], "order swapped")],
    ids=["class", "function"])
def test_a_verdict_survives_the_graders_json_round_trip(exercise, answer, mistake):
    passed = []
    for case in exercise.public_cases():
        outcome = Outcome.from_json(exercise.run(answer, case).to_json())
        verdict = exercise.judge(case, outcome, passed)
        if not verdict:
            break
        passed.append(case)
    assert verdict.mistake == mistake


def test_an_attribute_never_set_is_named_after_the_json_round_trip():
    class NoState(ColumnRNN):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            del self.hidden_state

    [case] = RNN.public_cases()[:1]
    outcome = Outcome.from_json(RNN.run(NoState, case).to_json())
    verdict = RNN.judge(case, outcome)
    assert verdict.mistake == "attribute missing" and "never set" in verdict.text()


def test_the_clip_cases_state_their_norms_truly():
    stated = 0
    for case in CLIP.public_cases():
        match = re.search(r"norm (?:√\d+ ≈ )?(\d+(?:\.\d+)?)", case.description)
        if match:
            stated += 1
            norm = np.sqrt(sum(np.sum(np.square(g)) for g in case.args[0]))
            assert norm == pytest.approx(float(match.group(1)), abs=0.005), case.id
    assert stated >= 4


def test_a_class_without_reset_state_is_told_so():
    verdict = EXERCISES["11-vanilla-rnn"].check(type("MyVanillaRNN", (), {
        name: value for name, value in vars(rnn_exercises.StepRNN).items()
        if name not in ("reset_state", "__dict__", "__weakref__")}))
    assert verdict.status == "FAIL" and verdict.mistake == "method missing", verdict.text()
    assert "reset_state" in verdict.text()
