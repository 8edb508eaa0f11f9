"""c182lib.environment.check_environment: notebook 00's environment check as one function."""

import sys
from importlib import metadata

import matplotlib
import pytest

from c182lib import environment
from c182lib.environment import Finding, check_environment

INLINE = "module://matplotlib_inline.backend_inline"


@pytest.fixture
def inline(monkeypatch):
    monkeypatch.setattr(matplotlib, "get_backend", lambda: INLINE)


def test_this_environment_passes_with_one_line_per_requirement(inline):
    report = check_environment()
    assert report.ok and report.problems == []
    lines = repr(report).splitlines()
    assert lines == str(report).splitlines()
    assert lines[0] == f"OK: Python {metadata.metadata('c182lib')['Requires-Python']}"
    assert lines[1:5] == ["OK: numpy >=1.25", "OK: matplotlib >=3.11",
                          "OK: ipywidgets <9,>=8.1", "OK: packaging >=23"]
    assert lines[5:] == ["OK: c182lib imports (shapes, conv, pool, batchnorm, rnn, gradcheck)",
                         "OK: matplotlib draws figures inline"]


def test_old_and_missing_packages_are_named_with_the_range(inline, monkeypatch):
    real = metadata.version

    def version(name):
        if name == "numpy":
            return "1.24.4"
        if name == "ipywidgets":
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(metadata, "version", version)
    report = check_environment()
    assert not report.ok
    assert report.problems == ["numpy 1.24.4 installed, need >=1.25",
                               "ipywidgets not installed, need <9,>=8.1"]
    assert "PROBLEM: numpy 1.24.4 installed, need >=1.25" in repr(report).splitlines()


def test_old_python_backend_and_import_failure(monkeypatch):
    monkeypatch.setattr(environment.platform, "python_version", lambda: "3.10.14")
    monkeypatch.setattr(matplotlib, "get_backend", lambda: "agg")
    monkeypatch.setitem(sys.modules, "c182lib.rnn", None)  # makes its import fail
    report = check_environment()
    assert report.problems[0] == "Python 3.10.14 installed, need >=3.11"
    assert report.problems[1].startswith("cannot import c182lib.rnn (ModuleNotFoundError: ")
    assert report.problems[2] == ("matplotlib backend is 'agg', so figures may not show: "
                                  "unset MPLBACKEND and restart the kernel")
    assert len(report.problems) == 3


def test_finding_text():
    assert str(Finding(True, "x")) == "OK: x" and str(Finding(False, "y")) == "PROBLEM: y"
