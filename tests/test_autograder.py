"""The Gradescope autograder: the zip `make autograder` builds, and its run_autograder on a
temporary /autograder tree (C182_AUTOGRADER_ROOT), with this environment's Python standing in
for the one setup.sh installs (setup.sh itself needs the network: not run here).

Submissions: a full solution, a partly wrong one, a hanging one and a corrupt one are synthetic
(small stamped notebooks); the untouched student edition and the full solution set are the real
notebooks (these need the stamped notebooks: until they are merged, the real solution scores 0).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from _grade_helpers import CORR1D_NO_PADDING, corr1d_notebook, dims_notebook, full_points

import tasks
from c182lib.exercises import EXERCISES
from c182lib.instructor.release import write_student_edition

ROOT = Path(__file__).resolve().parents[1]
FAST = ["--timeout", "20", "--cell-timeout", "5"]


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """The autograder zip, built and unpacked as Gradescope unpacks it (/autograder/source)."""
    folder = tmp_path_factory.mktemp("autograder")
    archive = tasks.build_autograder(folder / "autograder.zip")
    with zipfile.ZipFile(archive) as unpacked:
        unpacked.extractall(folder / "source")
        modes = {info.filename: info.external_attr >> 16 for info in unpacked.infolist()}
    for script in ("setup.sh", "run_autograder"):
        assert modes[script] & 0o111
        (folder / "source" / script).chmod(0o755)  # extractall does not restore modes
    return folder / "source"


def run_autograder(source: Path, tmp_path: Path, notebooks: dict[str, Path],
                   *options: str) -> dict:
    """Copy ``notebooks`` into a fresh tree's submission/, run run_autograder, read results."""
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    os.symlink(source, root / "source")
    for name, path in notebooks.items():
        shutil.copyfile(path, root / "submission" / name)
    env = {**os.environ, "C182_AUTOGRADER_ROOT": str(root),
           "C182_AUTOGRADER_PYTHON": sys.executable}
    subprocess.run([str(source / "run_autograder"), *options], env=env, check=True,
                   capture_output=True, timeout=600)
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert {"score", "execution_time", "tests"} <= set(results)
    for test in results["tests"]:
        assert set(test) == {"name", "score", "max_score", "output", "visibility"}
    return results


def scores(results: dict) -> dict[str, tuple[float, float]]:
    return {test["name"].split()[0]: (test["score"], test["max_score"])
            for test in results["tests"]}


def test_the_zip_holds_the_scripts_source_lock_and_hidden_cases(source):
    for name in ("setup.sh", "run_autograder", "pyproject.toml", "README.md",
                 "requirements/lock.txt", "c182lib/exercises/_engine.py",
                 "c182lib/exercises/harness.py", "c182lib/instructor/grade.py",
                 "grading/hidden/01-corr1d.json"):
        assert (source / name).is_file(), name
    assert not list(source.rglob("__pycache__"))


def test_a_synthetic_full_solution_scores_everything(source, tmp_path):
    nbs = {"01.ipynb": corr1d_notebook(tmp_path / "a" / "01.ipynb"),
           "renamed.ipynb": dims_notebook(tmp_path / "a" / "02.ipynb")}
    results = run_autograder(source, tmp_path, nbs, *FAST)
    auto = scores(results)
    for exercise_id in ("01-corr1d", "02-dims-1a", "02-output-size"):
        points = EXERCISES[exercise_id].points
        assert auto[exercise_id] == (points, points)
    assert results["score"] == full_points("01", "02")


def test_partly_wrong_hanging_and_corrupt_submissions(source, tmp_path):
    partly = run_autograder(source, tmp_path / "partly", {
        "01.ipynb": corr1d_notebook(tmp_path / "p.ipynb", CORR1D_NO_PADDING)}, *FAST)
    score, maximum = scores(partly)["01-corr1d"]
    assert 0 < score < maximum == 4 and partly["score"] == score
    assert "hidden case" in partly["tests"][0]["output"]

    hanging = corr1d_notebook(tmp_path / "h.ipynb", CORR1D_NO_PADDING, (
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"))
    hung = run_autograder(source, tmp_path / "hanging", {"01.ipynb": hanging},
                          "--timeout", "6", "--cell-timeout", "2")
    assert scores(hung) == {"01-corr1d": (0, 4)}
    assert "did not finish" in hung["tests"][0]["output"]

    corrupt = tmp_path / "c.ipynb"
    corrupt.write_text('{"cells": [', encoding="utf-8")
    broken = run_autograder(source, tmp_path / "corrupt", {"01_x.ipynb": corrupt}, *FAST)
    assert broken["score"] == 0 and "not a readable notebook" in broken["output"]
    assert scores(broken) == {"01-corr1d": (0, 4)}  # the maximum does not depend on it


def test_an_untouched_student_edition_scores_zero_of_the_maximum(source, tmp_path):
    edition = tmp_path / "student"
    write_student_edition(ROOT / "notebooks", edition)
    nbs = {path.name: path for path in sorted(edition.glob("0[12]_*.ipynb"))}
    results = run_autograder(source, tmp_path, nbs, *FAST)
    assert results["score"] == 0
    auto = [e for e in EXERCISES.values() if e.notebook in ("01", "02") and e.kind != "written"]
    assert sum(test["max_score"] for test in results["tests"]) == sum(e.points for e in auto)


def test_the_real_solution_notebooks_score_everything(source, tmp_path):
    """Needs the stamped notebooks (until they are merged, no exercise is found)."""
    nbs = {path.name: path for path in sorted((ROOT / "notebooks").glob("*.ipynb"))}
    results = run_autograder(source, tmp_path, nbs)
    auto = [e for e in EXERCISES.values() if e.kind != "written"]
    assert results["score"] == sum(e.points for e in auto), results["output"]
