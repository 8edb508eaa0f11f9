"""Tests of the pooling figures: what they draw, checked against c182lib.pool and explicit loops."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from c182lib import pool
from c182lib.figures._common import format_value
from c182lib.figures.pool import (
    ACCUMULATED_COLOR,
    FIGURE1_INPUT,
    gradient_source_counts,
    pool_gradient_routing,
    pooling_figure,
    window_color,
)


# ---------------------------------------------------------------- independent references
def loop_output_size(n: int, k: int, s: int, p: int) -> int:
    """Number of window positions along one axis, by counting them."""
    return sum(1 for start in range(0, n + 2 * p) if start % s == 0 and start + k <= n + 2 * p)


def loop_windows(x: np.ndarray, k: int, s: int, p: int):
    """Yield (i, j, cells) with cells the list of in-bounds (r, c) of window (i, j), row-major,
    together with the padded value at every window position."""
    h, w = x.shape
    for i in range(loop_output_size(h, k, s, p)):
        for j in range(loop_output_size(w, k, s, p)):
            cells = [(i * s + a - p, j * s + b - p) for a in range(k) for b in range(k)]
            yield i, j, cells


def loop_argmax(x: np.ndarray, k: int, s: int, p: int) -> dict:
    """(i, j) -> (r, c) of the first maximum in row-major window order, padding excluded."""
    h, w = x.shape
    winners = {}
    for i, j, cells in loop_windows(x, k, s, p):
        best = None
        for r, c in cells:
            if 0 <= r < h and 0 <= c < w and (best is None or x[r, c] > x[best]):
                best = (r, c)
        winners[(i, j)] = best
    return winners


def loop_sources(x: np.ndarray, k: int, s: int, p: int, mode: str) -> np.ndarray:
    """How many windows send gradient to each input cell."""
    counts = np.zeros(x.shape, dtype=int)
    if mode == "max":
        for r, c in loop_argmax(x, k, s, p).values():
            counts[r, c] += 1
    else:
        h, w = x.shape
        for _, _, cells in loop_windows(x, k, s, p):
            for r, c in cells:
                if 0 <= r < h and 0 <= c < w:
                    counts[r, c] += 1
    return counts


# ---------------------------------------------------------------- reading a figure back
PANEL_GIDS = {"input": ("input", "pad", "dropped"), "output": ("output",), "dout": ("dout",),
              "dx": ("dx-zero", "dx-routed", "dx-accumulated")}


class Drawn:
    """A pooling figure read back: its panels' cells, labels and markers, by role."""

    def __init__(self, fig: Figure):
        self.fig = fig
        (self.ax,) = fig.axes

    def patches(self, gid: str) -> list:
        return [patch for patch in self.ax.patches if patch.get_gid() == gid]

    def origin(self, panel: str) -> tuple[float, float]:
        """Top-left corner of a panel's grid (the padded grid for "input")."""
        cells = [p for p in self.ax.patches if p.get_gid() in PANEL_GIDS[panel]]
        return min(c.get_x() for c in cells), min(c.get_y() for c in cells)

    def labels(self, panel: str, shape: tuple[int, int]) -> np.ndarray:
        """The label printed at the centre of each cell of a panel; None where blank."""
        at = {tuple(np.round(t.get_position(), 6)): t.get_text() for t in self.ax.texts
              if t.get_gid() is None}
        ox, oy = self.origin(panel)
        return np.array([[at.get((round(ox + c + 0.5, 6), round(oy + r + 0.5, 6)))
                          for c in range(shape[1])] for r in range(shape[0])], dtype=object)

    def circles(self, gid: str, p: int) -> list[tuple[int, int]]:
        """Unpadded (row, col) of the input cells circled with ``gid``, in drawing order."""
        ox, oy = self.origin("input")
        return [(round(c.center[1] - oy - 0.5) - p, round(c.center[0] - ox - 0.5) - p)
                for c in self.patches(gid)]

    def texts(self, gid: str) -> list[str]:
        return [t.get_text() for t in self.ax.texts if t.get_gid() == gid]

    def legend(self) -> list[str]:
        return [text.get_text() for legend in self.fig.legends for text in legend.get_texts()]

    def title(self) -> str:
        return self.fig._suptitle.get_text()


def formatted(values: np.ndarray, received=None) -> np.ndarray:
    """Expected labels: ``format_value`` of each value; None (blank) where ``received`` is
    False (dx cells no window sends gradient to)."""
    labels = np.vectorize(format_value, otypes=[object])(values)
    if received is not None:
        labels[~np.asarray(received)] = None
    return labels


def random_input(rng, h: int, w: int, ties: bool) -> np.ndarray:
    if ties:
        return rng.integers(0, 3, size=(h, w)).astype(float)
    return rng.standard_normal((h, w))


configs = st.fixed_dictionaries({
    "h": st.integers(1, 7), "w": st.integers(1, 7), "k": st.integers(1, 3),
    "s": st.integers(1, 3), "p_frac": st.integers(0, 1), "ties": st.booleans(),
    "mode": st.sampled_from(["max", "average"]), "seed": st.integers(0, 2**16),
})


def realise(cfg):
    """Input and hyperparameters for a config, or None if the window does not fit."""
    k, s = cfg["k"], cfg["s"]
    p = cfg["p_frac"] * (k // 2)
    if min(cfg["h"], cfg["w"]) + 2 * p < k:
        return None
    x = random_input(np.random.default_rng(cfg["seed"]), cfg["h"], cfg["w"], cfg["ties"])
    return x, k, s, p, cfg["mode"]


# ---------------------------------------------------------------- pooling_figure
def test_defaults_draw_worksheet_figure_1():
    drawn = Drawn(pooling_figure())
    out, _ = pool.maxpool2d_forward(FIGURE1_INPUT[None, None], kernel_size=2, stride=2)
    np.testing.assert_array_equal(out[0, 0], [[6, 8], [3, 4]])
    assert (drawn.labels("output", (2, 2)) == formatted(out[0, 0])).all()
    assert (drawn.labels("input", (4, 4)) == formatted(FIGURE1_INPUT)).all()
    assert len(drawn.patches("window")) == 4
    assert len(drawn.patches("input")) == 16
    assert drawn.patches("pad") == [] and drawn.patches("dropped") == []
    # The max of each window is circled in that window's colour.
    assert drawn.circles("argmax", 0) == [(1, 1), (1, 3), (2, 0), (3, 3)]
    assert [c.get_edgecolor() for c in drawn.patches("argmax")] == [
        w.get_edgecolor() for w in drawn.patches("window")]
    assert "Max pooling, kernel 2×2, stride 2×2" in drawn.title()
    assert "4×4 → 2×2" in drawn.title()
    assert "⌊(4 + 2·0 − 2) / 2⌋ + 1 = 2" in drawn.title()
    assert drawn.texts("title") == ["input x (4×4)", "output (2×2)"]


def test_output_cells_share_their_window_colour():
    drawn = Drawn(pooling_figure())
    windows = [w.get_edgecolor()[:3] for w in drawn.patches("window")]
    outputs = [o.get_facecolor()[:3] for o in drawn.patches("output")]
    np.testing.assert_allclose(windows, outputs)
    assert len(set(windows)) == 4  # 2x2 windows: all distinct


@settings(max_examples=25, deadline=None)
@given(configs)
def test_pooling_figure_content(cfg):
    case = realise(cfg)
    if case is None:
        return
    x, k, s, p, mode = case
    h, w = x.shape
    drawn = Drawn(pooling_figure(x, kernel_size=k, stride=s, padding=p, mode=mode))
    h_out, w_out = loop_output_size(h, k, s, p), loop_output_size(w, k, s, p)
    forward = pool.maxpool2d_forward if mode == "max" else pool.avgpool2d_forward
    out, _ = forward(x[None, None], kernel_size=k, stride=s, padding=p)
    assert (drawn.labels("output", (h_out, w_out)) == formatted(out[0, 0])).all()
    assert len(drawn.patches("window")) == h_out * w_out
    hp, wp = h + 2 * p, w + 2 * p
    assert len(drawn.patches("pad")) == hp * wp - h * w
    pad_label = "−∞" if mode == "max" else "0"
    labels = drawn.labels("input", (hp, wp))
    assert (labels[p:p + h, p:p + w] == formatted(x)).all()
    assert all(label == pad_label for label in labels[:p].ravel())
    # Cells no window reaches: the remainder a non-tiling stride drops.
    dropped = h * w - np.count_nonzero(loop_sources(x, k, s, p, "average"))
    assert len(drawn.patches("dropped")) == dropped
    assert (dropped > 0) == any("dropped" in t for t in drawn.legend())
    assert f"{h}×{w} → {h_out}×{w_out}" in drawn.title()
    if mode == "max":
        winners = loop_argmax(x, k, s, p)
        assert drawn.circles("argmax", p) == [winners[(i, j)] for i in range(h_out)
                                              for j in range(w_out)]
    else:
        assert drawn.patches("argmax") == []


def test_pooling_figure_refuses_bad_input():
    with pytest.raises(ValueError, match="x must be a 2-D array"):
        pooling_figure(np.zeros((1, 4, 4)))
    with pytest.raises(ValueError, match="mode"):
        pooling_figure(mode="min")
    with pytest.raises(ValueError, match="padding"):
        pooling_figure(kernel_size=2, padding=2)
    with pytest.raises(TypeError, match="kernel_size"):
        pooling_figure(kernel_size=2.0)
    with pytest.raises(TypeError, match="x must be an array of real numbers"):
        pooling_figure(np.array([["a", "b"], ["c", "d"]]))


# ---------------------------------------------------------------- pool_gradient_routing
def test_routing_defaults_follow_the_worksheet_example():
    drawn = Drawn(pool_gradient_routing())
    dout = np.arange(1.0, 5.0).reshape(2, 2)
    assert (drawn.labels("dout", (2, 2)) == formatted(dout)).all()
    expected = np.zeros((4, 4))
    expected[1, 1], expected[1, 3], expected[2, 0], expected[3, 3] = dout.ravel()
    assert (drawn.labels("dx", (4, 4)) == formatted(expected, expected != 0)).all()
    assert any("blank dx cell" in t for t in drawn.legend())
    assert len(drawn.patches("dx-routed")) == 4
    assert len(drawn.patches("dx-zero")) == 12
    assert drawn.patches("dx-accumulated") == []
    # Each routed dx cell has the colour of the dout cell whose gradient it holds.
    ox, oy = drawn.origin("dx")
    routed = {(round(c.get_y() - oy), round(c.get_x() - ox)): c.get_facecolor()
              for c in drawn.patches("dx-routed")}
    winners = [(1, 1), (1, 3), (2, 0), (3, 3)]
    for winner, cell in zip(winners, drawn.patches("dout"), strict=True):
        assert routed[winner] == pytest.approx(cell.get_facecolor())


@settings(max_examples=30, deadline=None)
@given(configs)
def test_routing_draws_the_backward_pass(cfg):
    case = realise(cfg)
    if case is None:
        return
    x, k, s, p, mode = case
    h, w = x.shape
    h_out, w_out = loop_output_size(h, k, s, p), loop_output_size(w, k, s, p)
    # Small integers, so the printed labels are exact.
    dout = np.random.default_rng(cfg["seed"] + 1).integers(-9, 10, size=(h_out, w_out)) * 1.0
    x_before, dout_before = x.copy(), dout.copy()
    drawn = Drawn(pool_gradient_routing(x, dout, kernel_size=k, stride=s, padding=p, mode=mode))
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(dout, dout_before)

    forward, backward = ((pool.maxpool2d_forward, pool.maxpool2d_backward) if mode == "max"
                         else (pool.avgpool2d_forward, pool.avgpool2d_backward))
    _, cache = forward(x[None, None], kernel_size=k, stride=s, padding=p)
    dx = backward(dout[None, None], cache)[0, 0]
    sources = loop_sources(x, k, s, p, mode)
    np.testing.assert_array_equal(gradient_source_counts(x, k, s, p, mode), sources)
    # Every cell that receives gradient shows dx; the others are blank (their dx is 0).
    assert (drawn.labels("dx", (h, w)) == formatted(dx, sources > 0)).all()
    assert np.all(dx[sources == 0] == 0)
    assert (drawn.labels("dout", (h_out, w_out)) == formatted(dout)).all()

    assert len(drawn.patches("dx-zero")) == np.count_nonzero(sources == 0)
    assert len(drawn.patches("dx-routed")) == np.count_nonzero(sources == 1)
    accumulated = drawn.patches("dx-accumulated")
    assert len(accumulated) == np.count_nonzero(sources > 1)
    assert all(cell.get_facecolor() == to_rgba(ACCUMULATED_COLOR) for cell in accumulated)
    assert sorted(drawn.texts("dx-count")) == sorted(f"×{n}" for n in sources[sources > 1])
    assert len(drawn.patches("dx-pad")) == (h + 2 * p) * (w + 2 * p) - h * w
    assert (np.count_nonzero(sources > 1) > 0) == any("sum" in t for t in drawn.legend())
    assert (np.count_nonzero(sources == 0) > 0) == any("blank" in t for t in drawn.legend())

    if mode == "max":
        winners = loop_argmax(x, k, s, p)
        assert drawn.circles("argmax", p) == [winners[(i, j)] for i in range(h_out)
                                              for j in range(w_out)]
        # Tied entries that lost: every other cell of a window equal to its maximum.
        tied = sorted((r, c) for i, j, cells in loop_windows(x, k, s, p) for r, c in cells
                      if 0 <= r < h and 0 <= c < w and (r, c) != winners[(i, j)]
                      and x[r, c] == x[winners[(i, j)]])
        assert sorted(drawn.circles("tied", p)) == tied
        assert bool(tied) == any("tied" in t for t in drawn.legend())
    else:
        assert drawn.patches("argmax") == [] and drawn.patches("tied") == []
        assert f"dout[i, j] / {k * k}" in drawn.texts("title")[2]


def test_ties_go_to_the_first_maximum_in_row_major_order():
    x = np.array([[1.0, 3.0, 3.0, 0.0],
                  [3.0, 3.0, 2.0, 2.0],
                  [0.0, 0.0, 5.0, 5.0],
                  [0.0, 0.0, 5.0, 5.0]])
    drawn = Drawn(pool_gradient_routing(x, np.array([[10.0, 20.0], [30.0, 40.0]])))
    assert drawn.circles("argmax", 0) == [(0, 1), (0, 2), (2, 0), (2, 2)]
    # Window (1, 0) is all zeros: its first cell wins, the other three are ties.
    assert sorted(drawn.circles("tied", 0)) == [(1, 0), (1, 1), (2, 1), (2, 3), (3, 0), (3, 1),
                                                (3, 2), (3, 3)]
    expected = np.zeros((4, 4))
    expected[0, 1], expected[0, 2], expected[2, 0], expected[2, 2] = 10, 20, 30, 40
    assert (drawn.labels("dx", (4, 4)) == formatted(expected, expected != 0)).all()
    # Each tie circle has the colour of its window.
    colours = dict(zip(drawn.circles("tied", 0),
                       [c.get_edgecolor() for c in drawn.patches("tied")], strict=True))
    assert colours[(1, 0)] == pytest.approx(drawn.patches("argmax")[0].get_edgecolor())
    assert any("tied" in t for t in drawn.legend())


def test_overlapping_windows_accumulate_and_are_marked():
    # 3x3 windows, stride 1: the centre 5 is the maximum of all four windows.
    x = np.array([[0.0, 1, 0, 0], [1, 5, 1, 0], [0, 1, 0, 0], [0, 0, 0, 0]])
    dout = np.array([[1.0, 2.0], [3.0, 4.0]])
    drawn = Drawn(pool_gradient_routing(x, dout, kernel_size=3, stride=1))
    (cell,) = drawn.patches("dx-accumulated")
    ox, oy = drawn.origin("dx")
    assert (cell.get_x() - ox, cell.get_y() - oy) == (1, 1)
    assert drawn.labels("dx", (4, 4))[1, 1] == "10"
    assert drawn.texts("dx-count") == ["×4"]
    assert any("sum" in t for t in drawn.legend())
    assert cell.get_facecolor() == to_rgba(ACCUMULATED_COLOR)


def test_average_routing_spreads_evenly():
    x = np.arange(16.0).reshape(4, 4)
    dout = np.array([[4.0, 8.0], [12.0, 16.0]])
    drawn = Drawn(pool_gradient_routing(x, dout, mode="average"))
    expected = np.kron(dout / 4, np.ones((2, 2)))
    assert (drawn.labels("dx", (4, 4)) == formatted(expected)).all()
    assert len(drawn.patches("dx-routed")) == 16
    assert not any("blank" in t for t in drawn.legend())


def test_padding_cells_get_no_gradient_and_are_drawn_as_padding():
    rng = np.random.default_rng(3)
    drawn = Drawn(pool_gradient_routing(rng.standard_normal((5, 5)), kernel_size=3, stride=2,
                                        padding=1))
    assert len(drawn.patches("dx-pad")) == 7 * 7 - 25
    assert len(drawn.patches("dout")) == 9
    # Default upstream gradient: 1, 2, ..., H_out*W_out.
    assert (drawn.labels("dout", (3, 3)) == formatted(np.arange(1, 10).reshape(3, 3))).all()
    assert any("padding (−∞)" in t for t in drawn.legend())


def test_window_colours_differ_between_neighbours():
    for i in range(4):
        for j in range(6):
            for di, dj in ((0, 1), (1, 0), (1, 1), (1, -1)):
                if j + dj >= 0:
                    assert window_color(i, j) != window_color(i + di, j + dj)


def test_routing_refuses_bad_input():
    with pytest.raises(ValueError, match="dout must have shape"):
        pool_gradient_routing(dout=np.ones((3, 3)))
    with pytest.raises(ValueError, match="dout must be a 2-D array"):
        pool_gradient_routing(dout=np.ones((1, 1, 2, 2)))
    with pytest.raises(ValueError, match="mode"):
        pool_gradient_routing(mode="avg")
    with pytest.raises(ValueError, match="stride"):
        pool_gradient_routing(stride=0)
    with pytest.raises(ValueError, match="x must be a 2-D array"):
        pool_gradient_routing(np.ones(4))


def test_figures_are_deterministic_and_not_pyplot_managed():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    a, b = pool_gradient_routing(), pool_gradient_routing()
    assert plt.get_fignums() == before
    assert [t.get_text() for t in a.axes[0].texts] == [t.get_text() for t in b.axes[0].texts]
    assert a.get_figwidth() <= 10 and pooling_figure().get_figwidth() <= 10


@pytest.mark.parametrize(("value", "label"), [
    (3.0, "3"), (-3.0, "-3"), (-0.0, "0"), (2.5, "2.50"), (-np.inf, "−∞"),
    (3.0000000000000004, "3"), (4.999999999999999, "5"),  # rounding error of a sum of thirds
    (0.004, "0.00"), (3.001, "3.00"),
])
def test_cell_labels(value, label):
    assert format_value(value) == label


def test_average_pool_gradients_that_are_whole_numbers_print_as_such():
    fig = pool_gradient_routing(np.zeros((3, 3)), kernel_size=3, stride=1, padding=1,
                                mode="average")
    labels = {text.get_text() for ax in fig.axes for text in ax.texts}
    assert not any(label.endswith(".00") and label[:-3].lstrip("-").isdigit()
                   for label in labels), labels


# ---------------------------------------------------------------- one window at a time
@pytest.mark.parametrize(("mode", "cell"), [("max", (0, 0)), ("max", (2, 3)),
                                            ("average", (1, 2))])
def test_output_cell_draws_one_window_and_outlines_where_it_lands(mode, cell):
    x = np.random.default_rng(5).permutation(36).reshape(6, 6) + 1.0
    fig = pool_gradient_routing(x, kernel_size=3, stride=1, mode=mode, output_cell=cell)
    drawn = Drawn(fig)
    i, j = cell
    (window,) = drawn.patches("window")
    ox, oy = drawn.origin("input")
    # The window outline is inset a little inside cells j..j+2, i..i+2.
    assert int(window.get_x() - ox) == j and int(window.get_y() - oy) == i
    if mode == "max":
        (circle,) = drawn.patches("argmax")
        winner = loop_argmax(x, 3, 1, 0)[cell]
        assert drawn.circles("argmax", 0) == [winner]
        expected = {winner}
    else:
        assert drawn.patches("argmax") == []
        expected = {(i + a, j + b) for a in range(3) for b in range(3)}
    dx_x, dx_y = drawn.origin("dx")
    outlined = {(round(p.get_y() - dx_y - 0.04), round(p.get_x() - dx_x - 0.04))
                for p in drawn.patches("selected-dx")}
    assert outlined == expected
    (dout_cell,) = drawn.patches("selected-dout")
    dout_x, dout_y = drawn.origin("dout")
    assert (round(dout_cell.get_y() - dout_y - 0.04), round(dout_cell.get_x() - dout_x - 0.04)) \
        == cell
    # The whole dx is still drawn: every cell some window reaches is labelled.
    counts = loop_sources(x, 3, 1, 0, mode)
    labels = drawn.labels("dx", (6, 6))
    assert ((labels != None) == (counts > 0)).all()  # noqa: E711 (elementwise)


def test_output_cell_outside_the_output_names_the_argument():
    with pytest.raises(ValueError, match="output_cell"):
        pool_gradient_routing(np.ones((4, 4)), kernel_size=2, stride=2, output_cell=(2, 0))


# ---------------------------------------------------------------- stacked vs single pool
def _loop_first_max(block: np.ndarray) -> tuple[int, int]:
    best = (0, 0)
    for r in range(block.shape[0]):
        for c in range(block.shape[1]):
            if block[r, c] > block[best]:
                best = (r, c)
    return best


def _loop_stacked_target(x4: np.ndarray) -> tuple[int, int]:
    """Cell of a 4x4 block that two stacked 2x2 first-max pools send the gradient to."""
    maxima = np.array([[x4[2 * a:2 * a + 2, 2 * b:2 * b + 2].max() for b in range(2)]
                       for a in range(2)])
    a, b = _loop_first_max(maxima)
    r, c = _loop_first_max(x4[2 * a:2 * a + 2, 2 * b:2 * b + 2])
    return 2 * a + r, 2 * b + c


@pytest.mark.parametrize("seed", range(4))
def test_stacked_pooling_figure_draws_both_routings(seed):
    from c182lib.figures.pool import STACKED_TIE_INPUT, stacked_pooling_figure

    rng = np.random.default_rng(seed)
    x = STACKED_TIE_INPUT if seed == 0 else rng.integers(0, 3, size=(8, 4)).astype(float)
    dout = rng.normal(size=(x.shape[0] // 4, x.shape[1] // 4)).round(2)
    drawn = Drawn(stacked_pooling_figure(x, dout))
    inputs = drawn.patches("input")
    x0, y0 = min(p.get_x() for p in inputs), min(p.get_y() for p in inputs)
    for panel, (gid, target) in enumerate((("dx-stacked", _loop_stacked_target),
                                           ("dx-single", _loop_first_max)), start=1):
        left = x0 + panel * (x.shape[1] + 2)  # panels side by side, 2 cells apart
        got = {(round(p.get_y() - y0), round(p.get_x() - left)) for p in drawn.patches(gid)}
        expected = set()
        for i in range(x.shape[0] // 4):
            for j in range(x.shape[1] // 4):
                r, c = target(x[4 * i:4 * i + 4, 4 * j:4 * j + 4])
                expected.add((4 * i + r, 4 * j + c))
        assert got == expected, gid
    if seed == 0:
        assert len(drawn.texts("differs")) == 4  # two cells, marked in each dx panel
        assert "different routing" in drawn.title()
