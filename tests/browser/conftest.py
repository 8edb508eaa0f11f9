"""Fixtures for the browser tests: a JupyterLab server and a headless Chromium, both cleaned up.

The server is this environment's own JupyterLab (``sys.executable -m jupyter lab``), so the
settings overrides that ``make`` installs under ``sys.prefix`` (no news pop-up, no update check) are
in effect, as they are for a student's ``make lab``. It serves a temporary copy of the notebooks
folder on 127.0.0.1 with a random port and token, and runs with its own empty Jupyter config,
data, runtime and IPython directories so nothing from the user's home changes what is tested.

Everything started here is stopped here, also when a test fails: kernels and sessions through the
server's REST API (a kernel outlives the browser that used it), then the server, then any process
the server left behind; the browser by closing its context.

The notebooks folder defaults to the repository's ``notebooks/``; set ``C182_BROWSER_NOTEBOOKS``
to test another folder (the tests only ever run on a copy of it). The browser is ``chromium``
on the PATH, or the executable ``C182_BROWSER`` names; without one the tests skip, unless
``C182_REQUIRE_BROWSER=1`` (set by the CI jobs that must run them), which makes that a failure.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"
NOTEBOOKS_ENV = "C182_BROWSER_NOTEBOOKS"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BROWSER_ENV = "C182_BROWSER"
REQUIRE_BROWSER_ENV = "C182_REQUIRE_BROWSER"
NO_CHROMIUM = (
    "browser tests need Chromium, which is not installed: "
    "`apt-get install chromium` (Debian/Ubuntu) enables them, or set C182_BROWSER to the "
    "executable of Chrome or another Chromium-based browser"
)
# The markers a notebook's source carries when it shows a c182lib widget.
WIDGET_MARKERS = ("c182lib.widgets", "from c182lib import widgets")
SERVER_START_TIMEOUT = 90  # seconds


def notebooks_folder() -> Path:
    """The folder whose widget notebooks are tested: ``$C182_BROWSER_NOTEBOOKS`` or notebooks/."""
    return Path(os.environ.get(NOTEBOOKS_ENV, ROOT / "notebooks")).resolve()


def widget_notebooks(folder: Path) -> list[Path]:
    """The ``*.ipynb`` files directly in ``folder`` whose source uses ``c182lib.widgets``."""
    found = []
    for path in sorted(folder.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        source = "".join("".join(cell.get("source", "")) for cell in cells)
        if any(marker in source for marker in WIDGET_MARKERS):
            found.append(path)
    return found


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per widget notebook (``widget_notebook`` is its file name)."""
    if "widget_notebook" not in metafunc.fixturenames:
        return
    folder = notebooks_folder()
    names = [path.name for path in widget_notebooks(folder)]
    if names:
        metafunc.parametrize("widget_notebook", names)
    else:
        reason = f"no notebook in {folder} uses c182lib.widgets yet"
        skipped = pytest.param(None, marks=pytest.mark.skip(reason=reason))
        metafunc.parametrize("widget_notebook", [skipped])


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Say plainly at the end of a run when browser tests were skipped for lack of Chromium."""
    skipped = terminalreporter.stats.get("skipped", [])
    if any(NO_CHROMIUM in str(getattr(report, "longrepr", "")) for report in skipped):
        terminalreporter.write_sep("=", "browser tests SKIPPED", yellow=True, bold=True)
        terminalreporter.write_line(NO_CHROMIUM + "; then run `make test-browser`.")


# --------------------------------------------------------------------------------------------
# JupyterLab server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM if pytest dies without running its finalisers."""
    with contextlib.suppress(OSError, AttributeError):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class LabServer:
    """A running ``jupyter lab`` serving ``root_dir``; see the module docstring.

    Attributes
    ----------
    base_url : str
        ``http://127.0.0.1:<port>``.
    token : str
        The server's random token.
    root_dir : Path
        The folder it serves (a copy of the notebooks).
    log_path : Path
        Server and kernel output (kernels inherit the server's stdout and stderr).
    """

    def __init__(self, root_dir: Path, work_dir: Path):
        self.root_dir = root_dir
        self.token = secrets.token_hex(24)
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = work_dir / "jupyterlab.log"
        env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
        for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
            env[name] = str(work_dir / name.lower())
        command = [
            sys.executable, "-m", "jupyter", "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={root_dir}",
            "--LabApp.expose_app_in_browser=True",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        self._log = open(self.log_path, "wb")  # closed in stop()
        self.process = subprocess.Popen(
            command, cwd=root_dir, env=env, stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_die_with_parent,
        )

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def api(self, method: str, path: str, timeout: float = 10):
        """Call the REST API; return the decoded JSON body (None when empty)."""
        request = urllib.request.Request(
            self.url(path), method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def wait_until_up(self, timeout: float = SERVER_START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.process.returncode}:\n"
                                   + self.log_tail())
            try:
                self.api("GET", "api/status", timeout=2)
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"jupyter lab did not answer within {timeout} s:\n"
                                       + self.log_tail()) from None
                time.sleep(0.2)

    def log_text(self) -> str:
        self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def shutdown_sessions(self, path: str | None = None) -> None:
        """Shut down the sessions (and their kernels) of ``path``, or of every notebook."""
        for session in self.api("GET", "api/sessions"):
            if path is None or session["path"] == path:
                self.api("DELETE", f"api/sessions/{session['id']}", timeout=30)
        if path is None:
            for kernel in self.api("GET", "api/kernels"):
                self.api("DELETE", f"api/kernels/{kernel['id']}", timeout=30)

    def stop(self) -> None:
        """Shut everything down politely, then make sure: no process of ours survives."""
        import psutil  # a dependency of ipykernel

        try:
            leftovers = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.Error:
            leftovers = []
        try:
            if self.process.poll() is None:
                with contextlib.suppress(OSError, urllib.error.URLError):
                    self.shutdown_sessions()
                    self.api("POST", "api/shutdown")
                self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        finally:
            _, alive = psutil.wait_procs(leftovers, timeout=5)
            for process in alive:
                with contextlib.suppress(psutil.Error):
                    process.kill()
            self._log.close()


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """JupyterLab serving a temporary copy of the notebooks folder."""
    work_dir = tmp_path_factory.mktemp("jupyterlab")
    root_dir = work_dir / "notebooks"
    shutil.copytree(notebooks_folder(), root_dir)
    for attempt in range(2):  # the free port may have been taken before the server bound it
        server = LabServer(root_dir, work_dir)
        try:
            server.wait_until_up()
            break
        except RuntimeError:
            server.stop()
            if attempt == 1:
                raise
    try:
        yield server
    finally:
        server.stop()


# --------------------------------------------------------------------------------------------
# Chromium


def find_chromium() -> str | None:
    """The browser to drive: ``$C182_BROWSER`` (a Chromium-based browser's executable, e.g.
    Google Chrome on Windows or macOS) or ``chromium`` on the PATH; None if there is none."""
    configured = os.environ.get(BROWSER_ENV)
    if configured:
        if not Path(configured).is_file():
            pytest.fail(f"{BROWSER_ENV}={configured!r} is not a file")
        return configured
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = find_chromium()
    if path is None:
        if os.environ.get(REQUIRE_BROWSER_ENV) == "1":
            pytest.fail(f"{NO_CHROMIUM} ({REQUIRE_BROWSER_ENV}=1: a missing browser is an error)")
        pytest.skip(NO_CHROMIUM)
    return path


@pytest.fixture(scope="session")
def browser(chromium_executable: str, tmp_path_factory: pytest.TempPathFactory):
    """A headless Chromium (a Playwright BrowserContext) with a fresh user-data dir."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium-profile"),
            executable_path=chromium_executable,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 1024},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where screenshots go (``artifacts/`` is gitignored and kept by CI)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
