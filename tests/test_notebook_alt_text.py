"""Every figure stored in notebooks/ can be read by a screen reader.

A stored image output must carry a text alternative (``metadata["image/png"]["alt"]``) that is
not empty and describes *this* figure: no two images of one notebook share an alt text, and the
output's ``text/plain`` is not matplotlib's ``<Figure size ... with N Axes>``, which is what a
screen reader would otherwise speak. The stored JSON is read directly, without c182lib.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
FIGURE_REPR = re.compile(r"<Figure size [\d.]+x[\d.]+ with \d+ Axes>")


def image_outputs(path: Path) -> list[tuple[int, dict]]:
    """(cell index, output) for every stored output of ``path`` that holds a PNG."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [(index, output) for index, cell in enumerate(cells)
            for output in cell.get("outputs", [])
            if "image/png" in output.get("data", {})]


def plain_text(output: dict) -> str:
    text = output["data"].get("text/plain", "")
    return "".join(text) if isinstance(text, list) else text


def test_the_notebooks_hold_figures():
    # Guards the tests below against passing on nothing (a moved folder, no stored outputs).
    assert NOTEBOOKS, "no notebooks found"
    assert sum(len(image_outputs(path)) for path in NOTEBOOKS) >= 20


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_every_image_has_a_figure_specific_alt_text(path):
    seen: dict[str, int] = {}
    for index, output in image_outputs(path):
        alt = output.get("metadata", {}).get("image/png", {}).get("alt", "")
        assert isinstance(alt, str) and alt.strip(), f"{path.name}, cell {index}: no alt text"
        assert not FIGURE_REPR.search(alt), f"{path.name}, cell {index}: alt text is {alt!r}"
        assert alt not in seen, (
            f"{path.name}, cells {seen[alt]} and {index} share the alt text {alt!r}")
        seen[alt] = index


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_no_figure_output_reads_as_a_figure_size(path):
    # A Figure displayed without a text alternative stores its repr; so does one shown by
    # pyplot, even if a separate image carries alt text.
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for index, cell in enumerate(cells):
        for output in cell.get("outputs", []):
            if "data" in output:
                assert not FIGURE_REPR.search(plain_text(output)), (
                    f"{path.name}, cell {index}: text/plain is {plain_text(output)!r}")
