"""Tests of c182lib.checks.pool: each check passes correct code and explains wrong code.

The "student" functions below are written independently of c182lib (explicit loops), the way a
student would write them, and then broken the way students break them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from _checks_helpers import assert_fails, not_implemented, run

from c182lib.checks.pool import (
    POOL_SHAPE_PARTS,
    _avgpool_cases,
    _backward_shape_hint,
    _maxpool_cases,
    _output_size_cases,
    check_avgpool_backward,
    check_maxpool_backward,
    check_pool_output_size,
    check_pool_shape,
)

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


# --------------------------------------------------------------------------------------------
# check_pool_output_size


def test_output_size_cases_cover_the_edge_cases():
    settings = [(*c.args, c.kwargs["padding"]) for c in _output_size_cases()]
    assert any((n + 2 * p - k) % s for n, k, s, p in settings)   # a stride that does not tile
    assert any(s < k for n, k, s, p in settings)                 # overlapping windows
    assert any(s > k for n, k, s, p in settings)                 # cells skipped between windows
    assert any(p > 0 for n, k, s, p in settings)
    assert any(k == 1 for n, k, s, p in settings)
    assert any(n == k for n, k, s, p in settings)
    # n // S is right whenever K = S: some case must have K != S and n // S wrong
    assert any(n // s != loops_pool_output_size(n, k, s, p) for n, k, s, p in settings)


def test_output_size_passes_correct_code(capsys):
    ok, out = run(capsys, check_pool_output_size, loops_pool_output_size)
    assert ok is True
    assert out.startswith("PASS my_pool_output_size: all 18 cases match")


@pytest.mark.parametrize("student, case, hint", [
    (lambda n, K, S, padding=0: math.ceil((n + 2 * padding - K) / S) + 1,
     "stride 2 does not tile n=7", "round DOWN"),
    (lambda n, K, S, padding=0: (n + 2 * padding) // S, "K=3, S=1", "n // S leaves out"),
    (lambda n, K, S, padding=0: (n + 2 * padding - K) // S, "the worksheet's Figure 1",
     "count the first"),
    (lambda n, K, S, padding=0: (n + padding - K) // S + 1, "padding 2 keeps", "EACH end"),
    (lambda n, K, S, padding=0: n + 2 * padding - K + 1, "the worksheet's Figure 1",
     "stride-1 count"),
    (lambda n, K, S, padding=0: (n - K) // S + 1, "padding 1, K=3, S=2 on n=112",
     "the padding is missing"),
], ids=["ceil", "n-over-S", "missing-plus-one", "padding-once", "stride-ignored",
        "padding-ignored"])
def test_output_size_fails_wrong_code_with_case_and_hint(capsys, student, case, hint):
    ok, out = run(capsys, check_pool_output_size, student)
    assert ok is False
    assert_fails(out, "my_pool_output_size", case, hint)
    assert out.count("hint:") == 1


def test_output_size_todo(capsys):
    ok, out = run(capsys, check_pool_output_size, not_implemented)
    assert ok is False and out.startswith("TODO my_pool_output_size")


# --------------------------------------------------------------------------------------------
# check_pool_shape

RIGHT_ANSWERS = {"figure1": (2, 2, 1), "vgg": (112, 112, 64), "non-tiling": (3, 3, 3),
                 "alexnet": (27, 27, 96), "params": 0}


def test_shape_parts_are_the_documented_ones():
    assert set(POOL_SHAPE_PARTS) == set(RIGHT_ANSWERS)


@pytest.mark.parametrize("part", sorted(RIGHT_ANSWERS))
def test_shape_passes_the_right_answer(capsys, part):
    ok, out = run(capsys, check_pool_shape, part, RIGHT_ANSWERS[part])
    assert ok is True
    assert out.startswith(f"PASS Problem 1(e) {part}")


def test_shape_accepts_a_list_or_an_array(capsys):
    assert check_pool_shape("vgg", [112, 112, 64]) is True
    assert check_pool_shape("vgg", np.array([112, 112, 64])) is True
    capsys.readouterr()


@pytest.mark.parametrize("part, answer, detail, hint", [
    ("non-tiling", (4, 4, 3), "answer[0] = 4 and answer[1] = 4 are not right",
     "round (n - K) / S DOWN"),
    ("alexnet", (26, 26, 96), "answer[0] = 26 and answer[1] = 26 are not right",
     "count the first window"),
    ("alexnet", (53, 53, 96), "answer[0] = 53 and answer[1] = 53 are not right",
     "stride-1 count"),
    ("vgg", (112, 112, 1), "answer[2] = 1 is not right", "does not change"),
    ("vgg", (64, 112, 112), "answer[0] = 64 and answer[2] = 112 are not right",
     "worksheet's order"),
    ("vgg", (112, 112), "answer: expected a tuple of 3 numbers, got (112, 112)",
     "give all three"),
    ("params", 18, "answer: 18 is not right", "no weights"),
    ("figure1", (2, 2, 2), "answer[2] = 2 is not right", "floor((n - K) / S) + 1"),
], ids=["ceil", "missing-plus-one", "stride-ignored", "channels", "order", "no-channels",
        "params", "default-hint"])
def test_shape_fails_wrong_answers_with_hint(capsys, part, answer, detail, hint):
    """The verdict line ends with what is wrong, never with the expected answer."""
    ok, out = run(capsys, check_pool_shape, part, answer)
    assert ok is False
    assert out.startswith(f"FAIL Problem 1(e) {part}")
    assert out.splitlines()[0].endswith(f": {detail}") and "expected 0" not in out
    assert out.splitlines()[-1].startswith("  hint:") and hint in out.splitlines()[-1]


def test_shape_todo(capsys):
    ok, out = run(capsys, check_pool_shape, "alexnet", None)
    assert ok is False and out.startswith("TODO Problem 1(e) alexnet")


def test_shape_unknown_part_is_a_value_error_naming_part():
    with pytest.raises(ValueError, match=r"part must be one of .*'alexnet'.*got 'e'"):
        check_pool_shape("e", (1, 1, 1))


# --------------------------------------------------------------------------------------------
# check_maxpool_backward


def test_maxpool_cases_cover_the_edge_cases():
    cases = _maxpool_cases()
    settings = [(c.args[1].shape, c.args[2], c.args[3]) for c in cases]
    assert any(k > s for _, k, s in settings)                              # overlap
    assert any((h - k) % s or (w - k) % s for (h, w), k, s in settings)    # does not tile
    assert any(s > k for _, k, s in settings)
    assert any(h != w for (h, w), _, _ in settings)
    assert any(k == 1 for _, k, _ in settings)
    assert any(c.args[1].max() < 0 for c in cases)
    # ties: some window whose maximum occurs more than once
    assert any(np.any(loops_maxpool_backward(np.ones_like(c.args[0]), *c.args[1:], ties="all")
                      != loops_maxpool_backward(np.ones_like(c.args[0]), *c.args[1:]))
               for c in cases)
    for case in cases:  # random upstream gradients: no zero entries, not all equal
        dout = case.args[0]
        assert np.all(dout != 0) and (dout.size == 1 or np.ptp(dout) > 0)


@pytest.mark.parametrize("student", [
    loops_maxpool_backward,
    lambda dout, x, K, S: loops_maxpool_backward(dout, x, K, S).tolist(),
], ids=["loops", "returns-a-list"])
def test_maxpool_passes_correct_code(capsys, student):
    ok, out = run(capsys, check_maxpool_backward, student)
    assert ok is True
    assert out.startswith("PASS my_maxpool_backward: all 17 cases match")


@pytest.mark.parametrize("options, case, hint", [
    ({"assign": True}, "overlapping windows K=3, S=1", "+="),
    ({"ties": "all"}, "a tie", "every tied maximum got it"),
], ids=["assign-instead-of-add", "ties-to-all-maxima"])
def test_maxpool_fails_wrong_code_with_case_and_hint(capsys, options, case, hint):
    ok, out = run(capsys, check_maxpool_backward,
                  lambda dout, x, K, S: loops_maxpool_backward(dout, x, K, S, **options))
    assert ok is False
    assert_fails(out, "my_maxpool_backward", case, hint, "entries differ")


def test_maxpool_names_the_wrong_entry(capsys):
    def last_of_ties(dout, x, K, S):  # ">=" keeps the last maximum
        dx = np.zeros_like(x)
        for i in range(dout.shape[0]):
            for j in range(dout.shape[1]):
                window = x[i * S:i * S + K, j * S:j * S + K]
                flat = window.size - 1 - np.argmax(window.ravel()[::-1])
                r, c = divmod(int(flat), K)
                dx[i * S + r, j * S + c] += dout[i, j]
        return dx

    ok, out = run(capsys, check_maxpool_backward, last_of_ties)
    assert ok is False
    assert "case 'a tie: three equal maxima" in out
    assert "at (0, 1): got 0, expected" in out and "at (1, 1): got" in out
    assert "LAST of them" in out


def test_maxpool_spread_like_average_gets_its_hint(capsys):
    ok, out = run(capsys, check_maxpool_backward,
                  lambda dout, x, K, S: loops_avgpool_backward(dout, x, K, S, divisor=1))
    assert ok is False
    assert "hint: the gradient was spread over the whole window" in out


def test_maxpool_spread_as_an_average_gets_its_hint(capsys):
    ok, out = run(capsys, check_maxpool_backward, loops_avgpool_backward)
    assert ok is False
    assert_fails(out, "my_maxpool_backward", "the worksheet's hint", "gradient of AVERAGE pooling",
                 "entries differ")


def test_maxpool_wrong_shape_gets_a_shape_hint(capsys):
    ok, out = run(capsys, check_maxpool_backward, lambda dout, x, K, S: dout)
    assert ok is False
    assert "wrong shape (1, 1), expected (2, 2)" in out
    assert "hint: dx has one entry per INPUT cell" in out


def test_maxpool_reports_an_exception_with_its_case(capsys):
    def student(dout, x, K, S):
        if S > K:
            return x[x.shape[0] + 1]  # IndexError, only on the stride-3 case
        return loops_maxpool_backward(dout, x, K, S)

    ok, out = run(capsys, check_maxpool_backward, student)
    assert ok is False
    assert "case 'stride 3 larger than K=2 (8x8): cells between windows get 0' raised " \
           "IndexError" in out
    assert "hint: an index ran past the end" in out


def test_maxpool_todo(capsys):
    ok, out = run(capsys, check_maxpool_backward, not_implemented)
    assert ok is False and out.startswith("TODO my_maxpool_backward")
    assert "hint" not in out


# --------------------------------------------------------------------------------------------
# check_avgpool_backward


def test_avgpool_cases_cover_the_edge_cases():
    settings = [(c.args[1].shape, c.args[2], c.args[3]) for c in _avgpool_cases()]
    assert any(k > s for _, k, s in settings)
    assert any((h - k) % s or (w - k) % s for (h, w), k, s in settings)
    assert any(s > k for _, k, s in settings)
    assert any(k == 1 for _, k, _ in settings)


def test_avgpool_passes_correct_code(capsys):
    ok, out = run(capsys, check_avgpool_backward, loops_avgpool_backward)
    assert ok is True
    assert out.startswith("PASS my_avgpool_backward: all 11 cases match")


@pytest.mark.parametrize("options, case, hint", [
    ({"divisor": 1}, "the worksheet's 2x2 case", "dout undivided"),
    ({"divisor": 2}, "the worksheet's 2x2 case", "not by K"),
    ({"assign": True}, "overlapping windows K=3, S=1", "+="),
], ids=["not-divided", "divided-by-K", "assign-instead-of-add"])
def test_avgpool_fails_wrong_code_with_case_and_hint(capsys, options, case, hint):
    ok, out = run(capsys, check_avgpool_backward,
                  lambda dout, x, K, S: loops_avgpool_backward(dout, x, K, S, **options))
    assert ok is False
    assert_fails(out, "my_avgpool_backward", case, hint, "entries differ")


def test_avgpool_todo(capsys):
    ok, out = run(capsys, check_avgpool_backward, not_implemented)
    assert ok is False and out.startswith("TODO my_avgpool_backward")


# --------------------------------------------------------------------------------------------
# Malformed results


RAGGED = [[1.0, 2.0], [3.0]]


@pytest.mark.parametrize("check, name", [
    (check_pool_output_size, "my_pool_output_size"),
    (check_maxpool_backward, "my_maxpool_backward"),
    (check_avgpool_backward, "my_avgpool_backward"),
])
def test_a_ragged_list_is_a_fail_not_an_exception(capsys, check, name):
    ok, out = run(capsys, check, lambda *args, **kwargs: RAGGED)
    assert ok is False
    assert out.startswith(f"FAIL {name}: case '") and str(RAGGED) in out


def test_the_shape_hint_survives_a_ragged_list():
    hint = _backward_shape_hint(_maxpool_cases()[0], RAGGED)
    assert hint.startswith("dx has one entry per INPUT cell: shape (2, 2)")
