"""The environment files agree: environment.yml (conda) and requirements/lock.txt with
pyproject.toml, Binder's requirements with the lock, the GitHub workflows with GitHub's schema
and with the README's commands."""

import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import tasks  # noqa: E402


def _split(requirement: str) -> tuple[str, str]:
    """'numpy>=1.24' -> ('numpy', '>=1.24'); names lower-cased, '_' as '-', spaces dropped."""
    m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", requirement)
    assert m, f"cannot parse requirement {requirement!r}"
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += [r for r in extra if not r.startswith("c182lib")]
    return dict(_split(r) for r in reqs)


def environment_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    return dict(_split(d) for d in conda if _split(d)[0] not in {"python", "pip"})


def test_environment_yml_matches_pyproject():
    assert environment_requirements() == pyproject_requirements()


def test_python_versions_agree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert python == ["python" + project["requires-python"]]


def test_environment_installs_c182lib_itself():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert pip_sections and any(line.split("#")[0].strip() == "-e ." for line in pip_sections[0])


# --------------------------------------------------------------------------------------------
# The lock (requirements/lock.txt), Binder's requirements and the GitHub workflows.

LOCK = ROOT / "requirements" / "lock.txt"
BINDER = ROOT / "binder"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
TEST_TOOLS = {"pytest", "hypothesis", "nbval", "playwright", "ruff", "uv", "check-jsonschema"}


def pins(path: Path) -> dict[str, str]:
    """``name -> version`` of the pins in a requirements file whose markers hold here."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith((" ", "#")):
            continue
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate():
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"{path.name}: {line!r} is not a pin"
            found[canonicalize_name(requirement.name)] = specifier.version
    return found


def project_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = [*project["dependencies"], *sum(project["optional-dependencies"].values(), [])]
    return [Requirement(r) for r in listed if not r.startswith("c182lib")]


def test_lock_satisfies_every_requirement_of_pyproject():
    locked = pins(LOCK)
    for requirement in project_requirements():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement} is not in the lock: python tasks.py lock"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"requirements/lock.txt pins {name}=={locked[name]}, outside pyproject.toml's "
            f"{requirement}: python tasks.py lock"
        )


@pytest.mark.skipif(os.environ.get("C182_ENVIRONMENT") != "locked",
                    reason="only the locked environment (.venv) must equal the lock")
def test_locked_environment_has_exactly_the_locked_versions():
    wrong = {name: (version, metadata.version(name)) for name, version in pins(LOCK).items()
             if metadata.version(name) != version}
    assert not wrong, f"installed versions differ from the lock (locked, installed): {wrong}"


def test_binder_installs_the_locked_runtime_and_no_test_tools():
    locked, binder = pins(LOCK), pins(BINDER / "requirements.txt")
    assert {name: locked.get(name) for name in binder} == binder
    runtime = {canonicalize_name(Requirement(r).name) for r in
               tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    assert runtime | {"jupyterlab", "ipykernel"} <= binder.keys()
    assert not TEST_TOOLS & binder.keys()
    # repo2docker ignores ranges such as python>=3.11: an exact version, the lock's.
    assert (BINDER / "runtime.txt").read_text().strip() == f"python-{tasks.LOCK_PYTHON}"
    assert "pip install --no-deps ." in (BINDER / "postBuild").read_text()


def test_oldest_pins_cover_every_floor():
    assert {p.split("==")[0] for p in tasks.oldest_pins()} >= {
        r.name for r in [Requirement(x) for x in tomllib.loads(
            (ROOT / "pyproject.toml").read_text())["project"]["dependencies"]]}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_validates_against_githubs_schema(workflow):
    result = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                             "vendor.github-workflows", str(workflow)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def readme_commands() -> set[str]:
    """The ``make ...`` and ``python tasks.py ...`` commands README.md gives (in code blocks or
    inline code)."""
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```[a-z]*\n(.*?)```", readme, re.S)
    lines = [line.split("#")[0].strip() for block in blocks for line in block.splitlines()]
    lines += re.findall(r"(?<!`)`([^`\n]+)`(?!`)", re.sub(r"```.*?```", "", readme, flags=re.S))
    return {line for line in lines if line.startswith(("make ", "python tasks.py "))}


def test_every_ci_job_runs_commands_the_readme_gives():
    given = readme_commands()
    assert {"make lab", "make test", "python tasks.py lab", "python tasks.py test"} <= given
    for workflow in WORKFLOWS:
        for name, job in yaml.safe_load(workflow.read_text())["jobs"].items():
            commands = [line.strip() for step in job["steps"] if "run" in step
                        for line in step["run"].splitlines()]
            ours = [c for c in commands if c.startswith(("make ", "python tasks.py "))]
            assert ours, f"{workflow.name}: job {name} runs none of the README's commands"
            assert set(ours) <= given, (
                f"{workflow.name}: job {name} runs {sorted(set(ours) - given)}, "
                "which README.md does not give")


def test_ci_run_uses_the_readme_test_command():
    script = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test\b", script, re.M)
