"""The drawing primitives the figures share: a `CellLabel` paints what the same `Text` paints,
a `Cell` what the same `Rectangle` paints, in every renderer; `edge_labels` sit where tick
labels would."""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from PIL import Image

from c182lib.figures import _common
from c182lib.figures._common import Cell, cell_label, draw_grid, figure_png


def _pixels(figure: Figure) -> np.ndarray:
    """The figure's PNG as an RGB array of ints, shape (H, W, 3)."""
    return np.asarray(Image.open(io.BytesIO(figure_png(figure))).convert("RGB")).astype(int)


def _axes_figure():
    figure = Figure(figsize=(3, 2))
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 6)
    ax.set_ylim(0, 4)
    ax.set_axis_off()
    return figure, ax


LABELS = [  # (x, y, text, style): aligned four ways, coloured, bold, small, a minus sign,
    # rotated on two lines, mathtext, rotated about its anchor
    (1.0, 1.0, "35", {"ha": "center", "va": "center", "fontsize": 9}),
    (3.0, 1.0, "-0.25", {"ha": "right", "va": "top", "fontsize": 7, "color": "#D55E00"}),
    (4.3, 3.1, "×4", {"ha": "left", "va": "bottom", "fontsize": 12, "fontweight": "bold"}),
    (1.7, 3.3, "−∞", {"ha": "center", "va": "baseline", "fontsize": 8, "alpha": 0.6}),
    (5.2, 1.4, "two\nlines", {"ha": "center", "va": "center", "rotation": 30}),
    (0.6, 2.4, "$x_1$", {"ha": "center", "va": "center"}),
    (2.4, 2.2, "anchored", {"ha": "left", "va": "baseline", "rotation": 45,
                            "rotation_mode": "anchor"}),
]
PIXELS_PER_UNIT = 50  # `_axes_figure` at 100 dpi: every position above is a whole pixel


def _labelled(kind: str, shift: float = 0.0) -> Figure:
    figure, ax = _axes_figure()
    for x, y, text, style in LABELS:
        if kind == "text":
            ax.text(x + shift, y + shift, text, **style)
        else:
            cell_label(ax, x + shift, y + shift, text, **style)
    return figure


def test_cell_label_paints_exactly_what_the_same_text_paints_at_a_whole_pixel():
    _common._LABEL_PIXELS.clear()
    text, first = _pixels(_labelled("text")), _pixels(_labelled("cell"))
    again = _pixels(_labelled("cell"))  # the second time from the kept pixels
    np.testing.assert_array_equal(first, text)
    np.testing.assert_array_equal(again, text)


def _ink_extent(image: np.ndarray, axis: tuple[int, int]) -> np.ndarray:
    """First and last row (axis (1, 2)) or column (axis (0, 2)) with dark pixels."""
    return np.nonzero((image < 200).any(axis=axis))[0][[0, -1]]


@pytest.mark.parametrize("pixels", [0.3, 0.5, 0.65])
def test_cell_label_between_pixels_moves_by_at_most_half_a_pixel(pixels):
    _common._LABEL_PIXELS.clear()
    shift = pixels / PIXELS_PER_UNIT
    text, cell = _pixels(_labelled("text", shift)), _pixels(_labelled("cell", shift))
    assert (255 - cell).sum() == pytest.approx((255 - text).sum(), rel=0.02)
    for axis in ((1, 2), (0, 2)):
        assert np.abs(_ink_extent(cell, axis) - _ink_extent(text, axis)).max() <= 1


def test_cell_label_keeps_one_painting_per_distinct_label_and_style():
    _common._LABEL_PIXELS.clear()
    figure, ax = _axes_figure()
    for x in range(6):
        cell_label(ax, x + 0.5, 1, "7", ha="center", va="center")
    cell_label(ax, 0.5, 2, "7", ha="center", va="center", color="#0072B2")
    figure_png(figure)
    assert len(_common._LABEL_PIXELS) == 2
    blue = _pixels(figure)
    blue_ink = (blue[..., 2] - blue[..., 0] > 80).sum()
    assert blue_ink > 5  # the coloured one is painted in its own colour


def test_cell_label_is_text_in_vector_output():
    figure, ax = _axes_figure()
    label = cell_label(ax, 1, 1, "0.53", ha="center", va="center")
    assert isinstance(label, Text) and label in ax.texts
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg")
    assert ">0.53<" in buffer.getvalue()


def test_cell_label_is_not_measured_by_the_layout_nor_clipped():
    _figure, ax = _axes_figure()
    label = cell_label(ax, 9, 9, "9")  # outside the limits: still drawn
    assert not label.get_in_layout() and not label.get_clip_on()


def test_cell_paints_what_the_same_rectangle_paints():
    figures = []
    for kind in (Rectangle, Cell):
        figure, ax = _axes_figure()
        ax.add_artist(kind((0.3, 0.4), 1, 1, facecolor="#56B4E9", edgecolor="black",
                           linewidth=0.8))
        ax.add_artist(kind((2, 1.5), 2.5, 1.7, facecolor="#DDDDDD", edgecolor="black",
                           hatch="//", linewidth=2.0))
        figures.append(_pixels(figure))
    assert np.array_equal(*figures)


def test_cell_is_a_rectangle_in_data_coordinates():
    _figure, ax = _axes_figure()
    cell = Cell((2, 1), 1, 2)
    ax.add_artist(cell)
    assert (cell.get_xy(), cell.get_width(), cell.get_height()) == ((2, 1), 1, 2)
    np.testing.assert_array_equal(cell.get_corners(), [(2, 1), (3, 1), (3, 3), (2, 3)])
    inside = ax.transData.transform((2.5, 2.9))
    outside = ax.transData.transform((3.5, 2.0))
    assert cell.contains_point(inside) and not cell.contains_point(outside)
    np.testing.assert_allclose(cell.get_extents().extents,
                               [*ax.transData.transform((2, 1)), *ax.transData.transform((3, 3))])


def test_draw_grid_cells_and_labels_follow_the_values():
    _figure, ax = _axes_figure()
    cells = draw_grid(ax, [[1, 2.5], [-3, 0]], origin=(1, 0), hatches=[["", "//"], ["", ""]],
                      gid="input")
    assert [cell.get_xy() for cell in cells] == [(1, 0), (2, 0), (1, 1), (2, 1)]
    assert [cell.get_hatch() for cell in cells] == [None, "//", None, None]
    assert {cell.get_gid() for cell in cells} == {"input"}
    assert [t.get_text() for t in ax.texts] == ["1", "2.50", "-3", "0"]
    assert [t.get_position() for t in ax.texts] == [(1.5, 0.5), (2.5, 0.5), (1.5, 1.5),
                                                     (2.5, 1.5)]


def _named_matrix(kind: str, rotation: float) -> Figure:
    """A 3 x 5 image whose rows and columns are named by tick labels or by `edge_labels`."""
    figure = Figure(figsize=(3, 2), layout="constrained")
    ax = figure.add_subplot()
    ax.imshow(np.arange(15.0).reshape(3, 5))
    rows, columns = ["y₁", "y₂", "y₃"], ["x₁", "x₂", "a longer name", "x₄", "0"]
    if kind == "ticks":
        ax.set_xticks(range(5), columns, fontsize=7, rotation=rotation)
        ax.set_yticks(range(3), rows, fontsize=7)
        ax.tick_params(length=0)
        ax.xaxis.set_ticks_position("top")
    else:
        ax.set_xticks([])
        ax.set_yticks([])
        _common.edge_labels(ax, "top", range(5), columns, fontsize=7, rotation=rotation)
        _common.edge_labels(ax, "left", range(3), rows, fontsize=7)
    return figure


@pytest.mark.parametrize("rotation", [0, 90])
def test_edge_labels_sit_where_tick_labels_would_and_the_layout_makes_room(rotation):
    ticks, edges = _named_matrix("ticks", rotation), _named_matrix("edges", rotation)
    for figure in (ticks, edges):
        figure_png(figure)  # draws: the layout places the axes
    renderer = edges.canvas.get_renderer()
    (ax,) = edges.axes
    np.testing.assert_allclose(ax.get_position().bounds, ticks.axes[0].get_position().bounds,
                               atol=0.01)
    tick_boxes = [t.get_window_extent() for t in (*ticks.axes[0].get_xticklabels(),
                                                 *ticks.axes[0].get_yticklabels())]
    edge_boxes = [t.get_window_extent(renderer) for t in ax.texts]
    assert [t.get_gid() for t in ax.texts] == ["column-name"] * 5 + ["row-name"] * 3
    np.testing.assert_allclose([b.extents for b in edge_boxes],
                               [b.extents for b in tick_boxes], atol=1.5)
    inside = edges.bbox.padded(0.5)
    assert all(inside.contains(b.x0, b.y0) and inside.contains(b.x1, b.y1) for b in edge_boxes)


def test_edge_labels_refuse_an_unknown_side():
    figure, ax = _axes_figure()
    with pytest.raises(ValueError, match="side must be 'left' or 'top'; got 'bottom'"):
        _common.edge_labels(ax, "bottom", [1], ["x"])
