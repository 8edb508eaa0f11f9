"""Write the grader's hidden cases: one JSON file per exercise under grading/hidden/.

The cases are made by the functions in grading/hidden_cases/*.py (one module per group of
notebooks, each with ``HIDDEN_CASES = {exercise id: function returning its cases}``), seeded,
so that running this again changes no byte. Neither folder is part of the c182lib package nor
of the student edition: students never see these cases.

    python grading/make_hidden_cases.py           # write the files
    python grading/make_hidden_cases.py --check   # exit 1 if a file is missing or differs
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

from c182lib.exercises import EXERCISES, Case
from c182lib.exercises._engine import hidden_cases_json

HERE = Path(__file__).resolve().parent
MAKERS = HERE / "hidden_cases"
HIDDEN = HERE / "hidden"


def makers() -> dict[str, Callable[[], list[Case]]]:
    """Every exercise id -> the function making its hidden cases, from grading/hidden_cases/.

    Raises
    ------
    ValueError
        If an id is not an exercise of c182lib.exercises, or two modules define it.
    """
    found: dict[str, Callable[[], list[Case]]] = {}
    for path in sorted(MAKERS.glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"hidden_cases_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for exercise_id, make in module.HIDDEN_CASES.items():
            if exercise_id not in EXERCISES:
                raise ValueError(f"{path.name}: {exercise_id!r} is not an exercise")
            if exercise_id in found:
                raise ValueError(f"{path.name}: {exercise_id!r} is defined twice")
            found[exercise_id] = make
    return found


def expected_files() -> dict[Path, str]:
    """Each hidden-case file and the text it should have."""
    return {HIDDEN / f"{exercise_id}.json": hidden_cases_json(make())
            for exercise_id, make in makers().items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only report files that are missing or differ")
    check = parser.parse_args(argv).check
    stale = []
    HIDDEN.mkdir(exist_ok=True)
    for path, text in expected_files().items():
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path)
        if not check:
            path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{'stale' if check else 'wrote'} {path.relative_to(HERE.parent)}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
