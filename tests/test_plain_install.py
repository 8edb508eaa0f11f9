"""A plain ``pip install .`` (no extras) gives a working student library, and the instructor
tools say which extra they need instead of failing deep inside an import.

The install goes into a fresh virtual environment, with the lock's versions as constraints so
uv finds them in its cache (a few seconds; the first run on a machine downloads them).
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ["c182lib", "c182lib.shapes", "c182lib.conv", "c182lib.pool", "c182lib.batchnorm",
           "c182lib.rnn", "c182lib.gradcheck", "c182lib.figures", "c182lib.widgets",
           "c182lib.checks", "c182lib.environment"]


@pytest.fixture(scope="module")
def plain_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("plain") / "venv"
    uv = [sys.executable, "-m", "uv"]
    subprocess.run([*uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
                   check=True, timeout=120)
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    build = tmp_path_factory.mktemp("source")  # a copy, so no build files land in the worktree
    shutil.copytree(ROOT, build / "c182lib", ignore=shutil.ignore_patterns(
        ".venv*", ".git", "student", "artifacts", "notebooks", "benchmarks", "tests"))
    subprocess.run([*uv, "pip", "install", "--quiet", "--python", str(python), "--constraint",
                    str(ROOT / "requirements" / "lock.txt"), str(build / "c182lib")],
                   check=True, timeout=600)
    return python


def run(python: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=python.parent)


def test_plain_install_imports_the_whole_student_library(plain_python):
    done = run(plain_python, f"import importlib\nfor m in {LIBRARY!r}: importlib.import_module(m)"
               "\nimport nbformat")
    assert "No module named 'nbformat'" in done.stderr, done.stderr  # really without extras
    assert done.stderr.count("Error") == 1, done.stderr


def test_instructor_tools_name_the_extra_they_need(plain_python):
    done = run(plain_python, "import c182lib.instructor.release")
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: c182lib.instructor needs nbformat, nbclient"), last
    assert "install the instructor extra" in last and ".[instructor]" in last
