"""Fuzz test of the library's promise under bad input, over every public function of the core.

The promise (DESIGN.md): a call returns a result, or raises ``ValueError``/``TypeError`` whose
message names one of the function's parameters; it never modifies its arguments; and it
refuses sizes that cannot fit instead of attempting them. For every public function of
`_fuzz_worker.FUZZED_MODULES` (found from ``__all__`` or, without it, from the public names the
module defines, so a new function is fuzzed as soon as it exists) `_fuzz_worker.VALID_CALLS`
holds one valid call; hypothesis replaces one argument of it at a time with a bad or extreme
value chosen by the kind of the valid value (arrays: wrong type, rank, dtype, layout, NaN/inf,
ragged lists; integers: huge, negative, floats, bools, 0-d arrays; and so on:
`_fuzz_worker.POOLS`).

The calls run in a child process with an address-space limit (`_fuzz_worker.MEMORY_HEADROOM`
above what the child uses after start-up), a limit on the memory each call allocates
(`_fuzz_worker.MEMORY_LIMIT`, traced) and a time limit per call, so that an attempted 7 TiB
allocation is a ``MemoryError`` and an endless loop a timeout, both counted as failures.
``python tests/test_fuzz.py`` runs the fuzz alone and prints the counts by outcome.

Cache records (``Conv2dCache``, ``RnnCache``, ...) are data, not functions: they are fuzzed as
arguments of the backward functions (wrong type, a cache of another layer), not on their own.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

MAX_EXAMPLES_PER_FUNCTION = 40

if __package__ in (None, ""):  # run as a script or imported by the child: tests/ is on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parent))


def _run_child(max_examples: int) -> dict:
    """Run the fuzz in a fresh interpreter (`_fuzz_worker`) and return its JSON summary."""
    env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("_fuzz_worker.py")), str(max_examples)],
        capture_output=True, text=True, timeout=600, env={**os.environ, **env},
    )
    if completed.returncode != 0:
        raise AssertionError(f"the fuzz child failed:\n{completed.stdout}\n{completed.stderr}")
    return json.loads(completed.stdout.splitlines()[-1])


def test_every_public_function_has_a_valid_call():
    """A new public function fails here until `_fuzz_worker.VALID_CALLS` has a call for it."""
    import _fuzz_worker

    missing = sorted(set(_fuzz_worker.public_callables()) - set(_fuzz_worker.VALID_CALLS))
    assert not missing, f"add a valid call to tests/_fuzz_worker.py VALID_CALLS for {missing}"
    stale = sorted(set(_fuzz_worker.VALID_CALLS) - set(_fuzz_worker.public_callables()))
    assert not stale, f"VALID_CALLS has calls for functions that no longer exist: {stale}"


def test_every_valid_call_returns_and_every_argument_kind_has_a_pool():
    import _fuzz_worker

    for name, make in _fuzz_worker.VALID_CALLS.items():
        function, kwargs = make()
        for arg, value in kwargs.items():
            assert _fuzz_worker.pool_for(value), f"{name}({arg}=...): no pool for {value!r}"
        parameters = set(inspect.signature(function).parameters)
        assert set(kwargs) <= parameters, name
        function(**kwargs)  # the fuzz starts from calls that work


REFUSED = {
    "bool": (TypeError, lambda a: a > 0), "complex": (TypeError, lambda a: a + 1j),
    "longdouble": (TypeError, lambda a: a.astype(np.longdouble)),
    "object": (TypeError, lambda a: a.astype(object)), "str": (TypeError, lambda a: a.astype(str)),
    "ragged list": (ValueError, None),
}


def test_every_array_argument_refuses_unsupported_dtypes_and_ragged_lists_by_name():
    """The dtype rule of `c182lib._validate`, for every array argument of every function: the
    error names that argument (not NumPy's "setting an array element with a sequence")."""
    import _fuzz_worker

    wrong = []
    for name, make in _fuzz_worker.VALID_CALLS.items():
        for arg, value in make()[1].items():
            if not isinstance(value, np.ndarray):
                continue
            for label, (error, convert) in REFUSED.items():
                function, kwargs = make()
                kwargs[arg] = convert(value) if convert else _fuzz_worker._ragged(value)
                try:
                    function(**kwargs)
                    wrong.append(f"{name}({arg}={label}) returned")
                except error as err:
                    if not re.match(rf"{re.escape(arg)}\b", str(err)):
                        wrong.append(f"{name}({arg}={label}): {err}")
    assert not wrong, "\n".join(wrong)


def test_bad_arguments_get_a_named_error_or_a_result():
    summary = _run_child(MAX_EXAMPLES_PER_FUNCTION)
    assert summary["calls"] > 20 * len(summary["functions"])
    failures = summary["failures"]
    assert not failures, (
        f"{sum(failures.values())} of {summary['calls']} calls broke the promise: {failures}\n"
        + "\n".join(summary["examples"]))


if __name__ == "__main__":
    result = _run_child(int(sys.argv[1]) if len(sys.argv) > 1 else MAX_EXAMPLES_PER_FUNCTION)
    print(json.dumps(result, indent=1))
