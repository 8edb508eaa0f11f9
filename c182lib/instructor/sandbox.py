"""Run one submitted notebook, and the grader's harness cell after it, in a limited process.

The grader never runs student code itself. For each notebook it calls `run_notebook`, which
starts ``python -m c182lib.instructor.sandbox`` (this module) as a child process in a session of
its own, gives it a request on stdin and reads one JSON result from its stdout. The child:

- sets its resource limits, which the kernel it starts inherits: address space
  (``RLIMIT_AS``, ``memory_mb``) and the size of any file written (``RLIMIT_FSIZE``,
  ``file_mb``); where the `resource` module is missing (Windows) there are no such limits;
- copies the notebook's folder into a temporary folder and runs the copy there with nbclient on
  a fresh kernel, errors in cells not stopping the run, each cell interrupted after
  ``cell_timeout`` seconds, then the harness cell (``harness_source``, its own time limit);
- kills the kernel's process group when the notebook's own cells have run for ``timeout``
  seconds of wall-clock time, or later the harness cell for ``harness_timeout`` seconds more
  (plus what the notebook left of its own time: a kernel that ignored the interrupt of a cell
  is still running it when the harness cell is sent), and at the end in any case (nothing the
  notebook started in that group survives it);
- keeps only what the harness cell printed (cut at `MAX_HARNESS_CHARS`): the notebook's own
  outputs are dropped as they arrive, so a notebook printing megabytes costs no memory.

The kernel's own stdout and stderr go to /dev/null, so nothing the notebook writes reaches the
child's stdout. The result says how the run ended (``status``: ``"completed"``, ``"timeout"``,
``"kernel died"``, ``"failed"``), with a ``detail`` for a person and the harness cell's text.
Judging that text is the grader's job (`c182lib.instructor.grade`), not this module's.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

MAX_HARNESS_CHARS = 50_000_000
MARGIN = 60.0  # seconds the parent waits beyond the child's own deadline before killing it

try:
    import resource
except ImportError:  # Windows: no resource limits
    resource = None


@dataclass(frozen=True)
class SandboxResult:
    """How the run of one notebook ended, and what the harness cell printed."""

    status: str
    detail: str = ""
    harness_output: str = ""
    cell_errors: int = 0
    seconds: float = 0.0


def run_notebook(notebook: Path, harness_source: str, *, timeout: float = 300.0,
                 cell_timeout: float = 60.0, harness_timeout: float = 120.0,
                 memory_mb: int | None = 6144, file_mb: int | None = 64) -> SandboxResult:
    """Run ``notebook`` and then ``harness_source`` in a child process (see module docstring).

    Never raises for anything the notebook does; the result's ``status`` says what happened.
    """
    request = {"notebook": str(Path(notebook).resolve()), "harness_source": harness_source,
               "timeout": timeout, "cell_timeout": cell_timeout,
               "harness_timeout": harness_timeout, "memory_mb": memory_mb, "file_mb": file_mb}
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "c182lib.instructor.sandbox"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=os.name != "nt")
    try:
        stdout, stderr = child.communicate(json.dumps(request).encode(),
                                           timeout=timeout + harness_timeout + MARGIN)
    except subprocess.TimeoutExpired:
        _kill_group(child.pid)
        child.kill()
        child.communicate()
        return SandboxResult("timeout", f"did not finish in {timeout:g} s (the run was killed)",
                             seconds=time.perf_counter() - start)
    finally:
        _kill_group(child.pid)
    seconds = time.perf_counter() - start
    try:
        data = json.loads(stdout.decode("utf-8"))
        return SandboxResult(str(data["status"]), str(data["detail"]),
                             str(data["harness_output"]), int(data["cell_errors"]), seconds)
    except Exception:  # the child died before reporting (memory, a signal)
        last = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        return SandboxResult("failed", f"the run ended without a result (exit status "
                             f"{child.returncode}) {last[0][:300]}".strip(), seconds=seconds)


def _kill_group(pid: int | None) -> None:
    """Kill the process group ``pid`` leads, if any is left (POSIX only)."""
    if pid is None or not hasattr(os, "killpg"):
        return
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def set_limits(memory_mb: int | None, file_mb: int | None) -> None:
    """Limit this process (and the kernel it starts) where `resource` exists."""
    if resource is None:
        return
    for limit, megabytes in ((resource.RLIMIT_AS, memory_mb), (resource.RLIMIT_FSIZE, file_mb)):
        if megabytes:
            resource.setrlimit(limit, (megabytes * 2**20, megabytes * 2**20))


def _execute(request: dict) -> dict:
    """Run the request's notebook and harness in this process; the result as a dict."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    class HarnessClient(NotebookClient):
        """Drops every output but the harness cell's (the last) and counts error outputs."""

        cell_errors = 0

        def output(self, outs, msg, display_id, cell_index):
            if msg["msg_type"] == "error":
                HarnessClient.cell_errors += 1
            if cell_index != len(self.nb.cells) - 1:
                return None
            return super().output(outs, msg, display_id, cell_index)

    source = Path(request["notebook"])
    with tempfile.TemporaryDirectory(prefix="c182-grade-") as scratch:
        folder = Path(scratch) / "submission"
        shutil.copytree(source.parent, folder, symlinks=True)
        nb = nbformat.read(folder / source.name, as_version=4)
        harness = nbformat.v4.new_code_cell(request["harness_source"])
        nb.cells.append(harness)
        client = HarnessClient(
            nb, timeout=request["cell_timeout"], allow_errors=True, interrupt_on_timeout=True,
            startup_timeout=60, kernel_name="python3", record_timing=False,
            shutdown_kernel="immediate",  # its process group is killed afterwards anyway
            store_widget_state=False, resources={"metadata": {"path": str(folder)}},
            timeout_func=lambda cell: (request["harness_timeout"] if cell is harness
                                       else request["cell_timeout"]),
            on_notebook_start=lambda notebook: kernel_pids.append(_kernel_pid(client)),
            on_cell_start=lambda cell, cell_index: (cell is harness and _arm(
                max(0.001, deadline - time.monotonic()) + request["harness_timeout"])))
        kernel_pids: list[int | None] = []
        timed_out = []

        def on_deadline(signum, frame):
            timed_out.append(True)
            for pid in kernel_pids:
                _kill_group(pid)

        if hasattr(signal, "SIGALRM"):
            signal.signal(signal.SIGALRM, on_deadline)
        deadline = time.monotonic() + request["timeout"]
        _arm(request["timeout"])
        env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
        env["MPLBACKEND"] = "agg"
        status, detail = "completed", ""
        try:
            client.execute(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except DeadKernelError:
            status, detail = "kernel died", "the kernel died (os._exit, a crash or a limit)"
        except Exception as err:  # nbclient's own errors: report, do not crash
            status, detail = "failed", f"{type(err).__name__}: {str(err)[:300]}"
        finally:
            _arm(0)
            for pid in kernel_pids:  # whatever the notebook left running in its group
                _kill_group(pid)
        if timed_out:
            status = "timeout"
            detail = (f"did not finish in {request['timeout']:g} s (+ "
                      f"{request['harness_timeout']:g} s to grade; the kernel was killed)")
        text = "".join(out.get("text", "") for out in harness.outputs
                       if out.get("output_type") == "stream")
        errors = [f"{out.get('ename')}: {str(out.get('evalue'))[:300]}"
                  for out in harness.outputs if out.get("output_type") == "error"]
        if errors and status == "completed":
            detail = f"the grading cell raised {errors[0]}"
        return {"status": status, "detail": detail, "harness_output": text[:MAX_HARNESS_CHARS],
                "cell_errors": HarnessClient.cell_errors}


def _arm(seconds: float) -> None:
    """Start the deadline timer anew: `on_deadline` runs in ``seconds`` (0: never)."""
    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, seconds)


def _kernel_pid(client) -> int | None:
    process = getattr(getattr(client.km, "provisioner", None), "process", None)
    return getattr(process, "pid", None)


def main() -> None:
    request = json.loads(sys.stdin.read())
    set_limits(request["memory_mb"], request["file_mb"])
    try:
        result = _execute(request)
    except Exception as err:  # an unreadable notebook, a copy that failed
        result = {"status": "failed", "detail": f"{type(err).__name__}: {str(err)[:300]}",
                  "harness_output": "", "cell_errors": 0}
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main()
