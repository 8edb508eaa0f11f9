"""Every widget notebook, run in JupyterLab in headless Chromium: widgets render and respond.

Widgets that pass Python tests can still show "Error displaying widget: model not found" when the
front-end and the kernel side disagree. So, as a student would: open the notebook, wait for its
kernel, Run All, look at the page, then move each explorer's first slider with the keyboard and
check that its status line (the output size, or the message for an impossible setting) or its
figure changes, and that every figure shown is drawn whole.

Front-end contract of ``c182lib.widgets`` relied on: an explorer has CSS class ``c182-explorer``,
its status line ``c182-status``, its figure area ``c182-figure`` (an inline PNG); its sliders are
ordinary ipywidgets sliders (noUiSlider handles in the page).

Run with ``make test-browser``; screenshots land in ``artifacts/browser/``.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = pytest.mark.browser

KERNEL_READY_TIMEOUT = 120_000  # ms; the first kernel start also warms up imports
KERNEL_STEADY_MS = 500  # idle this long counts as ready (see JS_KERNEL_READY)
RUN_ALL_TIMEOUT = 240_000  # ms for Run All of one notebook
WIDGET_TIMEOUT = 60_000  # ms for widget views to render after Run All
SLIDER_TIMEOUT = 30_000  # ms for a slider move to show in the page
# A figure drawn whole: this high at least, this fraction of its pixels not white, and some ink
# in both its top and bottom halves (a partly drawn figure is blank at the bottom).
MIN_FIGURE_HEIGHT = 100
MIN_INK = 0.02
MIN_INK_PER_HALF = 0.005
WIDGET_ERRORS = ("Error displaying widget", "model not found")
CONSOLE_WIDGET_ERROR = re.compile(r"widget|model|comm", re.IGNORECASE)

# The notebook panel showing `path` (activated), or null while it is not open and loaded.
JS_PANEL = """
(path) => {
    const app = window.jupyterapp;
    if (!app) return null;
    for (const widget of app.shell.widgets('main')) {
        const context = widget.context;
        if (context && context.path === path && context.isReady && widget.sessionContext) {
            app.shell.activateById(widget.id);
            return widget;
        }
    }
    return null;
}
"""

JS_NOTEBOOK_OPEN = f"(path) => ({JS_PANEL})(path) !== null"

# True once the notebook's kernel has been connected and idle for KERNEL_STEADY_MS: just after
# start-up it is idle for moments between requests (kernel info, the widget manager's comm info),
# and a Run All sent before the kernel is connected is silently dropped.
JS_KERNEL_READY = f"""
(path) => {{
    const panel = ({JS_PANEL})(path);
    const session = panel && panel.sessionContext;
    const kernel = session && session.session && session.session.kernel;
    const idleSince = window.__c182IdleSince = window.__c182IdleSince || {{}};
    if (!kernel || kernel.connectionStatus !== 'connected' || kernel.status !== 'idle'
            || session.pendingInput) {{
        idleSince[path] = null;
        return false;
    }}
    idleSince[path] = idleSince[path] || Date.now();
    return Date.now() - idleSince[path] >= {KERNEL_STEADY_MS};
}}
"""

# Start Run All; from now on record the kernel's errors, also those raised in widget callbacks
# (they reach no cell output, only the kernel's message stream).
JS_START_RUN_ALL = f"""
(path) => {{
    const panel = ({JS_PANEL})(path);
    const state = window.__c182 = window.__c182 || {{kernelErrors: []}};
    if (!state.listening) {{
        panel.sessionContext.iopubMessage.connect((_, message) => {{
            const type = message.header.msg_type, content = message.content;
            if (type === 'error') {{
                state.kernelErrors.push(content.ename + ': ' + content.evalue);
            }} else if (type === 'stream' && content.name === 'stderr'
                       && content.text.includes('Traceback')) {{
                state.kernelErrors.push(content.text);
            }}
        }});
        state.listening = true;
    }}
    state.runAll = 'running';
    window.jupyterapp.commands.execute('notebook:run-all-cells').then(
        () => {{ state.runAll = 'done'; }},
        (error) => {{ state.runAll = 'failed: ' + error; }});
}}
"""

# True once Run All has settled: the command has returned and no cell is running.
JS_RUN_ALL_SETTLED = f"""
(path) => {{
    const panel = ({JS_PANEL})(path);
    if (!panel || window.__c182.runAll === 'running') return false;
    return panel.content.widgets.every(
        cell => cell.model.type !== 'code' || cell.model.executionState !== 'running');
}}
"""

# Per code cell: its index, execution count and error outputs (ename: evalue).
JS_CELL_REPORT = f"""
(path) => ({JS_PANEL})(path).content.widgets
    .map((cell, index) => ({{cell: cell, index: index}}))
    .filter(item => item.cell.model.type === 'code')
    .map(item => ({{
        index: item.index,
        count: item.cell.model.executionCount,
        errors: item.cell.model.outputs.toJSON()
            .filter(output => output.output_type === 'error')
            .map(output => output.ename + ': ' + output.evalue),
    }}))
"""

# True once no output shows the widget renderer's placeholder any more.
JS_WIDGETS_SETTLED = """
() => [...document.querySelectorAll('.jp-OutputArea-output')]
    .every(node => !node.textContent.startsWith('Loading widget...'))
"""

# What an explorer shows: its status text, the sources of its figure images and their alt texts
# (what a screen reader says for each). (Texts are read
# with textContent: innerText is empty for cells the notebook's content-visibility windowing
# has not painted yet, even when scrolled into view a moment ago.)
JS_EXPLORER_STATE = """
(explorer) => {
    const status = explorer.querySelector('.c182-status');
    return {status: status ? status.textContent.trim() : null,
            images: [...explorer.querySelectorAll('.c182-figure img')]
                .map(image => image.getAttribute('src')),
            alts: [...explorer.querySelectorAll('.c182-figure img')]
                .map(image => image.getAttribute('alt'))};
}
"""

# For each figure image of an explorer, decoded: its size and the fraction of pixels that are
# not near-white (ink), over the whole image and over its top and bottom halves.
JS_FIGURE_STATS = """
async (explorer) => {
    const stats = [];
    for (const image of explorer.querySelectorAll('.c182-figure img')) {
        await image.decode();
        const width = image.naturalWidth, height = image.naturalHeight;
        const canvas = document.createElement('canvas');
        canvas.width = width;
        canvas.height = height;
        const context = canvas.getContext('2d');
        context.drawImage(image, 0, 0);
        const pixels = context.getImageData(0, 0, width, height).data;
        let top = 0, bottom = 0;
        for (let i = 0; i < pixels.length; i += 4) {
            const inked = pixels[i + 3] > 0
                && Math.min(pixels[i], pixels[i + 1], pixels[i + 2]) < 235;
            if (inked && Math.floor(i / 4 / width) < height / 2) top += 1;
            else if (inked) bottom += 1;
        }
        const half = Math.max(1, width * height / 2);
        stats.push({width: width, height: height, ink: (top + bottom) / (2 * half),
                    topInk: top / half, bottomInk: bottom / half});
    }
    return stats;
}
"""


def _wait(page, script: str, arg, timeout: float, failure: str, polling: float = 100) -> None:
    """``page.wait_for_function``, failing the test with ``failure`` when it times out."""
    try:
        page.wait_for_function(script, arg=arg, timeout=timeout, polling=polling)
    except PlaywrightTimeout:
        pytest.fail(f"{failure} (waited {timeout / 1000:.0f} s)")


def _run_all(page, notebook: str) -> list[dict]:
    """Run All once the kernel is ready, once more if nothing ran; return JS_CELL_REPORT."""
    for _attempt in range(2):
        _wait(page, JS_KERNEL_READY, notebook, KERNEL_READY_TIMEOUT,
              f"the kernel of {notebook} never became connected and idle")
        page.evaluate(JS_START_RUN_ALL, notebook)
        _wait(page, JS_RUN_ALL_SETTLED, notebook, RUN_ALL_TIMEOUT,
              f"Run All of {notebook} did not finish", polling=250)
        _wait(page, JS_KERNEL_READY, notebook, KERNEL_READY_TIMEOUT,
              f"the kernel of {notebook} stayed busy after Run All")
        cells = page.evaluate(JS_CELL_REPORT, notebook)
        if any(cell["count"] is not None for cell in cells):
            break
    run_all = page.evaluate("() => window.__c182.runAll")
    assert run_all == "done", f"Run All: {run_all}"
    return cells


def _figure_problems(stats: list[dict]) -> list[str]:
    """Why figures (JS_FIGURE_STATS) are not drawn whole; empty when they all are."""
    problems = []
    for number, figure in enumerate(stats):
        if figure["height"] < MIN_FIGURE_HEIGHT:
            problems.append(f"figure {number} is only {figure['height']} px high")
        elif figure["ink"] < MIN_INK:
            problems.append(f"figure {number} is blank ({figure['ink']:.1%} non-white)")
        elif min(figure["topInk"], figure["bottomInk"]) < MIN_INK_PER_HALF:
            problems.append(f"figure {number} is partly blank: {figure['topInk']:.1%} of its top "
                            f"half and {figure['bottomInk']:.1%} of its bottom half non-white")
    return problems


def test_settings_overrides_in_effect(lab_server):
    """make installed jupyter/overrides.json under sys.prefix, and the server applies it."""
    repo = json.loads((Path(__file__).parents[2] / "jupyter" / "overrides.json").read_text())
    installed = Path(sys.prefix, "share", "jupyter", "lab", "settings", "overrides.json")
    assert installed.is_file(), f"{installed} missing: run `make` to install the lab settings"
    assert json.loads(installed.read_text()) == repo, f"{installed} is stale: run `make`"
    for plugin, settings in repo.items():
        schema = lab_server.api("GET", f"lab/api/settings/{plugin}")["schema"]["properties"]
        for name, value in settings.items():
            assert name in schema, f"{plugin} has no setting {name!r}"
            assert schema[name]["default"] == value, f"{plugin}:{name} is not overridden"


def test_widgets_render_and_respond(browser, lab_server, widget_notebook, artifacts_dir):
    """Run All shows every explorer without errors, and each one answers its first slider."""
    started = time.monotonic()
    log_start = len(lab_server.log_text())
    stem = Path(widget_notebook).stem
    page = browser.new_page()
    page.set_default_timeout(SLIDER_TIMEOUT)
    page.set_default_navigation_timeout(KERNEL_READY_TIMEOUT)
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: console_errors.append(f"uncaught: {error}"))
    try:
        # A workspace of its own, reset: only this notebook is open.
        page.goto(lab_server.url(f"lab/workspaces/c182-{quote(stem)}/tree/{quote(widget_notebook)}"
                                 f"?reset&token={lab_server.token}"))
        _wait(page, JS_NOTEBOOK_OPEN, widget_notebook, KERNEL_READY_TIMEOUT,
              f"JupyterLab did not open {widget_notebook}")
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")  # room for screenshots
        cells = _run_all(page, widget_notebook)
        _wait(page, JS_WIDGETS_SETTLED, None, WIDGET_TIMEOUT,
              "widgets still show 'Loading widget...' after Run All")

        errors = [(cell["index"], error) for cell in cells for error in cell["errors"]]
        assert not errors, f"cells raised (cell index, error): {errors}"
        not_run = [cell["index"] for cell in cells if cell["count"] is None]
        assert not not_run, f"cells not executed by Run All: {not_run}"
        stderr = page.locator(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
        tracebacks = [text for text in stderr.all_text_contents() if "Traceback" in text]
        assert not tracebacks, f"tracebacks on the page: {tracebacks}"
        outputs_text = "\n".join(page.locator(".jp-OutputArea").all_text_contents())
        for text in WIDGET_ERRORS:
            assert text not in outputs_text, f"the page shows {text!r}"

        explorers = page.locator(".c182-explorer")
        assert explorers.count() >= 1, "the notebook uses c182lib.widgets but shows no explorer"
        for index in range(explorers.count()):
            explorer = explorers.nth(index)
            explorer.scroll_into_view_if_needed()
            assert explorer.is_visible(), f"explorer {index} is not visible"
            _move_first_slider(page, widget_notebook, explorer, index)
            explorer.screenshot(path=artifacts_dir / f"{stem}-explorer{index}.png")

        kernel_errors = page.evaluate("() => window.__c182.kernelErrors")
        assert not kernel_errors, f"the kernel reported errors: {kernel_errors}"
        widget_console = [m for m in console_errors if CONSOLE_WIDGET_ERROR.search(m)]
        assert not widget_console, f"widget errors in the browser console: {widget_console}"
        new_log = lab_server.log_text()[log_start:]
        assert "Traceback" not in new_log, f"traceback in the server/kernel log:\n{new_log}"
    finally:
        with contextlib.suppress(PlaywrightError):  # keep the test's own failure visible
            explorers = page.locator(".c182-explorer")
            if explorers.count():
                explorers.first.scroll_into_view_if_needed(timeout=5_000)
            page.screenshot(path=artifacts_dir / f"{stem}.png")
        page.close()
        with contextlib.suppress(OSError):  # the server fixture shuts down whatever is left
            lab_server.shutdown_sessions(widget_notebook)
        print(f"{widget_notebook}: {time.monotonic() - started:.1f} s", console_errors or "")


def _move_first_slider(page, notebook: str, explorer, index: int) -> None:
    """Press an arrow key on the explorer's first slider; its status or figure must change."""
    handle = explorer.locator(".noUi-target:not([disabled]) .noUi-handle").first
    assert handle.count() == 1, f"explorer {index} has no enabled slider"
    before = explorer.evaluate(JS_EXPLORER_STATE)
    assert before["status"], f"explorer {index} shows no status text"
    assert before["images"], (
        f"explorer {index} shows no figure image (shown as text, '<Figure size ...>'?)")
    problems = _figure_problems(explorer.evaluate(JS_FIGURE_STATS))
    assert not problems, f"explorer {index}: {problems}"
    _assert_described(before, index)

    at_max = float(handle.get_attribute("aria-valuenow")) >= float(
        handle.get_attribute("aria-valuemax"))
    handle.focus()
    page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
    _wait(page, f"([explorer, before]) => {{ const now = ({JS_EXPLORER_STATE})(explorer);"
                " return now.status !== before.status"
                " || now.images.join() !== before.images.join(); }",
          [explorer.element_handle(), before], SLIDER_TIMEOUT,
          f"moving the first slider of explorer {index} changed neither its status nor its figure")
    # The status may change before the figure is sent: wait for the callback to finish.
    _wait(page, JS_KERNEL_READY, notebook, KERNEL_READY_TIMEOUT,
          f"the kernel stayed busy after moving the slider of explorer {index}")

    after = explorer.evaluate(JS_EXPLORER_STATE)
    if after["images"]:
        assert len(after["images"]) == len(before["images"]), (
            f"explorer {index} showed {len(before['images'])} figure(s) before the slider move "
            f"and {len(after['images'])} after")
        problems = _figure_problems(explorer.evaluate(JS_FIGURE_STATS))
        assert not problems, f"explorer {index} after a slider move: {problems}"
        _assert_described(after, index)
        if after["images"] != before["images"]:
            assert after["alts"] != before["alts"], (
                f"explorer {index}: the figure changed but its alt text did not: "
                f"{after['alts']}")
    else:  # an impossible setting: the figure is cleared and the status says why
        assert after["status"] != before["status"], (
            f"explorer {index} lost its figure after a slider move, with no message")


def _assert_described(state: dict, index: int) -> None:
    """Every figure image of an explorer (JS_EXPLORER_STATE) has a text alternative of its own,
    not the empty string and not matplotlib's ``<Figure size ...>``."""
    for alt in state["alts"]:
        assert alt and alt.strip() and not alt.startswith("<Figure"), (
            f"explorer {index} shows a figure whose alt text is {alt!r}")
