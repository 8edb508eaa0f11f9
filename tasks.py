"""Set up and run the workbook on Windows, macOS and Linux, with nothing but Python >= 3.11.

    python tasks.py lab           start JupyterLab on notebooks/ (prints the URL to open)
    python tasks.py test          ruff, then every test (library, notebooks, student edition, ...)
    python tasks.py test-browser  only the JupyterLab-in-Chromium widget tests
    python tasks.py test-oldest   the tests with every dependency at the oldest version allowed
    python tasks.py test-newest   the tests with the newest versions pyproject.toml allows
    python tasks.py execute       re-run every notebook in place and store its outputs
    python tasks.py student       write the student edition to student/ (--force overwrites edits)
    python tasks.py grade SUBMISSION... [grader options]   grade notebooks (python -m c182lib.grade)
    python tasks.py autograder    write the Gradescope autograder to build/autograder.zip
    python tasks.py bench         the benchmarks (naive vs library vs PyTorch where installed)
    python tasks.py lint          ruff only
    python tasks.py lock          re-resolve requirements/lock.txt and binder/requirements.txt
    python tasks.py clean         remove the virtual environments and everything built

Each task creates the virtual environment it needs on first use (``.venv`` holds exactly the
versions in ``requirements/lock.txt``; ``.venv-oldest`` and ``.venv-newest`` the two ends of
pyproject.toml's ranges) and reinstalls it when the lock, pyproject.toml or the requested extra
package change. Nothing is installed or registered outside these folders. ``make lab``, ``make
test`` and the other Makefile targets call this file: there is one implementation of each step.

The optional PyTorch cross-checks need PyTorch in ``.venv``: ``python tasks.py test --torch
"torch==2.13.0"`` (or the environment variable ``TORCH``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
LOCK = ROOT / "requirements" / "lock.txt"
BINDER_REQUIREMENTS = ROOT / "binder" / "requirements.txt"
LAB_SETTINGS = ROOT / "jupyter" / "overrides.json"
# The Python version the lock is resolved for, and the oldest one pyproject.toml allows.
LOCK_PYTHON = "3.11"


def venv_python(venv: Path) -> Path:
    """The interpreter of the virtual environment ``venv`` on this platform."""
    if os.name == "nt":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def run(*command: str | Path, **kwargs) -> None:
    """Run ``command`` in the repository root; on failure, exit with its status."""
    printable = " ".join(str(part) for part in command)
    print(f"+ {printable}", flush=True)
    status = subprocess.call([str(part) for part in command], cwd=ROOT, **kwargs)
    if status != 0:
        raise SystemExit(status)


def pip(python: Path, *arguments: str | Path) -> None:
    run(python, "-m", "pip", "install", "--disable-pip-version-check", "-qq", *arguments)


def locked_version(name: str) -> str:
    """The lock's pin of ``name`` (``uv==0.13.9``)."""
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if line.split("==")[0] == name:
            return line.split(";")[0].strip()
    raise SystemExit(f"{LOCK.relative_to(ROOT)} has no pin for {name}")


def oldest_pins() -> list[str]:
    """pyproject.toml's floors as pins (``numpy>=1.25`` -> ``numpy==1.25``) for test-oldest.

    Covered: the library, the instructor and test extras, and ipykernel (nbval and the
    student-edition test run notebooks on it). Left out: Playwright, since the browser tests need
    a JupyterLab, which the oldest run does not install.
    """
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    requirements = [*project["dependencies"], *extras.get("instructor", []), *extras["test"],
                    *(r for r in extras["lab"] if r.startswith("ipykernel"))]
    pins = []
    for requirement in (r for r in requirements if not r.startswith("c182lib")):
        name, _, rest = requirement.partition(">=")
        floor = rest.split(",")[0].strip()
        if not rest or not floor.replace(".", "").isdigit():
            raise SystemExit(f"no floor 'name>=version' in the requirement {requirement!r}")
        if name.strip() != "playwright":
            pins.append(f"{name.strip()}=={floor}")
    return pins


ENVIRONMENTS = {  # kind -> folder
    "locked": ".venv",
    "oldest": ".venv-oldest",
    "newest": ".venv-newest",
}


def ensure_environment(kind: str, torch: str = "") -> Path:
    """Create or update the virtual environment ``kind`` and return its interpreter.

    A stamp file in the environment records a digest of everything its contents depend on, so a
    second call installs nothing unless the lock, pyproject.toml or ``torch`` changed.
    """
    venv = ROOT / ENVIRONMENTS[kind]
    python = venv_python(venv)
    inputs = [kind, torch, (ROOT / "pyproject.toml").read_text(encoding="utf-8")]
    if kind == "locked":
        inputs += [LOCK.read_text(encoding="utf-8"), LAB_SETTINGS.read_text(encoding="utf-8")]
    digest = hashlib.sha256("\0".join(inputs).encode()).hexdigest()
    stamp = venv / ".installed"
    if python.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return python
    if not python.exists():
        run(sys.executable, "-m", "venv", venv)
    pip(python, "--upgrade", "pip")
    if kind == "locked":
        # uv (from PyPI, the version the lock pins) installs the lock about 3x faster than pip,
        # and `sync` also removes what the lock does not list.
        pip(python, locked_version("uv"))
        run(python, "-m", "uv", "pip", "sync", "--quiet", "--python", python, LOCK)
        run(python, "-m", "uv", "pip", "install", "--quiet", "--python", python, "--no-deps",
            "-e", ".")
        settings = venv / "share" / "jupyter" / "lab" / "settings"
        settings.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(LAB_SETTINGS, settings / "overrides.json")
    elif kind == "oldest":
        pip(python, *oldest_pins())
        pip(python, "--no-deps", "-e", ".")
    else:
        pip(python, "--upgrade", "--upgrade-strategy", "eager", "-e", ".[dev]")
    if torch:
        pip(python, torch)
    stamp.write_text(digest + "\n")
    return python


def lab_command(python: Path) -> list[str | Path]:
    """JupyterLab on notebooks/; as root (a container, a CI machine) it must be told it may."""
    command = [python, "-m", "jupyter", "lab", "--notebook-dir=notebooks"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    return command


def lock() -> None:
    """Resolve the newest versions pyproject.toml allows into requirements/lock.txt, for every
    platform (Windows-, macOS- and Linux-only packages carry markers), and the runtime subset
    (the library and JupyterLab, no test tools) into binder/requirements.txt, constrained to
    the same versions. Needs the network (PyPI) and uv (installed into .venv by the dev extra).
    """
    python = ensure_environment("locked")
    compile_ = [python, "-m", "uv", "pip", "compile", "pyproject.toml", "--quiet",
                "--no-emit-package", "c182lib",
                "--custom-compile-command", "python tasks.py lock"]
    run(*compile_, "--python-version", LOCK_PYTHON, "--universal", "--extra", "dev",
        "--upgrade", "--output-file", LOCK)
    # Binder builds one Linux image with the newest Python 3.11.x (binder/runtime.txt); the
    # lock forks some packages at 3.11.5, so resolve for a patch release past that.
    run(*compile_, "--python-version", f"{LOCK_PYTHON}.7", "--python-platform", "linux",
        "--extra", "lab", "--constraint", LOCK, "--no-annotate",
        "--output-file", BINDER_REQUIREMENTS)


AUTOGRADER_ZIP = ROOT / "build" / "autograder.zip"


def autograder_files() -> dict[str, Path]:
    """What the Gradescope autograder zip holds: name in the zip -> file (autograder/README.md).

    setup.sh and run_autograder at the root (where Gradescope looks), the c182lib source,
    pyproject.toml and README.md (to install it), the lock and the hidden cases.
    """
    files = {name: ROOT / "autograder" / name for name in ("setup.sh", "run_autograder")}
    sources = [*(ROOT / "c182lib").rglob("*.py"), ROOT / "pyproject.toml", ROOT / "README.md",
               LOCK, *(ROOT / "grading" / "hidden").glob("*.json")]
    files |= {path.relative_to(ROOT).as_posix(): path for path in sorted(sources)}
    return files


def build_autograder(destination: Path = AUTOGRADER_ZIP) -> Path:
    """Write the autograder zip (the scripts executable, every file's date fixed, so that
    the same sources give the same bytes)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in autograder_files().items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o755 if name in ("setup.sh", "run_autograder")
                                  else 0o644) << 16
            archive.writestr(info, path.read_bytes())
    print(f"wrote {destination}")
    return destination


def clean() -> None:
    for folder in [*ENVIRONMENTS.values(), "student", "artifacts", "build"]:
        shutil.rmtree(ROOT / folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["grade"]:  # the grader's own options pass through untouched
        python = ensure_environment("locked", os.environ.get("TORCH", ""))
        return run(python, "-m", "c182lib.grade", *argv[1:])
    parser = argparse.ArgumentParser(prog="python tasks.py", description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("task", choices=["lab", "test", "test-browser", "test-oldest",
                                         "test-newest", "execute", "student", "bench", "lint",
                                         "lock", "clean", "autograder"])
    parser.add_argument("--torch", default=os.environ.get("TORCH", ""),
                        help="extra package for the PyTorch cross-checks, e.g. 'torch==2.13.0'")
    parser.add_argument("--force", action="store_true",
                        help="student: overwrite files in student/ that differ from the edition")
    parser.add_argument("arguments", nargs="*", help="bench: which benchmarks (conv, pool, ...)")
    args = parser.parse_args(argv)
    task = args.task
    if task == "clean":
        return clean()
    if task == "lock":
        return lock()
    if task == "autograder":
        build_autograder()
        return None
    if task in ("test-oldest", "test-newest"):
        python = ensure_environment(task.removeprefix("test-"))
        # The oldest line has no JupyterLab (browser tests) and no uv; the plain-install test
        # installs the lock's versions, so it belongs to the locked line.
        ignore = (["--ignore=tests/browser", "--ignore=tests/test_plain_install.py"]
                  if task == "test-oldest" else [])
        return run(python, "-m", "pytest", "tests", "notebooks", *ignore,
                   env={**os.environ, "C182_ENVIRONMENT": task.removeprefix("test-")})
    python = ensure_environment("locked", args.torch)
    locked = {**os.environ, "C182_ENVIRONMENT": "locked"}
    if task == "lab":
        run(*lab_command(python))
    elif task == "lint":
        run(python, "-m", "ruff", "check", ".")
    elif task == "test":
        run(python, "-m", "ruff", "check", ".")
        run(python, "-m", "pytest", env=locked)
    elif task == "test-browser":
        run(python, "-m", "pytest", "tests/browser", env=locked)
    elif task == "execute":
        run(python, "-m", "c182lib.instructor.release", "execute",
            *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("*.ipynb")))
    elif task == "student":
        run(python, "-m", "c182lib.instructor.release", "student", "notebooks", "student",
            *(["--force"] if args.force else []))
    elif task == "bench":
        run(python, "-m", "benchmarks", *args.arguments)


if __name__ == "__main__":
    main()
