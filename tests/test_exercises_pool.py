"""Tests of the pooling exercises (c182lib.exercises.pool): each passes right answers, fails the
classic mistakes with the right hint, catches writes into its arguments, and grades its hidden
cases.

The "student" functions below are written independently of c182lib (explicit loops), the way a
student would write them, and then broken the way students break them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from _exercise_helpers import hidden_cases, stub

from c182lib.checks import (
    check_avgpool_backward,
    check_maxpool_backward,
    check_pool_output_size,
    check_pool_shape,
)
from c182lib.exercises import EXERCISES

OUTPUT_SIZE = EXERCISES["06-pool-output-size"]
POOL_SHAPE = EXERCISES["06-pool-shape"]
MAXPOOL = EXERCISES["07-maxpool-backward"]
AVGPOOL = EXERCISES["07-avgpool-backward"]

# --------------------------------------------------------------------------------------------
# Student-style implementations


def loops_pool_output_size(n, K, S, padding=0):
    count, start = 0, 0
    while start + K <= n + 2 * padding:
        count, start = count + 1, start + S
    return count


def loops_maxpool_backward(dout, x, K, S, *, ties="first", assign=False):
    """Max-pool backward with loops; ``ties`` and ``assign`` inject the classic mistakes."""
    dx = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            best = None
            winners = []
            for r in range(i * S, i * S + K):
                for c in range(j * S, j * S + K):
                    if best is None or x[r, c] > best:
                        best, winners = x[r, c], [(r, c)]
                    elif x[r, c] == best:
                        winners.append((r, c))
            if ties == "first":
                winners = winners[:1]
            elif ties == "last":
                winners = winners[-1:]
            for r, c in winners:  # ties == "all": every tied maximum
                if assign:
                    dx[r, c] = dout[i, j]
                else:
                    dx[r, c] += dout[i, j]
    return dx


def loops_avgpool_backward(dout, x, K, S, *, divisor=None, assign=False):
    dx = np.zeros_like(x)
    divisor = K * K if divisor is None else divisor
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            for r in range(i * S, i * S + K):
                for c in range(j * S, j * S + K):
                    if assign:
                        dx[r, c] = dout[i, j] / divisor
                    else:
                        dx[r, c] += dout[i, j] / divisor
    return dx


def as_lists(student):
    return lambda *args: student(*args).tolist()


def in_float32(student):
    """The student computes in float32 throughout."""
    return lambda dout, x, K, S: student(np.float32(dout), np.float32(x), K, S)


# --------------------------------------------------------------------------------------------
# The cases hold the classic edge cases


def test_output_size_cases_cover_the_edge_cases():
    settings = [(*c.args, c.kwargs["padding"]) for c in OUTPUT_SIZE.public_cases()]
    assert any((n + 2 * p - k) % s for n, k, s, p in settings)   # a stride that does not tile
    assert any(s < k for n, k, s, p in settings)                 # overlapping windows
    assert any(s > k for n, k, s, p in settings)                 # cells skipped between windows
    assert any(p > 0 for n, k, s, p in settings)
    assert any(k == 1 for n, k, s, p in settings)
    assert any(n == k for n, k, s, p in settings)
    # n // S is right whenever K = S: some case must have K != S and n // S wrong
    assert any(n // s != loops_pool_output_size(n, k, s, p) for n, k, s, p in settings)


@pytest.mark.parametrize("exercise", [MAXPOOL, AVGPOOL], ids=lambda e: e.id)
def test_backward_cases_cover_the_edge_cases(exercise):
    cases = exercise.public_cases()
    settings = [(c.args[1].shape, c.args[2], c.args[3]) for c in cases]
    assert any(k > s for _, k, s in settings)                              # overlap
    assert any((h - k) % s or (w - k) % s for (h, w), k, s in settings)    # does not tile
    assert any(s > k for _, k, s in settings)
    assert any(h != w for (h, w), _, _ in settings)                        # non-square
    assert any(h != w and k > s and ((h - k) % s or (w - k) % s) for (h, w), k, s in settings)
    assert any(k == 1 for _, k, _ in settings)
    assert any(c.args[0].shape[0] == 1 for c in cases)                     # one row of windows
    for case in cases:  # random upstream gradients: no zero entries, not all equal
        dout = case.args[0]
        assert np.all(dout != 0) and (dout.size == 1 or np.ptp(dout) > 0)
    ids = [case.id for case in cases]
    assert len(set(ids)) == len(ids)


def test_maxpool_cases_have_ties_where_the_order_matters():
    def differ(**options):
        return [c.id for c in MAXPOOL.public_cases()
                if np.any(loops_maxpool_backward(*c.args, **options)
                          != loops_maxpool_backward(*c.args))]

    assert "tie-3" in differ(ties="all") and "tie-3" in differ(ties="last")
    assert "ties-overlap" in differ(ties="all")
    assert any(c.args[1].max() < 0 for c in MAXPOOL.public_cases())


# --------------------------------------------------------------------------------------------
# (a) right answers pass


@pytest.mark.parametrize("student", [
    loops_pool_output_size,
    lambda n, K, S, padding=0: math.floor((n + 2 * padding - K) / S) + 1,
    lambda n, K, S, padding=0: float((n + 2 * padding - K) // S + 1),
    lambda n, K, S, padding=0: np.int32(len(range(0, n + 2 * padding - K + 1, S))),
], ids=["loops", "floor", "a-float", "numpy-int"])
def test_output_size_passes_right_answers(student):
    verdict = OUTPUT_SIZE.check(student)
    assert verdict, verdict.text()


@pytest.mark.parametrize("exercise, student", [
    (MAXPOOL, loops_maxpool_backward),
    (MAXPOOL, MAXPOOL.solution),  # np.argmax of each window, as the notebook suggests
    (MAXPOOL, as_lists(loops_maxpool_backward)),
    (MAXPOOL, in_float32(MAXPOOL.solution)),
    (AVGPOOL, loops_avgpool_backward),
    (AVGPOOL, as_lists(loops_avgpool_backward)),
    (AVGPOOL, in_float32(loops_avgpool_backward)),
], ids=["max-loops", "max-argmax", "max-lists", "max-float32", "avg-loops", "avg-lists",
        "avg-float32"])
def test_backward_passes_right_answers(exercise, student):
    verdict = exercise.check(student)
    assert verdict, verdict.text()


RIGHT_SHAPES = {"figure1": (2, 2, 1), "vgg": (112, 112, 64), "non-tiling": (3, 3, 3),
                "alexnet": (27, 27, 96), "params": 0}


@pytest.mark.parametrize("part", sorted(RIGHT_SHAPES))
def test_pool_shape_passes_the_right_answer(part):
    [case] = [case for case in POOL_SHAPE.public_cases() if case.id == part]
    assert case.answer_name == f"answer_{part.replace('-', '_')}"
    assert POOL_SHAPE.check(RIGHT_SHAPES[part], [case])


def test_pool_shape_accepts_a_list_or_an_array(capsys):
    assert check_pool_shape("vgg", [112, 112, 64])
    assert check_pool_shape("vgg", np.array([112, 112, 64]))
    assert check_pool_shape(RIGHT_SHAPES)
    assert capsys.readouterr().out.count("PASS Problem 1(e)") == 2 + len(RIGHT_SHAPES)


# --------------------------------------------------------------------------------------------
# (b) classic mistakes fail, with the hint of that mistake


@pytest.mark.parametrize("student, mistake, case_id", [
    (lambda n, K, S, padding=0: math.ceil((n + 2 * padding - K) / S) + 1, "rounded up",
     "no-tile"),
    (lambda n, K, S, padding=0: (n + 2 * padding - K) / S + 1, "not rounded", "no-tile"),
    (lambda n, K, S, padding=0: (n + 2 * padding - K) // S, "first window not counted",
     "figure1"),
    (lambda n, K, S, padding=0: (n + 2 * padding) // S, "n over S", "stride1"),
    (lambda n, K, S, padding=0: (n + padding - K) // S + 1, "padding at one end", "pad-same"),
    (lambda n, K, S, padding=0: (n - K) // S + 1, "padding ignored", "resnet"),
    (lambda n, K, S, padding=0: n + 2 * padding - K + 1, "stride ignored", "figure1"),
], ids=["ceil", "no-floor", "missing-plus-one", "n-over-S", "padding-once", "padding-ignored",
        "stride-ignored"])
def test_output_size_fails_each_mistake_with_its_hint(student, mistake, case_id):
    verdict = OUTPUT_SIZE.check(student)
    assert (verdict.status, verdict.case_id, verdict.mistake) == ("FAIL", case_id, mistake)
    assert verdict.hints


@pytest.mark.parametrize("part, answer, mistake", [
    ("non-tiling", (4, 4, 3), "non-tiling: (4, 4, 3)"),          # rounded up
    ("alexnet", (26, 26, 96), "alexnet: (26, 26, 96)"),          # first window not counted
    ("alexnet", (53, 53, 96), "alexnet: (53, 53, 96)"),          # stride 1
    ("alexnet", (27, 27, 96)[::-1], "alexnet: (96, 27, 27)"),    # PyTorch's order
    ("vgg", (112, 112, 1), "vgg: (112, 112, 1)"),                # channels changed
    ("vgg", [112, 112], "vgg: (112, 112)"),                      # no channels
    ("non-tiling", (3, 3, 1), "non-tiling: (3, 3, 1)"),
    ("figure1", (2, 2, 2), "figure1: other"),
    ("params", 18, "params: other"),
])
def test_pool_shape_fails_known_wrong_answers_with_their_hint(part, answer, mistake):
    [case] = [case for case in POOL_SHAPE.public_cases() if case.id == part]
    verdict = POOL_SHAPE.check(answer, [case])
    assert (verdict.status, verdict.case_id, verdict.mistake) == ("FAIL", part, mistake)
    if part != "params":  # says what is wrong, not the right answer
        assert str(RIGHT_SHAPES[part]) not in verdict.text(2)


def test_pool_shape_todo_and_bad_part(capsys):
    assert not check_pool_shape("alexnet", None)
    assert capsys.readouterr().out.startswith("TODO Problem 1(e) alexnet")
    with pytest.raises(ValueError, match=r"part must be one of .*'alexnet'.*got 'e'"):
        check_pool_shape("e", (1, 1, 1))


def last_of_ties(dout, x, K, S):
    """'>=' keeps the last maximum."""
    return loops_maxpool_backward(dout, x, K, S, ties="last")


def column_major_ties(dout, x, K, S):
    dx = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            window = x[i * S:i * S + K, j * S:j * S + K]
            c, r = np.unravel_index(np.argmax(window.T), window.T.shape)
            dx[i * S + r, j * S + c] += dout[i, j]
    return dx


def split_ties(dout, x, K, S):
    dx = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            window = x[i * S:i * S + K, j * S:j * S + K]
            winners = window == window.max()
            dx[i * S:i * S + K, j * S:j * S + K] += winners * dout[i, j] / winners.sum()
    return dx


@pytest.mark.parametrize("student, mistake, case_id", [
    (lambda *a: loops_maxpool_backward(*a, assign=True), "overwritten instead of added",
     "overlap-s1"),
    (lambda *a: loops_maxpool_backward(*a, ties="all"), "every tied maximum", "tie-3"),
    (split_ties, "split among tied maxima", "tie-3"),
    (last_of_ties, "last tied maximum", "tie-3"),
    (column_major_ties, "column-major ties", "tie-3"),
    (lambda *a: loops_avgpool_backward(*a, divisor=1), "spread over the window", "hint-2x2"),
    (loops_avgpool_backward, "average pooling", "hint-2x2"),
    (lambda dout, x, K, S: dout, "dx shape", "hint-2x2"),
], ids=["assign", "ties-all", "ties-split", "ties-last", "ties-column-major", "spread",
        "average", "shape-of-dout"])
def test_maxpool_fails_each_mistake_with_its_hint(student, mistake, case_id):
    verdict = MAXPOOL.check(student)
    assert (verdict.status, verdict.case_id, verdict.mistake) == ("FAIL", case_id, mistake)


def test_a_missing_return_gets_no_shape_hint():
    verdict = MAXPOOL.check(lambda dout, x, K, S: None)
    assert verdict.status == "FAIL" and verdict.mistake is None
    assert "without `return`" in verdict.text()


def test_maxpool_names_the_entries_of_a_tie():
    text = MAXPOOL.check(last_of_ties).text()
    assert "at (0, 1): got 0, expected" in text and "at (1, 1): got" in text


def test_an_index_past_the_end_is_reported_with_its_case():
    def student(dout, x, K, S):
        if S > K:
            return x[x.shape[0] + 1]  # IndexError, only on the stride-3 case
        return loops_maxpool_backward(dout, x, K, S)

    verdict = MAXPOOL.check(student)
    assert (verdict.case_id, verdict.mistake) == ("stride-gt-k", "index past the end")
    assert "raised IndexError" in verdict.text()


@pytest.mark.parametrize("options, mistake, case_id", [
    ({"divisor": 1}, "not divided", "hint-2x2"),
    ({"divisor": 2}, "divided by K", "hint-2x2"),
    ({"assign": True}, "overwritten instead of added", "one-row"),
    ({"assign": True, "divisor": 1}, "not divided", "hint-2x2"),
], ids=["not-divided", "divided-by-K", "assign", "assign-not-divided"])
def test_avgpool_fails_each_mistake_with_its_hint(options, mistake, case_id):
    verdict = AVGPOOL.check(lambda *a: loops_avgpool_backward(*a, **options))
    assert (verdict.status, verdict.case_id, verdict.mistake) == ("FAIL", case_id, mistake)


def test_avgpool_both_slips_on_an_overlapping_case_get_the_two_slip_hint():
    overlapping = [c for c in AVGPOOL.public_cases() if c.id == "overlap-s1"]
    verdict = AVGPOOL.check(lambda *a: loops_avgpool_backward(*a, assign=True, divisor=1),
                            overlapping)
    assert verdict.mistake == "not divided, overwritten"


# --------------------------------------------------------------------------------------------
# (c) writes into an argument are caught and named


@pytest.mark.parametrize("exercise, student", [
    (MAXPOOL, loops_maxpool_backward), (AVGPOOL, loops_avgpool_backward)],
    ids=lambda value: getattr(value, "id", ""))
@pytest.mark.parametrize("argument", ["dout", "x"])
def test_a_write_into_an_argument_fails_naming_it(exercise, student, argument):
    def writes(dout, x, K, S):
        dx = student(dout, x, K, S)
        {"dout": dout, "x": x}[argument][...] = 0
        return dx

    verdict = exercise.check(writes)
    assert verdict.status == "FAIL" and verdict.mistake is None
    assert f"`{argument}`" in verdict.text()


# --------------------------------------------------------------------------------------------
# (d) hidden cases


@pytest.mark.parametrize("exercise, student", [
    (OUTPUT_SIZE, loops_pool_output_size), (MAXPOOL, loops_maxpool_backward),
    (AVGPOOL, loops_avgpool_backward)], ids=lambda value: getattr(value, "id", ""))
def test_hidden_cases_pass_a_right_answer_written_independently(exercise, student):
    cases = hidden_cases(exercise.id)
    assert len(cases) >= 5 and all(case.id.startswith("h-") for case in cases)
    assert exercise.check(student, cases)


# --------------------------------------------------------------------------------------------
# The student-facing checks and the notebooks


def test_the_printed_check_gives_the_next_tier_when_the_same_mistake_repeats(capsys):
    def assign(*args):
        return loops_maxpool_backward(*args, assign=True)

    assert not check_maxpool_backward(assign)
    first = capsys.readouterr().out
    assert not check_maxpool_backward(assign)
    second = capsys.readouterr().out
    assert first.startswith("FAIL my_maxpool_backward: case 'overlapping windows K=3, S=1")
    [first_hint] = [line for line in first.splitlines() if line.startswith("  hint:")]
    [second_hint] = [line for line in second.splitlines() if line.startswith("  hint:")]
    assert first_hint != second_hint  # tier 2, not tier 1 again
    assert check_maxpool_backward(loops_maxpool_backward)
    assert capsys.readouterr().out.startswith("PASS my_maxpool_backward: all ")


def test_the_printed_checks_say_todo_for_the_stub(capsys):
    for check in (check_pool_output_size, check_maxpool_backward, check_avgpool_backward):
        assert not check(stub)
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in out] == [
        ["TODO", "my_pool_output_size:"], ["TODO", "my_maxpool_backward:"],
        ["TODO", "my_avgpool_backward:"]]
