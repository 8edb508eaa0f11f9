"""Helpers shared by the tests of c182lib.checks (tests/test_checks_*.py)."""

from __future__ import annotations


def run(capsys, check, *args, **kwargs):
    """Call ``check(*args, **kwargs)``; return ``(its result, what it printed)``."""
    ok = check(*args, **kwargs)
    return ok, capsys.readouterr().out


def not_implemented(*args, **kwargs):
    """An exercise as the student edition ships it: the stub raises."""
    raise NotImplementedError()


def assert_fails(out: str, name: str, case: str, hint: str, detail: str = "") -> None:
    """Assert that ``out`` is a ``FAIL`` of ``name`` on the case whose description starts
    with ``case``, that it says ``detail``, and that its last line is a hint saying ``hint``."""
    first, *rest = out.splitlines()
    assert first.startswith(f"FAIL {name}: case '{case}"), out
    assert detail in out, out
    assert rest and rest[-1].startswith("  hint:") and hint in rest[-1], out
