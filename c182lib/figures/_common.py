"""Colours and drawing primitives shared by every figure module.

Colours are the Okabe-Ito palette (distinguishable with the common colour-vision deficiencies),
each given one role so the same thing has the same colour in every figure. Figures are built as
``matplotlib.figure.Figure`` objects, not through pyplot: nothing accumulates in pyplot's global
state, the notebook shows a returned Figure exactly once, and tests can inspect it directly.
"""

from __future__ import annotations

import io
import math

import matplotlib
import numpy as np
from matplotlib.artist import allow_rasterization
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.colors import ListedColormap, to_rgb, to_rgba
from matplotlib.figure import Figure
from matplotlib.image import imsave
from matplotlib.patches import Rectangle
from matplotlib.path import Path
from matplotlib.text import Text
from matplotlib.transforms import (
    IdentityTransform,
    ScaledTranslation,
    TransformedPatchPath,
    blended_transform_factory,
)

# Okabe-Ito palette.
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILION = "#D55E00"
PURPLE = "#CC79A7"
BLACK = "#000000"
LIGHT_GREY = "#DDDDDD"

# Roles.
INPUT_COLOR = "#FFFFFF"
PAD_COLOR = LIGHT_GREY          # zero padding: grey, hatched
WINDOW_COLOR = ORANGE           # the window (receptive field) of the highlighted output
OUTPUT_COLOR = SKY_BLUE         # output cells
DROPPED_COLOR = VERMILION       # input cells no window reaches (a stride that does not tile)
GRADIENT_COLOR = GREEN          # where gradient lands
SEQUENTIAL_CMAP = "viridis"     # magnitudes
DIVERGING_CMAP = "RdBu_r"       # signed values, centred on zero
DARK_GREY = "#666666"
# Keywords for an artist that lies inside its axes' limits (a cell, its label): it cannot move
# the layout nor leave the axes, and measuring and clipping each of hundreds of them cost a
# large part of a widget redraw.
INSIDE_AXES = {"in_layout": False, "clip_on": False}
# One colour per kernel tap (a 3x3 kernel's nine taps all differ; more taps cycle), for
# weight-sharing pictures.
TAP_COLORS = (BLUE, ORANGE, GREEN, VERMILION, PURPLE, SKY_BLUE, YELLOW, BLACK, DARK_GREY)


class DescribedFigure(Figure):
    """A matplotlib Figure that carries a text alternative of what it shows.

    ``alt_text`` is one or two sentences built from the figure's data ("1-D sliding window,
    n = 9, k = 3, stride 3: 2 outputs, cell 9 dropped"), for readers who cannot see the image.
    In a notebook the figure is shown as a PNG whose alt text is ``alt_text`` (the output's
    ``metadata["image/png"]["alt"]``), and its plain-text form is the same sentence, so a screen
    reader speaks it instead of ``<Figure size 770x392 with 1 Axes>``.
    """

    alt_text: str = ""

    def __repr__(self) -> str:
        return super().__repr__().replace(type(self).__name__, "Figure", 1)

    def _repr_mimebundle_(self, include=None, exclude=None):
        if not self.alt_text:
            return None  # IPython falls back to its usual formatters
        return ({"image/png": figure_png(self), "text/plain": self.alt_text},
                {"image/png": {"alt": self.alt_text}})


def new_figure(width: float, height: float) -> DescribedFigure:
    """A figure of ``width`` x ``height`` inches with constrained layout (no overlapping text).

    The caller gives it its text alternative with `describe` before returning it.
    """
    return DescribedFigure(figsize=(width, height), layout="constrained")


def describe(figure: Figure, text: str) -> Figure:
    """Set ``figure``'s text alternative to ``text`` (built from its data) and return it."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"text must be a non-empty description of the figure, got {text!r}")
    figure.alt_text = " ".join(text.split())
    return figure


def alt_text(figure: Figure) -> str:
    """The text alternative `describe` gave ``figure`` ("" for a figure that has none)."""
    return getattr(figure, "alt_text", "")


def figure_png(figure: Figure, dpi: float = 100, compress_level: int = 6) -> bytes:
    """The figure as PNG bytes, drawn once on an Agg canvas.

    The same bytes as ``savefig``, without its first, non-painting draw (the painting draw runs
    the layout engine anyway). ``compress_level`` is zlib's, 0-9 (6 is PNG's default; the
    explorers use 1, faster to encode). No tight-bbox pass: the layout engine already fits the
    content. Text is drawn without hinting. The figure keeps the Agg canvas; its dpi is
    restored.
    """
    own_dpi = figure.dpi
    figure.set_dpi(dpi)
    try:
        canvas = FigureCanvasAgg(figure)
        # Unhinted glyphs: FreeType's hinting took about a fifth of drawing a figure with many
        # cell labels, and changes the glyphs by less than a pixel.
        with matplotlib.rc_context({"text.hinting": "no_hinting"}):
            canvas.draw()
        buffer = io.BytesIO()
        imsave(buffer, canvas.buffer_rgba(), format="png", dpi=dpi,
               pil_kwargs={"compress_level": compress_level})
    finally:
        figure.set_dpi(own_dpi)
    return buffer.getvalue()


def relative_luminance(color) -> float:
    """WCAG 2.1 relative luminance of ``color`` (any matplotlib colour; alpha ignored)."""
    channels = np.array(to_rgb(color))
    linear = np.where(channels <= 0.04045, channels / 12.92, ((channels + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def contrast_ratio(foreground, background) -> float:
    """WCAG 2.1 contrast ratio ``(L1 + 0.05) / (L2 + 0.05)`` of two colours, 1 to 21.

    AA asks for at least 4.5 for normal text and 3 for large text and graphics.
    """
    lighter, darker = sorted((relative_luminance(foreground), relative_luminance(background)),
                             reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def tap_colormap(n_taps: int) -> ListedColormap:
    """Colormap giving kernel tap ``i`` the colour ``TAP_COLORS[i % 9]``, for integer images."""
    return ListedColormap([TAP_COLORS[i % len(TAP_COLORS)] for i in range(n_taps)])


def format_value(value: float) -> str:
    """Short cell label: integers without decimals, others with two; -inf as '-∞'.

    A value within rounding error of an integer (3.0000000000000004 from a sum of thirds) is
    an integer here, as its two-decimal label would be "3.00" anyway.
    """
    value = float(value) + 0.0  # turns -0.0 into 0.0, so no cell reads "-0"
    if value == -math.inf:
        return "−∞"
    if math.isfinite(value) and abs(value - round(value)) <= 1e-9 * max(1.0, abs(value)):
        return f"{round(value) + 0:d}"
    return f"{value:.2f}"


class Cell(Rectangle):
    """An upright `Rectangle` (a diagram's cell) whose outline is kept in data coordinates.

    It draws and hit-tests like a Rectangle. A Rectangle's outline is the unit square, mapped
    onto the box by a transform that it rebuilds and composes with the axes' transform at
    every draw and hit test; for grids of hundreds of cells that was a quarter of a redraw.
    Here the composed transform is the axes' own.
    """

    def get_path(self) -> Path:
        x0, y0, x1, y1 = self.get_bbox().extents
        return Path([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)], closed=True)

    def get_patch_transform(self):
        return IdentityTransform()

    def get_corners(self) -> np.ndarray:
        return self.get_path().vertices[:4]


def draw_grid(ax: Axes, values, origin=(0.0, 0.0), facecolors=None, hatches=None,
              labels: bool = True, edgecolor: str = BLACK, fontsize: float = 9,
              gid: str | None = None) -> list[Rectangle]:
    """Draw a 2-D array as a grid of unit squares, row 0 at the top, optionally labelled.

    Parameters
    ----------
    ax : Axes
        Target axes. Rows grow downwards because the caller sets ``ax.set_ylim(bottom, top)``
        with ``bottom > top`` (see `finish_grid_axes`), not through ``ax.invert_yaxis()``.
    values : array_like, shape (R, C) or (C,)
        Numbers to print in the cells (a 1-D array is drawn as one row).
    origin : (x, y)
        Data coordinates of the top-left corner of cell (0, 0).
    facecolors, hatches : array_like of str, shape (R, C), optional
        Per-cell fill colour (default white) and hatch pattern (default none).
    labels : bool
        Print each value inside its cell.
    gid : str, optional
        Group id set on every rectangle, so tests can find the cells of one role.

    Returns
    -------
    list of Cell
        The cell patches (Rectangles) in row-major order.
    """
    grid = np.atleast_2d(np.asarray(values, dtype=float))
    rows, cols = grid.shape
    x0, y0 = origin
    patches = []
    # The clip path `add_artist` would build for each cell, built once (it is not used: the
    # cells are not clipped).
    axes_outline = TransformedPatchPath(ax.patch)
    faces = (np.full(grid.shape, INPUT_COLOR, dtype=object) if facecolors is None
             else np.atleast_2d(facecolors))
    hatches = (np.full(grid.shape, "", dtype=object) if hatches is None
               else np.atleast_2d(hatches))
    for r in range(rows):
        for c in range(cols):
            face, hatch = faces[r][c], hatches[r][c] or None
            rect = Cell((x0 + c, y0 + r), 1, 1, facecolor=face, edgecolor=edgecolor,
                        hatch=hatch, linewidth=0.8, gid=gid, clip_path=axes_outline,
                        **INSIDE_AXES)
            ax.add_artist(rect)  # not add_patch: the limits are set by the caller, and
            # add_patch's data-limit update dominated the drawing time of large grids
            patches.append(rect)
            if labels:
                cell_label(ax, x0 + c + 0.5, y0 + r + 0.5, format_value(grid[r, c]),
                           ha="center", va="center", fontsize=fontsize, clip_path=axes_outline)
    return patches


class CellLabel(Text):
    """A short label inside a diagram (a cell's value, a tap's name): a `Text` that the Agg
    canvas, which draws every PNG (notebooks and explorers), paints from kept pixels.

    A redraw paints the same few strings tens to hundreds of times, and shaping and rasterising
    each anew was up to a third of redrawing a labelled grid. So the first time a label is
    painted in a given style its pixels are kept (`_LABEL_PIXELS`), and later paintings copy
    them to the nearest whole pixel (glyphs move by less than half a pixel). Other renderers
    (SVG, PDF) and everything that measures text see ordinary text. Make one with `cell_label`.
    """

    @allow_rasterization
    def draw(self, renderer) -> None:
        if (type(renderer) is not RendererAgg or self.get_usetex() or self.get_path_effects()
                or self.get_bbox_patch() is not None):
            super().draw(renderer)
            return
        if not self.get_visible() or not self.get_text():
            return
        x, y = self.get_transform().transform(self.get_unitless_position())
        if not (math.isfinite(x) and math.isfinite(y)):
            return
        x, y = round(x), round(y)
        key = (self.get_text(), to_rgba(self.get_color(), self.get_alpha()),
               self.get_fontproperties().copy(), self.get_horizontalalignment(),
               self.get_verticalalignment(), self.get_rotation(), self.get_rotation_mode(),
               self.get_antialiased(), self.get_linespacing(), renderer.dpi,
               matplotlib.rcParams["text.hinting"])
        if key not in _LABEL_PIXELS:
            if len(_LABEL_PIXELS) >= _LABEL_PIXELS_KEPT:
                _LABEL_PIXELS.clear()
            _LABEL_PIXELS[key] = self._paint_alone(renderer, x, y)
        pixels, anchor_x, anchor_y = _LABEL_PIXELS[key]
        gc = renderer.new_gc()
        self._set_gc_clip(gc)
        renderer.draw_image(gc, x - anchor_x, y - anchor_y, pixels)
        gc.restore()
        self.stale = False

    def _paint_alone(self, renderer, x: int, y: int) -> tuple[np.ndarray, int, int]:
        """This label painted as `Text` on a transparent canvas just its size: the RGBA pixels,
        shape (height, width, 4), bottom row first as ``draw_image`` takes them, and where the
        label's anchor (display point ``x, y``) falls in them."""
        box = self.get_window_extent(renderer)
        left, bottom = math.floor(box.x0) - 2, math.floor(box.y0) - 2
        canvas = RendererAgg(math.ceil(box.x1) + 2 - left, math.ceil(box.y1) + 2 - bottom,
                             renderer.dpi)
        alone = Text(x - left, y - bottom, self.get_text())
        alone.update_from(self)
        alone.set_rotation_mode(self.get_rotation_mode())  # which update_from leaves out
        alone.set_transform(IdentityTransform())
        alone.set_clip_on(False)
        alone.set_figure(self.get_figure(root=True))
        Text.draw(alone, canvas)
        return np.asarray(canvas.buffer_rgba())[::-1].copy(), x - left, y - bottom


# Distinct labels painted (text, colour, font, alignment, dpi): a few hundred per figure; the
# kept pixels are about 1 kB each.
_LABEL_PIXELS: dict = {}
_LABEL_PIXELS_KEPT = 4096


def cell_label(ax: Axes, x: float, y: float, text: str, **text_kwargs) -> CellLabel:
    """Put ``text`` at data point ``(x, y)`` of ``ax`` as a `CellLabel` lying inside the axes
    (`INSIDE_AXES`); ``text_kwargs`` are those of ``ax.text`` (``ha``, ``va``, ``fontsize``,
    ``color``, ``gid``, ...)."""
    label = CellLabel(x, y, text, **INSIDE_AXES, **text_kwargs)
    ax.add_artist(label)
    return label


def edge_labels(ax: Axes, side: str, positions, labels, pad: float = 3.5,
                **text_kwargs) -> list[CellLabel]:
    """Name the rows (``side="left"``) or columns (``side="top"``) of a diagram in ``ax``:
    each of ``labels`` beside its data coordinate in ``positions``, ``pad`` points outside
    that edge of the axes, where a tick label would be (the axes' own ticks stay empty).

    A tick label is created, measured and drawn with its tick (two lines and two texts each);
    for the dozens of row and column names of a matrix that was a sixth of a redraw. These are
    `CellLabel`s that count for the layout, so a layout engine makes room for them, with gid
    ``"row-name"`` or ``"column-name"``. ``text_kwargs`` are ``ax.text``'s (``fontsize``,
    ``rotation``, ...).
    """
    if side not in ("left", "top"):
        raise ValueError(f"side must be 'left' or 'top'; got {side!r}")
    points = ax.get_figure(root=True).dpi_scale_trans
    if side == "left":
        transform = (blended_transform_factory(ax.transAxes, ax.transData)
                     + ScaledTranslation(-pad / 72, 0, points))
        places = [(0, position) for position in positions]
        align = {"ha": "right", "va": "center_baseline", "gid": "row-name"}
    else:
        transform = (blended_transform_factory(ax.transData, ax.transAxes)
                     + ScaledTranslation(0, pad / 72, points))
        places = [(position, 1) for position in positions]
        align = {"ha": "center", "va": "bottom", "gid": "column-name"}
    made = []
    for (x, y), label in zip(places, labels, strict=True):
        text = CellLabel(x, y, label, transform=transform, clip_on=False,
                         **{**align, **text_kwargs})
        ax.add_artist(text)
        made.append(text)
    return made


def bare_axes(ax: Axes) -> None:
    """Equal aspect, no ticks, no spines: the look of every diagram drawn in data units."""
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def finish_grid_axes(ax: Axes, width: float, height: float, margin: float = 0.3) -> None:
    """Limits for a ``height`` x ``width`` cell grid with rows downwards, then `bare_axes`."""
    ax.set_xlim(-margin, width + margin)
    ax.set_ylim(height + margin, -margin)
    bare_axes(ax)
