"""Tests of the pooling explorer, driven from Python as a student would with the controls."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from c182lib import pool
from c182lib.figures._common import alt_text, format_value
from c182lib.figures.pool import pool_gradient_routing
from c182lib.widgets import _base
from c182lib.widgets.pool import (
    TIE_LEVELS,
    describe_pooling,
    pool_explorer,
    random_pool_input,
)

needs_ipywidgets = pytest.mark.skipif(_base.ipywidgets is None, reason="ipywidgets missing")


def patches(explorer, *gids) -> list:
    """The explorer figure's patches with one of these gids."""
    (ax,) = explorer.figure.axes
    return [p for p in ax.patches if p.get_gid() in gids]


def grid_labels(explorer, shape, *gids) -> np.ndarray:
    """Labels of the grid whose cells have these gids (None where a cell is blank)."""
    (ax,) = explorer.figure.axes
    cells = patches(explorer, *gids)
    ox, oy = min(c.get_x() for c in cells), min(c.get_y() for c in cells)
    at = {tuple(np.round(t.get_position(), 6)): t.get_text() for t in ax.texts
          if t.get_gid() is None}
    return np.array([[at.get((round(ox + c + 0.5, 6), round(oy + r + 0.5, 6)))
                      for c in range(shape[1])] for r in range(shape[0])], dtype=object)


def formatted(values) -> np.ndarray:
    return np.vectorize(format_value, otypes=[object])(values)


def drawn_input(explorer) -> np.ndarray:
    """The (unpadded) input the explorer's figure shows, as strings."""
    size, p = explorer.values["size"], explorer.values["padding"]
    labels = grid_labels(explorer, (size + 2 * p, size + 2 * p), "input", "pad", "dropped")
    return labels[p:p + size, p:p + size]


@needs_ipywidgets
def test_default_explorer_draws_and_describes():
    explorer = pool_explorer()
    assert explorer.error is None
    assert isinstance(explorer.figure, Figure)
    assert set(explorer.controls) == {"size", "kernel_size", "stride", "padding", "mode", "ties",
                                      "seed", "output_cell"}
    assert explorer.values["output_cell"] == "all"
    assert "Shown: all windows." in explorer.status.value
    assert "Output 3×3" in explorer.status.value
    assert "⌊(6 + 2·0 − 2) / 2⌋ + 1 = 3" in explorer.status.value
    # 2x2 windows, stride 2, distinct values: 9 winners, no overlap.
    assert "reaches <b>9</b> of 36" in explorer.status.value
    assert "<b>0</b> receive it from more than one window" in explorer.status.value
    x = random_pool_input(6, False, 0)
    assert (drawn_input(explorer) == formatted(x)).all()
    for slider in ("size", "kernel_size", "stride", "padding"):
        assert explorer.controls[slider].continuous_update is False


@needs_ipywidgets
def test_sliders_change_size_text_and_drawn_gradient():
    explorer = pool_explorer()
    explorer.controls["kernel_size"].value = 3
    explorer.controls["stride"].value = 1
    assert "Output 4×4" in explorer.status.value
    assert "⌊(6 + 2·0 − 3) / 1⌋ + 1 = 4" in explorer.status.value
    assert len(patches(explorer, "dout")) == 16
    x = random_pool_input(6, False, 0)
    _, cache = pool.maxpool2d_forward(x[None, None], kernel_size=3, stride=1)
    dx = pool.maxpool2d_backward(np.arange(1.0, 17).reshape(1, 1, 4, 4), cache)[0, 0]
    labels = grid_labels(explorer, (6, 6), "dx-zero", "dx-routed", "dx-accumulated")
    assert (labels[dx != 0] == formatted(dx[dx != 0])).all()
    assert all(label is None for label in labels[dx == 0])
    # Status counts, checked with explicit loops over the windows.
    winners = np.zeros((6, 6), dtype=int)
    for i in range(4):
        for j in range(4):
            window = x[i:i + 3, j:j + 3]
            r, c = np.unravel_index(np.argmax(window), window.shape)
            winners[i + r, j + c] += 1
    assert f"reaches <b>{np.count_nonzero(winners)}</b> of 36" in explorer.status.value
    assert (f"<b>{np.count_nonzero(winners > 1)}</b> receive it from more than one"
            in explorer.status.value)
    assert np.count_nonzero(winners > 1) > 0  # this setting does overlap


@needs_ipywidgets
def test_impossible_padding_shows_a_message_then_recovers():
    explorer = pool_explorer()
    explorer.controls["padding"].value = 2
    assert explorer.figure is None
    assert "padding" in explorer.error and "kernel_size // 2 = 1" in explorer.error
    assert "Not possible" in explorer.status.value
    explorer.controls["kernel_size"].value = 4
    assert explorer.error is None and isinstance(explorer.figure, Figure)
    assert "⌊(6 + 2·2 − 4) / 2⌋ + 1 = 4" in explorer.status.value
    assert len(patches(explorer, "dx-pad")) == 100 - 36


@needs_ipywidgets
def test_new_input_button_advances_the_seed_and_redraws():
    explorer = pool_explorer(seed=5)
    first = drawn_input(explorer)
    explorer.new_input_button.click()
    assert explorer.controls["seed"].value == 6
    assert (drawn_input(explorer) == formatted(random_pool_input(6, False, 6))).all()
    assert not (drawn_input(explorer) == first).all()
    assert explorer.new_input_button in explorer.children


@needs_ipywidgets
def test_make_ties_uses_few_levels_and_shows_the_tie_rule():
    explorer = pool_explorer()
    explorer.controls["ties"].value = True
    x = random_pool_input(6, True, 0)
    assert set(np.unique(x)) <= set(range(TIE_LEVELS))
    assert (drawn_input(explorer) == formatted(x)).all()
    assert patches(explorer, "tied")
    legend = [t.get_text() for t in explorer.figure.legends[0].get_texts()]
    assert any("tied" in t for t in legend)


@needs_ipywidgets
def test_average_mode_describes_the_even_spread():
    explorer = pool_explorer(kernel_size=3, stride=2)
    explorer.controls["mode"].value = "average"
    assert explorer.figure._suptitle.get_text().startswith("Average pooling")
    assert "dout / 9 over its 9 cells" in explorer.status.value
    # 3x3 windows at stride 2 on 6x6: they overlap on row/column 2, and row/column 5 is dropped.
    covering = np.zeros((6, 6), dtype=int)
    for i in range(2):
        for j in range(2):
            covering[2 * i:2 * i + 3, 2 * j:2 * j + 3] += 1
    assert np.count_nonzero(covering == 0) == 11
    assert f"<b>{np.count_nonzero(covering > 1)}</b> of 36 input cells" in explorer.status.value
    assert "<b>11</b> in none" in explorer.status.value


def window_choices(explorer) -> list:
    return [value for _label, value in explorer.controls["output_cell"].options]


@needs_ipywidgets
def test_window_choices_follow_the_output_size():
    explorer = pool_explorer()  # 6x6, kernel 2, stride 2: output 3x3
    assert window_choices(explorer) == ["all"] + [(i, j) for i in range(3) for j in range(3)]
    assert explorer.controls["output_cell"].options[1][0] == "(0, 0)"
    explorer.controls["output_cell"].value = (2, 1)
    explorer.controls["stride"].value = 1  # output 5x5: the chosen cell stays
    assert window_choices(explorer)[-1] == (4, 4) and len(window_choices(explorer)) == 26
    assert explorer.values["output_cell"] == (2, 1)
    explorer.controls["size"].value = 2  # output 1x1: the nearest cell left is (0, 0)
    assert window_choices(explorer) == ["all", (0, 0)]
    assert explorer.values["output_cell"] == (0, 0)
    assert explorer.error is None and "window (0, 0) only" in explorer.status.value
    explorer.controls["output_cell"].value = "all"
    explorer.controls["size"].value = 7
    assert explorer.values["output_cell"] == "all"
    assert len(window_choices(explorer)) == 1 + 6 * 6


@needs_ipywidgets
def test_an_impossible_setting_keeps_the_window_choices_and_changes_redraw_once(monkeypatch):
    explorer = pool_explorer(output_cell=(1, 1))
    explorer.controls["padding"].value = 2  # more than kernel_size // 2
    assert explorer.figure is None and "padding" in explorer.error
    assert len(window_choices(explorer)) == 10 and explorer.values["output_cell"] == (1, 1)
    calls = []
    monkeypatch.setattr(explorer, "_draw", lambda **values: calls.append(values) or
                        pool_gradient_routing(random_pool_input(6, False, 0), 2))
    explorer.controls["kernel_size"].value = 4  # output 4x4: new choices, one redraw
    assert len(window_choices(explorer)) == 17
    assert [values["output_cell"] for values in calls] == [(1, 1)]


@needs_ipywidgets
def test_choosing_a_window_draws_only_that_window():
    explorer = pool_explorer(kernel_size=3, stride=1)  # 4x4 overlapping windows
    assert len(patches(explorer, "window")) == 16
    assert not patches(explorer, "selected-dout")
    explorer.controls["output_cell"].value = (1, 2)
    (window,) = patches(explorer, "window")
    corner = min((p.get_x(), p.get_y()) for p in patches(explorer, "input"))
    # Window (1, 2) covers input rows 1-3, columns 2-4 (its outline inset inside them).
    assert 2 < window.get_x() - corner[0] < 2.5 and 1 < window.get_y() - corner[1] < 1.5
    assert window.get_width() < 3 < window.get_width() + 1
    assert len(patches(explorer, "selected-dout")) == 1
    assert len(patches(explorer, "selected-dx")) == 1  # max pooling: one arg-max
    x = random_pool_input(6, False, 0)
    r, c = np.unravel_index(np.argmax(x[1:4, 2:5]), (3, 3))
    assert "window (1, 2) only" in explorer.status.value
    assert f"input cell ({1 + r}, {2 + c})." in alt_text(explorer.figure)
    explorer.controls["output_cell"].value = "all"
    assert len(patches(explorer, "window")) == 16


def test_describe_refuses_impossible_settings():
    with pytest.raises(ValueError, match="padding"):
        describe_pooling(size=6, kernel_size=1, stride=1, padding=1, mode="max", ties=False,
                         seed=0)


def test_random_pool_input():
    x = random_pool_input(4, False, 3)
    assert sorted(x.ravel()) == list(range(1, 17))
    np.testing.assert_array_equal(x, random_pool_input(4, False, 3))
    assert not np.array_equal(x, random_pool_input(4, False, 4))
    with pytest.raises(ValueError, match="seed"):
        random_pool_input(4, False, -1)


def test_explorer_refuses_bad_arguments():
    with pytest.raises(ValueError, match="kernel_size must be at most 4"):
        pool_explorer(kernel_size=5)
    with pytest.raises(ValueError, match="mode"):
        pool_explorer(mode="min")
    with pytest.raises(TypeError, match="stride"):
        pool_explorer(stride=1.5)
    with pytest.raises(TypeError, match="^ties must be True or False"):
        pool_explorer(ties=1)
    with pytest.raises(ValueError, match=r"output_cell must lie in the 3×3 output; got \(0, 3\)"):
        pool_explorer(output_cell=(0, 3))
    with pytest.raises(ValueError, match="output_cell must lie in the 0×0 output"):
        pool_explorer(padding=2, output_cell=(0, 0))  # impossible setting: no output
    with pytest.raises(ValueError, match=r"output_cell\[1\]"):
        pool_explorer(output_cell=(0, -1))
    with pytest.raises(TypeError, match="output_cell"):
        pool_explorer(output_cell="(0, 0)")


def test_without_ipywidgets_returns_the_static_figure(monkeypatch):
    monkeypatch.setattr(_base, "ipywidgets", None)
    fig = pool_explorer(kernel_size=3, stride=1)
    assert isinstance(fig, Figure)
    assert "6×6 → 4×4" in fig._suptitle.get_text()
    fig = pool_explorer(kernel_size=3, stride=1, output_cell=(3, 0))
    assert len([p for p in fig.axes[0].patches if p.get_gid() == "window"]) == 1
