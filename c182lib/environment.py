"""Is this environment able to run the workbook? Notebook 00's check, as one function.

The required versions come from c182lib's own package metadata (pyproject.toml), so this check
and the installer can never disagree.
"""

from __future__ import annotations

import importlib
import platform
from dataclasses import dataclass
from importlib import metadata

import matplotlib
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

MODULES = ("shapes", "conv", "pool", "batchnorm", "rnn", "gradcheck")


@dataclass(frozen=True)
class Finding:
    """One line of the report: ``ok`` and what it says (``"numpy >=1.25"``)."""

    ok: bool
    message: str

    def __str__(self) -> str:
        return f"{'OK' if self.ok else 'PROBLEM'}: {self.message}"


@dataclass(frozen=True)
class EnvironmentReport:
    """What :func:`check_environment` found; its repr is one ``OK:``/``PROBLEM:`` line each."""

    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return all(finding.ok for finding in self.findings)

    @property
    def problems(self) -> list[str]:
        return [finding.message for finding in self.findings if not finding.ok]

    def __repr__(self) -> str:
        return "\n".join(str(finding) for finding in self.findings)

    __str__ = __repr__


def check_environment() -> EnvironmentReport:
    """Check Python, c182lib's required packages, its core modules and inline figures.

    Returns
    -------
    EnvironmentReport
        In order: Python against ``Requires-Python``; each requirement without a marker (the
        extras lab, test, ... are not needed to run notebooks) installed in its range; the
        modules ``MODULES`` import; matplotlib's backend is the inline one (the kernel selects
        it unless ``MPLBACKEND`` was exported before it started).
    """
    findings = [_python_finding()]
    for requirement in map(Requirement, metadata.requires("c182lib") or []):
        if requirement.marker is None:
            findings.append(_requirement_finding(requirement))
    findings.append(_import_finding())
    backend = matplotlib.get_backend()
    findings.append(Finding(True, "matplotlib draws figures inline") if "inline" in backend
                    else Finding(False, f"matplotlib backend is {backend!r}, so figures may not "
                                 "show: unset MPLBACKEND and restart the kernel"))
    return EnvironmentReport(tuple(findings))


def _python_finding() -> Finding:
    rule = SpecifierSet(metadata.metadata("c182lib")["Requires-Python"])
    installed = platform.python_version()
    if rule.contains(installed, prereleases=True):
        return Finding(True, f"Python {rule}")
    return Finding(False, f"Python {installed} installed, need {rule}")


def _requirement_finding(requirement: Requirement) -> Finding:
    try:
        installed = metadata.version(requirement.name)
    except metadata.PackageNotFoundError:
        return Finding(False, f"{requirement.name} not installed, need {requirement.specifier}")
    if requirement.specifier.contains(installed, prereleases=True):
        return Finding(True, f"{requirement.name} {requirement.specifier}")
    return Finding(False, f"{requirement.name} {installed} installed, need "
                   f"{requirement.specifier}")


def _import_finding() -> Finding:
    failed = []
    for module in MODULES:
        try:
            importlib.import_module(f"c182lib.{module}")
        except Exception as err:  # any failure to import is the finding, whatever its type
            failed.append(f"c182lib.{module} ({type(err).__name__}: {err})")
    if failed:
        return Finding(False, f"cannot import {', '.join(failed)}")
    return Finding(True, f"c182lib imports ({', '.join(MODULES)})")
