"""Tests of the exercise engine (c182lib.exercises._engine) on answers a student might write,
hostile ones included, and of the printed self-check (c182lib.checks.run_check).

The answers below are defined in this test file, so their frames count as the student's code.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import namedtuple

import numpy as np
import pytest

from c182lib.checks import CheckResult, run_check
from c182lib.exercises import EXERCISES
from c182lib.exercises._engine import (
    MAX_OUTPUT_CHARS,
    Case,
    Exercise,
    Mistake,
    Opaque,
    Outcome,
    decode,
    describe_difference,
    describe_wrong_value,
    encode,
    to_plain,
)


def total(x, scale=1.0):
    """The reference of the toy exercise: ``scale * sum(x)`` for an array ``x``."""
    return float(np.sum(x)) * scale


def toy_cases():
    return [Case("small", "three entries", (np.array([1.0, 2.0, 3.0]),)),
            Case("scaled", "scale 2", (np.array([1.0, -1.0, 4.0]),), {"scale": 2.0}),
            Case("empty", "no entries", (np.zeros(0),))]


def forgot_scale(case):
    """The mistake of ignoring ``scale``: it only shows where scale is not 1."""
    scale = case.kwargs.get("scale", 1.0)
    return None if scale == 1.0 else float(np.sum(case.args[0]))


TOY = Exercise(id="99-total", title="my_total", kind="function", answer_name="my_total",
               points=1, reference=total, cases=toy_cases,
               mistakes=(Mistake("scale ignored", ("the scale is not applied.",
                                                   "multiply the sum by `scale`."),
                                 wrong=forgot_scale),),
               hints=("compare your sum with np.sum on the case.",))


def first_case():
    return toy_cases()[0]


# --------------------------------------------------------------------------------------------
# Running untrusted answers


def test_a_right_answer_passes_and_a_verdict_is_truthy_only_for_pass():
    verdict = TOY.check(lambda x, scale=1.0: sum(x) * scale)
    assert verdict and verdict.status == "PASS", verdict.text()
    wrong = TOY.check(lambda x, scale=1.0: 0.0)
    assert not wrong and wrong.status == "FAIL" and wrong.case_id == "small"


def test_an_endless_loop_is_stopped_even_when_it_swallows_the_first_interrupt():
    def stubborn(x, scale=1.0):
        while True:
            try:
                while True:
                    pass
            except BaseException:  # the student swallowing everything
                pass

    start = time.perf_counter()
    outcome = TOY.run(stubborn, first_case(), time_limit=0.3)
    assert outcome.status == "timeout"
    assert time.perf_counter() - start < 2.0
    assert "did not finish in 0.3 s" in TOY.judge(first_case(), outcome).text()


def test_the_time_limit_holds_off_the_main_thread_too():
    def endless(x, scale=1.0):
        while True:
            time.sleep(0.01)

    outcomes = []
    worker = threading.Thread(target=lambda: outcomes.append(
        TOY.run(endless, first_case(), time_limit=0.3)))
    worker.start()
    worker.join(5)
    assert outcomes and outcomes[0].status == "timeout"


def test_the_time_limit_is_disarmed_after_a_case():
    TOY.run(lambda x, scale=1.0: 6.0, first_case(), time_limit=0.05)
    time.sleep(0.15)  # an alarm left armed would raise here


@pytest.mark.parametrize(("answer", "status", "words"), [
    (lambda x, scale=1.0: sys.exit(2), "exited", "sys.exit(2)"),
    (lambda x, scale=1.0: (_ for _ in ()).throw(MemoryError("no room")), "raised",
     "MemoryError"),
    (lambda x, scale=1.0: x[10], "raised", "IndexError"),
    (lambda x: 6.0, "raised", "before any line of the answer ran"),
])
def test_exits_and_exceptions_are_outcomes_not_raised(answer, status, words):
    outcome = TOY.run(answer, toy_cases()[1])
    assert outcome.status == status
    assert words in TOY.judge(toy_cases()[1], outcome).text()


def test_a_recursion_error_is_reported_at_the_students_line():
    def recurse(x, scale=1.0):
        return recurse(x, scale)

    outcome = TOY.run(recurse, first_case())
    assert outcome.status == "raised" and outcome.error.startswith("RecursionError")
    assert "return recurse(x, scale)" in outcome.error


def test_not_implemented_is_todo():
    def stub(x, scale=1.0):
        raise NotImplementedError()

    verdict = TOY.check(stub)
    assert verdict.status == "TODO" and not verdict


def test_megabytes_of_prints_are_cut_and_shown_briefly():
    def chatty(x, scale=1.0):
        for _ in range(1000):
            print("y" * 10_000)
        return 0.0

    outcome = TOY.run(chatty, first_case())
    assert MAX_OUTPUT_CHARS <= len(outcome.output) < MAX_OUTPUT_CHARS + 100
    text = TOY.judge(first_case(), outcome).text()
    assert "it printed" in text and len(text) < 4000


def test_a_keyboard_interrupt_is_the_students_own_and_passes_through():
    def interrupted(x, scale=1.0):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        TOY.run(interrupted, first_case())


# --------------------------------------------------------------------------------------------
# Writes into arguments


Cache = namedtuple("Cache", "x w")


def test_every_write_into_an_argument_is_named_and_fails_even_with_a_right_result():
    def reference(grads, cache, options):
        return 1.0

    exercise = Exercise(id="99-writes", title="f", kind="function", answer_name="f", points=1,
                        reference=reference, cases=list)
    case = Case("c", "nested", ([np.ones(2), np.ones(3)], Cache(np.ones(1), np.ones(2)),
                                {"lr": np.array([0.5])}))

    def writer(grads, cache, options):
        grads[1][0] = 5.0
        cache.w[...] = 0.0
        options["lr"] *= 2
        return 1.0

    outcome = exercise.run(writer, case)
    assert outcome.mutated == ("grads[1]", "cache[1]", "options['lr']")
    verdict = exercise.judge(case, outcome)
    assert verdict.status == "FAIL" and "`grads[1]`" in verdict.text()
    assert np.array_equal(case.args[0][1], np.ones(3))  # the case itself is untouched
    assert exercise.judge(case, exercise.run(reference, case)).status == "PASS"


def test_a_write_into_an_array_argument_is_named():
    outcome = TOY.run(lambda x, scale=1.0: x.__setitem__(0, 9.0) or 6.0, first_case())
    assert outcome.mutated == ("x",)


def test_a_nan_left_in_place_is_not_a_write():
    case = Case("nan", "a NaN", (np.array([np.nan, 1.0]),))
    assert TOY.run(lambda x, scale=1.0: 0.0, case).mutated == ()


# --------------------------------------------------------------------------------------------
# What an answer returns: plain data, JSON, dtypes


@pytest.mark.filterwarnings("ignore:the matrix subclass")
def test_results_become_plain_data():
    assert isinstance(to_plain(np.matrix([[1.0, 2.0]])), np.ndarray)
    assert type(to_plain(np.matrix([[1.0, 2.0]]))) is np.ndarray
    assert to_plain(np.float32(1.5)).dtype == np.float32
    assert to_plain((1, [np.int64(2)], {"a": None})) == (1, [np.array(2)], {"a": None})
    assert isinstance(to_plain(x for x in ()), Opaque)
    assert isinstance(to_plain(object()), Opaque)
    assert isinstance(to_plain(np.array(["a"])), Opaque)


def test_a_torch_tensor_is_its_array():
    torch = pytest.importorskip("torch")
    plain = to_plain(torch.tensor([1.0, 2.0], requires_grad=True) * 2)
    assert type(plain) is np.ndarray and np.array_equal(plain, [2.0, 4.0])


@pytest.mark.parametrize("value", [
    np.array([[1.5, np.nan], [np.inf, -0.0]]), np.array([1, 2], dtype=np.int32),
    np.array(np.float32(0.1)), np.array([1 + 2j], dtype=np.complex64), (1, (2.5, None)),
    [np.zeros((0, 3))], {"k": True}, Opaque("generator", "<gen>"), 3 + 4j, "text",
])
def test_encoding_survives_a_json_round_trip(value):
    back = decode(json.loads(json.dumps(encode(value))))
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape
        assert np.array_equal(back, value, equal_nan=value.dtype.kind in "fc")
    else:
        assert repr(back) == repr(value)


def test_an_outcome_and_a_case_survive_json_and_garbage_is_a_failure():
    outcome = Outcome("returned", (np.arange(3.0), None), mutated=("x",), output="hi")
    back = Outcome.from_json(json.loads(json.dumps(outcome.to_json())))
    assert back.mutated == ("x",) and np.array_equal(back.value[0], np.arange(3.0))
    case = toy_cases()[1]
    assert Case.from_json(json.loads(json.dumps(case.to_json()))).kwargs == {"scale": 2.0}
    for garbage in ({}, {"status": "returned"}, {"status": "returned", "value": {"x": 1},
                                                 "error": "", "mutated": [], "output": "",
                                                 "seconds": 0, "time_limit": 1}):
        assert Outcome.from_json(garbage).status == "raised"


def test_float32_answers_are_compared_at_float32_precision_and_told_so():
    expected = np.linspace(0.1, 1.0, 24)
    rounded = expected.astype(np.float32) * np.float32(1 + 1e-5)
    assert describe_difference(rounded, expected) is None
    assert describe_difference(rounded.astype(np.float64), expected) is not None
    far = expected.astype(np.float32) * np.float32(1.01)
    message = describe_difference(far, expected)
    assert "float32" in message and "more than rounding" in message
    assert "float16" in describe_difference(expected.astype(np.float16), expected)


def test_differences_name_the_item_shape_and_entries():
    assert "wrong shape (2,)" in describe_difference(np.zeros(2), np.zeros(3))
    message = describe_difference((np.zeros(2), np.array([1.0, 5.0])),
                                  (np.zeros(2), np.array([1.0, 2.0])), "grads")
    assert message.startswith("grads[1]: 1 of 2 entries differ") and "at (1,)" in message
    assert "True/False" in describe_difference(True, 3)
    assert "a tuple of 2 items" in describe_difference([1.0], (1.0, 2.0))
    assert describe_difference([1.0, 2.0], np.array([1.0, 2.0])) is None


def test_a_wrong_value_is_located_without_being_revealed():
    message = describe_wrong_value((28, 27, 1), (28, 28, 1))
    assert "answer[1] = 27" in message and "28, 28" not in message
    assert "not right" in describe_wrong_value(760, 750) and "750" not in describe_wrong_value(
        760, 750)
    assert "not True or False" in describe_wrong_value((True, 2), (1, 2))
    assert describe_wrong_value(np.array([28, 28, 1]), (28, 28, 1)) is None


# --------------------------------------------------------------------------------------------
# Mistakes and hints


def test_a_mistake_is_named_only_when_it_also_explains_the_passed_cases():
    def ignores_scale(x, scale=1.0):
        return float(np.sum(x))

    verdict = TOY.check(ignores_scale)
    assert verdict.case_id == "scaled" and verdict.mistake == "scale ignored"
    # an answer right on "small" only by luck of its values is not "scale ignored"
    passed_by_luck = Case("lucky", "scale 3 on zeros", (np.zeros(2),), {"scale": 3.0})
    outcome = TOY.run(ignores_scale, toy_cases()[1])
    assert TOY.judge(toy_cases()[1], outcome, passed=[passed_by_luck]).mistake == "scale ignored"
    ruling_out = Case("rules-out", "scale 3", (np.ones(2),), {"scale": 3.0})
    verdict = TOY.judge(toy_cases()[1], outcome, passed=[ruling_out])
    assert verdict.mistake is None and "np.sum" in verdict.text()  # the general hint


def test_hints_come_in_tiers():
    verdict = TOY.check(lambda x, scale=1.0: float(np.sum(x)))
    assert "not applied" in verdict.text() and "hint=2" in verdict.text()
    assert "multiply" in verdict.text(2) and "hint=3" not in verdict.text(2)
    assert verdict.text(9) == verdict.text(2)


def test_a_broken_mistake_never_breaks_the_verdict():
    broken = Exercise(id="99-broken", title="b", kind="function", answer_name="b", points=1,
                      reference=total, cases=toy_cases,
                      mistakes=(Mistake("boom", ("x",), wrong=lambda case: 1 / 0),
                                Mistake("boom2", ("y",), fits=lambda case, outcome: [][0])))
    assert broken.check(lambda x, scale=1.0: -1.0).status == "FAIL"


# --------------------------------------------------------------------------------------------
# The printed self-check


def test_the_same_failure_again_gets_the_next_tier(capsys):
    def ignores_scale(x, scale=1.0):
        return float(np.sum(x))

    assert not run_check(TOY, ignores_scale)
    first = capsys.readouterr().out
    run_check(TOY, ignores_scale)
    second = capsys.readouterr().out
    assert "not applied" in first and "multiply" in second
    run_check(TOY, lambda x, scale=1.0: 0.0)  # another failure starts again at tier 1
    run_check(TOY, ignores_scale)
    assert "not applied" in capsys.readouterr().out
    run_check(TOY, ignores_scale, hint=2)
    assert "multiply" in capsys.readouterr().out


def test_a_check_returns_a_bool_that_a_notebook_does_not_show(capsys):
    from IPython.core.formatters import DisplayFormatter

    passed, failed = run_check(TOY, total), run_check(TOY, lambda x, scale=1.0: 0.0)
    assert isinstance(passed, CheckResult) and isinstance(failed, CheckResult)
    assert passed == True and failed == False  # noqa: E712 (the equality is what is tested)
    assert bool(passed) and not failed and repr(failed) == "False"
    assert {passed, failed} == {True, False}
    assert DisplayFormatter().format(passed) == ({}, {})  # no stray "True" under the verdict


@pytest.mark.parametrize("answer", [None, 5, "my_total", object(), np.sum, print])
def test_a_check_never_raises_on_an_answer(capsys, answer):
    assert not run_check(TOY, answer) or answer is np.sum
    assert capsys.readouterr().out.startswith(("FAIL", "PASS"))


def test_a_value_exercise_checks_one_part_or_a_dict_of_them(capsys):
    dims = EXERCISES["02-dims-1a"]
    with pytest.raises(ValueError, match="part must be one of"):
        run_check(dims, (1, 2, 3), "v")
    assert not run_check(dims, {"i": (28, 28, 1)})
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("PASS Problem 1(a) i")
    assert [line.split()[0] for line in out[1:]] == ["TODO"] * 4
    assert not run_check(dims, None, "ii")
    assert capsys.readouterr().out.startswith("TODO")


def test_a_difference_beyond_six_digits_is_shown_with_enough_digits():
    text = describe_difference(np.array([1.0000001, 2.0]), np.array([1.0, 2.0]), rtol=1e-9)
    assert "got 1.0000001, expected 1" in text
    assert "got 1, expected 2" in describe_difference(np.int64(1), 2)
    assert "largest relative error 1" in describe_difference(np.array([4.0]), np.array([2.0]))
