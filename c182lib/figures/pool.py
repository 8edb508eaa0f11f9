"""Pooling figures: windows, outputs, and where the upstream gradient lands.

Every value comes from `c182lib.pool` (outputs, ``dx``, arg-max positions) and every size from
`c182lib.shapes`; this module only decides where and how to draw them.

Cells are ``Rectangle`` patches (see `c182lib.figures._common.draw_grid`) whose ``gid`` names
their role, so tests can find them:

- input panel: ``"input"``, ``"pad"`` (padding: ``-inf`` for max, ``0`` for average pooling),
  ``"dropped"`` (input cells no window reaches, when the stride does not tile the input);
  window outlines ``"window"``; arg-max markers ``"argmax"`` and, for tied windows, ``"tied"``.
- output panel (``pooling_figure``): ``"output"``; upstream-gradient panel: ``"dout"``.
- ``dx`` panel: ``"dx-zero"`` (no gradient; left blank), ``"dx-routed"`` (from one window),
  ``"dx-accumulated"`` (from two or more windows: the sum is printed, and a text with gid
  ``"dx-count"`` says from how many), and ``"dx-pad"``.

All panels share one Axes (cells are unit squares in data coordinates; see `_layout`); panel
titles are texts with gid ``"title"``.

Each window ``(i, j)`` has one colour, shared by its outline, its output (or ``dout``) cell and
the ``dx`` cells it alone sends gradient to, so the eye can follow a gradient from ``dout`` to
``dx``.
"""

from __future__ import annotations

from functools import cached_property
from typing import NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerPatch
from matplotlib.patches import Circle, Patch, Rectangle

from c182lib import pool
from c182lib._validate import as_float_array, as_int, as_int_pair, check_shape
from c182lib.figures._common import (
    BLACK,
    BLUE,
    DROPPED_COLOR,
    GREEN,
    INPUT_COLOR,
    INSIDE_AXES,
    ORANGE,
    PAD_COLOR,
    PURPLE,
    SKY_BLUE,
    YELLOW,
    Cell,
    cell_label,
    describe,
    draw_grid,
    finish_grid_axes,
    format_value,
    new_figure,
)
from c182lib.shapes import pool_output_size, window_geometry

# The worksheet's Figure 1 (max pooling, K = 2, S = 2): a 4x4 input with a distinct maximum in
# every 2x2 window, pooled to [[6, 8], [3, 4]].
FIGURE1_INPUT = np.array([[1.0, 1.0, 2.0, 4.0],
                          [5.0, 6.0, 7.0, 8.0],
                          [3.0, 2.0, 1.0, 0.0],
                          [1.0, 2.0, 3.0, 4.0]])

# Window colours: Okabe-Ito without yellow (too faint as an outline; it marks accumulated
# gradient), vermilion (dropped cells) and black (the grid).
WINDOW_COLORS = (BLUE, ORANGE, GREEN, PURPLE, SKY_BLUE)
ACCUMULATED_COLOR = YELLOW
MODES = ("max", "average")
_FILL_ALPHA = "55"   # hex alpha of window-coloured cell fills
_MAX_CELL_INCHES = 0.5
_MAX_WIDTH_INCHES = 9.5
_MIN_WIDTH_INCHES = 6.5
_GRID_MARGIN = 0.3          # data units around each grid (as finish_grid_axes draws it)
_GAP_CELLS = 2.0            # space between panels, in cells
_SUPTITLE_INCHES = 0.55     # two lines at 11 pt
_PANEL_TITLE_INCHES = 0.45  # up to two lines at 10 pt
_LEGEND_ROW_INCHES = 0.26
# Hatches lighter than the cell edges, so the labels on top stay readable.
_HATCH_COLORS = {"pad": "#999999", "dropped": DROPPED_COLOR}


def window_color(i: int, j: int) -> str:
    """Colour of pooling window ``(i, j)``.

    Even rows cycle through `WINDOW_COLORS` from the first colour, odd rows from the fourth, so
    windows that are neighbours across, down or diagonally never share a colour.
    """
    return WINDOW_COLORS[(j + 3 * (i % 2)) % len(WINDOW_COLORS)]


class _Pooling:
    """Geometry and values of one pooling of a single (H, W) channel, computed with c182lib."""

    def __init__(self, x, kernel_size, stride, padding, mode):
        x = as_float_array("x", x, ndim=2, layout="(H, W)")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}; got {mode!r}")
        self.mode = mode
        self.kh, self.kw = as_int_pair("kernel_size", kernel_size, 1)
        self.sh, self.sw = ((self.kh, self.kw) if stride is None
                            else as_int_pair("stride", stride, 1))
        self.p = as_int("padding", padding, 0)
        self.h, self.w = x.shape
        self.h_out = pool_output_size(self.h, self.kh, self.sh, self.p)
        self.w_out = pool_output_size(self.w, self.kw, self.sw, self.p)
        # where the windows fall, per axis: the convolution's geometry (dilation 1)
        self.row_windows = window_geometry(self.h, self.kh, self.sh, self.p)
        self.col_windows = window_geometry(self.w, self.kw, self.sw, self.p)
        self.x = x
        forward = pool.maxpool2d_forward if mode == "max" else pool.avgpool2d_forward
        out, self.cache = forward(x[None, None], kernel_size=(self.kh, self.kw),
                                  stride=(self.sh, self.sw), padding=self.p)
        self.out = out[0, 0]
        pad_value = -np.inf if mode == "max" else 0.0
        self.padded = np.pad(x, self.p, constant_values=pad_value)
        self.is_pad = (self.row_windows.is_padding()[:, None]
                       | self.col_windows.is_padding()[None, :])
        # coverage[r, c]: how many windows contain padded cell (r, c).
        self.coverage = np.zeros(self.padded.shape, dtype=int)
        for i, j in self.windows():
            self.coverage[self.window_slice(i, j)] += 1

    def windows(self):
        """Window indices (i, j) in row-major order."""
        return ((i, j) for i in range(self.h_out) for j in range(self.w_out))

    def window_slice(self, i: int, j: int) -> tuple[slice, slice]:
        """Padded-input rows and columns of window (i, j)."""
        r0, c0 = self.row_windows.taps[i, 0], self.col_windows.taps[j, 0]
        return slice(r0, r0 + self.kh), slice(c0, c0 + self.kw)

    def tied_cells(self, i: int, j: int) -> list[tuple[int, int]]:
        """Padded (row, col) of every entry of window (i, j) equal to its output, row-major."""
        rows, cols = self.window_slice(i, j)
        hits = np.nonzero(self.padded[rows, cols] == self.out[i, j])
        return [(rows.start + r, cols.start + c) for r, c in zip(*hits, strict=True)]

    @property
    def has_ties(self) -> bool:
        """Whether some max-pooling window has its maximum more than once."""
        return self.mode == "max" and any(len(self.tied_cells(i, j)) > 1
                                          for i, j in self.windows())

    @property
    def overlapping(self) -> bool:
        """Whether neighbouring windows share cells (a stride smaller than the kernel)."""
        return self.sh < self.kh or self.sw < self.kw

    @property
    def padded_shape(self) -> tuple[int, int]:
        """(H + 2P, W + 2P)."""
        return self.padded.shape

    @cached_property
    def argmax_cells(self) -> np.ndarray:
        """Unpadded (row, col) of each window's arg-max, shape (H_out, W_out, 2)."""
        rows, cols = pool.maxpool2d_argmax(self.x[None, None], kernel_size=(self.kh, self.kw),
                                           stride=(self.sh, self.sw), padding=self.p)
        return np.stack([rows[0, 0], cols[0, 0]], axis=-1)

    def gradient_sources(self) -> list[list[list[tuple[int, int]]]]:
        """``sources[r][c]``: the windows (i, j), row-major, whose gradient reaches input cell
        (r, c). Max pooling: the windows whose arg-max it is; average: the windows holding it."""
        sources = [[[] for _ in range(self.w)] for _ in range(self.h)]
        for i, j in self.windows():
            if self.mode == "max":
                cells = [tuple(self.argmax_cells[i, j])]
            else:
                rows, cols = self.window_slice(i, j)
                # The window's input cells, unpadded (its share on padding is dropped).
                cells = [(r - self.p, c - self.p) for r in range(rows.start, rows.stop)
                         for c in range(cols.start, cols.stop) if not self.is_pad[r, c]]
            for r, c in cells:
                sources[r][c].append((i, j))
        return sources

    def title(self) -> str:
        """Two lines: what is pooled, and the output size with the formula filled in."""
        kind = "Max" if self.mode == "max" else "Average"
        head = (f"{kind} pooling, kernel {self.kh}×{self.kw}, stride {self.sh}×{self.sw}, "
                f"padding {self.p}: {self.h}×{self.w} → {self.h_out}×{self.w_out}")
        axes = [("H_out", self.h, self.kh, self.sh, self.h_out),
                ("W_out", self.w, self.kw, self.sw, self.w_out)]
        if axes[0][1:] == axes[1][1:]:
            axes = [("H_out = W_out", *axes[0][1:])]
        # Plain Unicode, not mathtext: parsing mathtext costs ~0.1 s per new string.
        formulas = [f"{name} = ⌊({n} + 2·{self.p} − {k}) / {s}⌋ + 1 = {n_out}"
                    for name, n, k, s, n_out in axes]
        return head + "\n" + ",   ".join(formulas)


class _Panels(NamedTuple):
    """Side-by-side cell diagrams in one Axes, placed by `_layout`."""

    fig: Figure
    ax: Axes
    origins: list[tuple[float, float]]  # data coordinates of each grid's top-left corner
    cell_inches: float
    legend_ncols: int


def _layout(panels: list[tuple[int, int]], titles: list[str], n_legend_entries: int) -> _Panels:
    """One Axes holding a ``(columns, rows)`` grid per panel, side by side, vertically centred.

    Cells are unit squares in data coordinates, so every size is known in advance and the
    figure is laid out here directly: one Axes instead of one per panel, and no layout engine,
    each of which would add ~10 ms to every widget redraw. From the top: the two-line suptitle
    (added by `_finish`), the panel titles, the panels, the legend.
    """
    margin = _GRID_MARGIN
    tallest = max(rows for _, rows in panels)
    origins, left = [], 0.0
    for cols, rows in panels:
        origins.append((left, (tallest - rows) / 2))
        left += cols + _GAP_CELLS
    span = left - _GAP_CELLS
    cell = min(_MAX_CELL_INCHES, _MAX_WIDTH_INCHES / (span + 2 * margin))
    title_cells = _PANEL_TITLE_INCHES / cell
    ax_width = (span + 2 * margin) * cell
    ax_height = (tallest + 2 * margin + title_cells) * cell
    width = max(ax_width + 0.4, _MIN_WIDTH_INCHES)
    legend_ncols = 3 if width >= 8.5 else 2
    bottom = 0.1 + _LEGEND_ROW_INCHES * -(-n_legend_entries // legend_ncols)
    height = bottom + ax_height + _SUPTITLE_INCHES
    fig = new_figure(width, height)
    fig.set_layout_engine("none")
    ax = fig.add_axes(((width - ax_width) / 2 / width, bottom / height, ax_width / width,
                       ax_height / height))
    finish_grid_axes(ax, span, tallest, margin)
    ax.set_ylim(tallest + margin, -margin - title_cells)
    for (x0, y0), (cols, _), title in zip(origins, panels, titles, strict=True):
        ax.text(x0 + cols / 2, y0 - 0.15, title, ha="center", va="bottom", fontsize=10,
                gid="title")
    return _Panels(fig, ax, origins, cell, legend_ncols)


def _label_fontsize(cell_inches: float) -> float:
    """Cell label size that fits two or three characters in a cell of this size."""
    return 9 if cell_inches >= 0.4 else 7


def _draw_input(ax: Axes, pooling: _Pooling, origin: tuple[float, float], fill_windows: bool,
                fontsize: float, windows=None) -> None:
    """Padded input with pad/dropped cells marked and every window (or only those in
    ``windows``) outlined in its colour."""
    windows = list(pooling.windows()) if windows is None else windows
    hp, wp = pooling.padded_shape
    is_pad = pooling.is_pad
    faces = np.full((hp, wp), INPUT_COLOR, dtype=object)
    roles = np.full((hp, wp), "input", dtype=object)
    if fill_windows:
        for i, j in windows:
            faces[pooling.window_slice(i, j)] = window_color(i, j) + _FILL_ALPHA
    dropped = (pooling.coverage == 0) & ~is_pad
    faces[dropped] = DROPPED_COLOR + _FILL_ALPHA
    roles[dropped] = "dropped"
    faces[is_pad] = PAD_COLOR
    roles[is_pad] = "pad"
    hatches = np.where(is_pad, "//", "").astype(object)
    hatches[dropped] = "x"
    cells = draw_grid(ax, pooling.padded, origin=origin, facecolors=faces, hatches=hatches,
                      fontsize=fontsize)
    for cell, role in zip(cells, roles.ravel(), strict=True):
        cell.set_gid(role)
        if role in _HATCH_COLORS:
            cell.set_hatchcolor(_HATCH_COLORS[role])
    x0, y0 = origin
    for i, j in windows:
        # Staggered insets keep the edges of overlapping windows apart.
        inset = 0.05 + 0.07 * ((i + j) % 3)
        rows, cols = pooling.window_slice(i, j)
        # add_artist, not add_patch: the limits are set already, and skipping the data-limit
        # update keeps redraws fast.
        ax.add_artist(Rectangle((x0 + cols.start + inset, y0 + rows.start + inset),
                                pooling.kw - 2 * inset, pooling.kh - 2 * inset, fill=False,
                                edgecolor=window_color(i, j), linewidth=2.2, gid="window",
                                **INSIDE_AXES))


def _mark_argmax(ax: Axes, pooling: _Pooling, origin: tuple[float, float],
                 windows=None) -> None:
    """Circle each window's arg-max (solid) and the entries tied with it (dashed).

    The winner is the first maximum in row-major window order: the cell the gradient goes to.
    A cell marked by several windows gets nested circles in their colours (up to three are
    distinguishable; more share the innermost radius, which stays clear of the label).
    """
    x0, y0 = origin
    circles_at = np.zeros(pooling.padded_shape, dtype=int)

    def circle(r: int, c: int, color: str, gid: str) -> None:
        radius = max(0.42 - 0.06 * circles_at[r, c], 0.27)  # never over the label
        circles_at[r, c] += 1
        solid = gid == "argmax"
        ax.add_artist(Circle((x0 + c + 0.5, y0 + r + 0.5), radius, fill=False, edgecolor=color,
                             linewidth=1.8 if solid else 1.3,
                             linestyle="solid" if solid else (0, (2, 1.5)), gid=gid,
                             **INSIDE_AXES))

    for i, j in pooling.windows() if windows is None else windows:
        r, c = pooling.argmax_cells[i, j] + pooling.p
        circle(r, c, window_color(i, j), "argmax")
        for tr, tc in pooling.tied_cells(i, j):
            if (tr, tc) != (r, c):
                circle(tr, tc, window_color(i, j), "tied")


def _draw_windowed_values(ax: Axes, pooling: _Pooling, values: np.ndarray, gid: str,
                          origin: tuple[float, float], fontsize: float) -> None:
    """An (H_out, W_out) grid, cell (i, j) filled with the colour of window (i, j)."""
    faces = np.array([[window_color(i, j) + _FILL_ALPHA for j in range(pooling.w_out)]
                      for i in range(pooling.h_out)], dtype=object)
    draw_grid(ax, values, origin=origin, facecolors=faces, fontsize=fontsize, gid=gid)


def _draw_dx(ax: Axes, pooling: _Pooling, dx: np.ndarray, sources: list[list[list]],
             origin: tuple[float, float], fontsize: float) -> None:
    """dx on the padded frame: each cell coloured by the window(s) that send it gradient.

    ``sources[r][c]`` lists the windows (i, j) whose gradient reaches input cell (r, c).
    """
    p = pooling.p
    x0, y0 = origin
    for r, c in zip(*np.nonzero(pooling.is_pad), strict=True):
        ax.add_artist(Cell((x0 + c, y0 + r), 1, 1, facecolor=PAD_COLOR, edgecolor=BLACK,
                           hatch="//", hatchcolor=_HATCH_COLORS["pad"], linewidth=0.8,
                           gid="dx-pad", **INSIDE_AXES))
    faces = np.full(dx.shape, INPUT_COLOR, dtype=object)
    roles = np.full(dx.shape, "dx-zero", dtype=object)
    for r in range(pooling.h):
        for c in range(pooling.w):
            if len(sources[r][c]) == 1:
                faces[r, c] = window_color(*sources[r][c][0]) + _FILL_ALPHA
                roles[r, c] = "dx-routed"
            elif len(sources[r][c]) > 1:
                faces[r, c] = ACCUMULATED_COLOR
                roles[r, c] = "dx-accumulated"
    cells = draw_grid(ax, dx, origin=(x0 + p, y0 + p), facecolors=faces, labels=False)
    for cell, role in zip(cells, roles.ravel(), strict=True):
        cell.set_gid(role)
        if role == "dx-accumulated":
            cell.set_linewidth(2.0)
    # Only cells that receive gradient are labelled: a blank cell is a zero no window sent.
    for r in range(pooling.h):
        for c in range(pooling.w):
            x, y = x0 + p + c, y0 + p + r
            if sources[r][c]:
                cell_label(ax, x + 0.5, y + 0.5, format_value(dx[r, c]), ha="center",
                           va="center", fontsize=fontsize)
            if len(sources[r][c]) > 1:
                cell_label(ax, x + 0.97, y + 0.03, f"×{len(sources[r][c])}", ha="right",
                           va="top", fontsize=fontsize - 3, gid="dx-count")


def pooling_figure(x=None, kernel_size=2, stride=None, padding: int = 0,
                   mode: str = "max") -> Figure:
    """Draw a pooling of one channel: the input, the windows, and the output.

    With the defaults this is the worksheet's Figure 1: max pooling with K = 2, S = 2 of the
    4×4 input `FIGURE1_INPUT`.

    Parameters
    ----------
    x : array_like, shape (H, W), optional
        One input channel. Default: `FIGURE1_INPUT`.
    kernel_size : int or (int, int)
        Window size ``(KH, KW)``.
    stride : int or (int, int), optional
        Step between windows; default ``kernel_size`` (non-overlapping windows).
    padding : int
        Cells added on every side: ``-inf`` for max pooling (never the maximum), ``0`` for average
        pooling (counted in the divisor, as in PyTorch). At most ``kernel_size // 2``.
    mode : {"max", "average"}
        Which pooling (`c182lib.pool.maxpool2d_forward` or ``avgpool2d_forward``).

    Returns
    -------
    Figure
        Left: the padded input, each window outlined in its own colour (filled too when windows do
        not overlap); for max pooling each window's maximum is circled (tied entries dashed).
        Input cells no window reaches are hatched. Right: the output,
        ``H_out = floor((H + 2P - KH) / SH) + 1`` rows (likewise columns), each cell in the colour
        of its window.
    """

    pooling = _Pooling(FIGURE1_INPUT if x is None else x, kernel_size, stride, padding, mode)
    hp, wp = pooling.padded_shape
    legend = _legend_handles(pooling)
    panels = _layout([(wp, hp), (pooling.w_out, pooling.h_out)],
                     [f"input x ({pooling.h}×{pooling.w})",
                      f"output ({pooling.h_out}×{pooling.w_out})"], len(legend))
    fontsize = _label_fontsize(panels.cell_inches)
    at_input, at_output = panels.origins
    _draw_input(panels.ax, pooling, at_input, fill_windows=not pooling.overlapping,
                fontsize=fontsize)
    if mode == "max":
        _mark_argmax(panels.ax, pooling, at_input)
    _draw_windowed_values(panels.ax, pooling, pooling.out, "output", at_output, fontsize)
    fig = _finish(panels, pooling, legend)
    shown = ("each window's maximum circled (ties dashed)" if mode == "max"
             else "each output the mean of its window")
    return describe(fig, f"{pooling.title().splitlines()[0]}. The input with each window "
                         f"outlined in its own colour, {shown}, beside the output "
                         f"{_grid_in_words(pooling.out)}.{_input_notes(pooling)}")


def _grid_in_words(values: np.ndarray, limit: int = 25) -> str:
    """``"[[6, 8], [3, 4]]"`` (rows of cell labels), or its shape when it has many cells."""
    if values.size > limit:
        return f"({values.shape[0]}×{values.shape[1]} values)"
    return "[" + ", ".join("[" + ", ".join(format_value(v) for v in row) + "]"
                           for row in values) + "]"


def _input_notes(pooling: _Pooling) -> str:
    """Sentences on ties and dropped cells, each starting with a space ("" when neither)."""
    notes = ""
    if pooling.has_ties:
        tied = sum(len(pooling.tied_cells(i, j)) > 1 for i, j in pooling.windows())
        notes += (f" {tied} window{'s' if tied > 1 else ''} tie for the maximum; the first "
                  f"in row-major order wins.")
    dropped = int(np.count_nonzero((pooling.coverage == 0) & ~pooling.is_pad))
    if dropped:
        notes += f" {dropped} input cell{'s' if dropped > 1 else ''} in no window (dropped)."
    return notes


def gradient_spread_sentence(counts: np.ndarray, mode: str, kernel_size) -> str:
    """How the gradient spreads over the input, from `gradient_source_counts`' ``counts``.

    Max: "Gradient reaches 4 of 16 input cells; 0 receive it from more than one window
    (overlap: summed)."; average: "Each window spreads dout / 4 over its 4 cells; ...".
    """
    counts = np.asarray(counts)
    kh, kw = as_int_pair("kernel_size", kernel_size, 1)
    if mode == "max":
        return (f"Gradient reaches {np.count_nonzero(counts)} of {counts.size} input cells; "
                f"{np.count_nonzero(counts > 1)} receive it from more than one window "
                f"(overlap: summed).")
    share = kh * kw
    return (f"Each window spreads dout / {share} over its {share} cells; "
            f"{np.count_nonzero(counts > 1)} of {counts.size} input cells lie in more than one "
            f"window (shares summed), {np.count_nonzero(counts == 0)} in none.")


def gradient_source_counts(x, kernel_size=2, stride=None, padding: int = 0,
                           mode: str = "max") -> np.ndarray:
    """How many windows send gradient to each input cell: the counts `pool_gradient_routing`
    draws (``×n`` on cells reached by ``n >= 2`` windows, blank where ``n = 0``).

    Parameters
    ----------
    x, kernel_size, stride, padding, mode
        As in `pooling_figure` (``x`` is required).

    Returns
    -------
    ndarray of int, shape (H, W)
        Max pooling: the number of windows whose arg-max (first maximum in row-major window
        order) the cell is. Average pooling: the number of windows containing the cell.
    """
    sources = _Pooling(x, kernel_size, stride, padding, mode).gradient_sources()
    return np.array([[len(windows) for windows in row] for row in sources], dtype=int)


def _default_dout(h_out: int, w_out: int) -> np.ndarray:
    """Upstream gradient 1, 2, ..., H_out*W_out in row-major order: distinct and easy to follow."""
    return np.arange(1.0, h_out * w_out + 1).reshape(h_out, w_out)


def pool_gradient_routing(x=None, dout=None, kernel_size=2, stride=None, padding: int = 0,
                          mode: str = "max", output_cell=None) -> Figure:
    """Draw where each upstream gradient entry lands in ``dx`` for max or average pooling.

    Parameters
    ----------
    x : array_like, shape (H, W), optional
        One input channel. Default: `FIGURE1_INPUT`.
    dout : array_like, shape (H_out, W_out), optional
        Upstream gradient ∂L/∂out. Default: 1, 2, ..., H_out·W_out in row-major order, so every
        routed value can be traced back to the window it came from.
    kernel_size, stride, padding, mode
        As in `pooling_figure`.
    output_cell : (int, int), optional
        0-based output index ``(i, j)``: draw only window (i, j) on the input (and its arg-max),
        outline ``dout[i, j]`` and the dx cells it reaches with a thick black border, and keep
        the whole dx. With overlapping windows this is the readable view: one window at a time
        (an explorer control can step through them). Default: every window.

    Returns
    -------
    Figure
        Three panels, each window (i, j) in its own colour throughout:

        - the padded input with the windows; for max pooling each window's arg-max is circled.
          When several entries tie for the maximum, the first in row-major window order is the
          arg-max (solid circle) and the others are dashed: they get no gradient;
        - ``dout``, cell (i, j) in the colour of window (i, j);
        - ``dx`` from `c182lib.pool.maxpool2d_backward` (or ``avgpool2d_backward``). Max: each
          ``dout[i, j]`` is added to ``dx`` at window (i, j)'s arg-max. Average: ``dout[i, j] /
          (KH·KW)`` is added to every cell of window (i, j) (the share falling on padding is
          dropped). A cell reached by one window has that window's colour; a cell reached by
          ``n >= 2`` (overlapping windows) is yellow with a thick border, shows the sum and is
          marked ``×n``; a cell no gradient reaches is left blank (its dx is 0).
    """

    pooling = _Pooling(FIGURE1_INPUT if x is None else x, kernel_size, stride, padding, mode)
    if dout is None:
        dout = _default_dout(pooling.h_out, pooling.w_out)
    dout = as_float_array("dout", dout, ndim=2, layout="(H_out, W_out)")
    check_shape("dout", dout, (pooling.h_out, pooling.w_out), "(H_out, W_out)")
    backward = pool.maxpool2d_backward if mode == "max" else pool.avgpool2d_backward
    dx = backward(dout[None, None], pooling.cache)[0, 0]
    shown = None
    if output_cell is not None:
        i, j = as_int_pair("output_cell", output_cell, 0)
        if i >= pooling.h_out or j >= pooling.w_out:
            raise ValueError(f"output_cell must lie in the {pooling.h_out}×{pooling.w_out} "
                             f"output; got {(i, j)}")
        shown = [(i, j)]

    sources = pooling.gradient_sources()
    if mode == "max":
        dx_title = "dx: dout[i, j] added at\nwindow (i, j)'s arg-max"
    else:
        dx_title = (f"dx: dout[i, j] / {pooling.kh * pooling.kw} added to\n"
                    "every cell of window (i, j)")

    hp, wp = pooling.padded_shape
    counts = [len(cell) for row in sources for cell in row]
    legend = _legend_handles(pooling, blank=min(counts) == 0, accumulated=max(counts) > 1,
                             selected=shown is not None)
    input_title = f"input x ({pooling.h}×{pooling.w})"
    if shown is not None:
        input_title += f"\nwindow ({shown[0][0]}, {shown[0][1]}) only"
    panels = _layout([(wp, hp), (pooling.w_out, pooling.h_out), (wp, hp)],
                     [input_title, "upstream dout", dx_title], len(legend))
    fontsize = _label_fontsize(panels.cell_inches)
    at_input, at_dout, at_dx = panels.origins
    _draw_input(panels.ax, pooling, at_input,
                fill_windows=shown is not None or not pooling.overlapping, fontsize=fontsize,
                windows=shown)
    if mode == "max":
        _mark_argmax(panels.ax, pooling, at_input, windows=shown)
    _draw_windowed_values(panels.ax, pooling, dout, "dout", at_dout, fontsize)
    _draw_dx(panels.ax, pooling, dx, sources, at_dx, fontsize)
    counts = np.array([[len(cell) for cell in row] for row in sources])
    text = (f"Gradient routing of {pooling.title().splitlines()[0][0].lower()}"
            f"{pooling.title().splitlines()[0][1:]}. Upstream dout "
            f"{_grid_in_words(dout)}; dx {_grid_in_words(dx)}. "
            f"{gradient_spread_sentence(counts, mode, (pooling.kh, pooling.kw))}"
            f"{_input_notes(pooling)}")
    if shown is not None:
        (i, j), = shown
        targets = [(r, c) for r in range(pooling.h) for c in range(pooling.w)
                   if (i, j) in sources[r][c]]
        _outline_selected(panels.ax, [(at_dout[0] + j, at_dout[1] + i)], "selected-dout")
        _outline_selected(panels.ax, [(at_dx[0] + pooling.p + c, at_dx[1] + pooling.p + r)
                                      for r, c in targets], "selected-dx")
        cells = ", ".join(f"({r}, {c})" for r, c in targets)
        text += (f" Shown: window ({i}, {j}) only; its dout {format_value(dout[i, j])} goes to "
                 f"input cell{'s' if len(targets) > 1 else ''} {cells}"
                 + (f" (each {format_value(dout[i, j] / (pooling.kh * pooling.kw))})."
                    if mode == "average" else "."))
    return describe(_finish(panels, pooling, legend), text)


def _outline_selected(ax: Axes, corners, gid: str) -> None:
    """A thick black border (over the cell edges) around each unit cell at ``corners``."""
    for x, y in corners:
        ax.add_artist(Rectangle((x + 0.04, y + 0.04), 0.92, 0.92, fill=False,
                                edgecolor=BLACK, linewidth=3.0, gid=gid, **INSIDE_AXES))


def _finish(panels: _Panels, pooling: _Pooling, legend: list) -> Figure:
    """Add the two-line title above the panels and the legend under them."""
    fig = panels.fig
    fig.suptitle(pooling.title(), fontsize=11, y=1 - 0.08 / fig.get_figheight(), va="top")
    fig.legend(handles=legend, loc="lower center", bbox_to_anchor=(0.5, 0.0),
               ncols=min(len(legend), panels.legend_ncols), fontsize=8, frameon=False,
               handler_map={Circle: HandlerPatch(_legend_circle)})
    return fig


def _legend_handles(pooling: _Pooling, blank: bool = False, accumulated: bool = False,
                    selected: bool = False) -> list:
    """Legend entries for the markings this figure uses.

    ``blank``: the figure has dx cells no gradient reaches; ``accumulated``: it has dx cells that
    sum several windows' gradients; ``selected``: one window's dout and dx cells are outlined.
    """
    handles = [Patch(facecolor="none", edgecolor=window_color(0, 0), linewidth=2,
                     label="window (one colour each)")]
    if pooling.p:
        pad_value = "−∞" if pooling.mode == "max" else "0"
        handles.append(Patch(facecolor=PAD_COLOR, hatch="//", edgecolor=BLACK,
                             hatchcolor=_HATCH_COLORS["pad"], label=f"padding ({pad_value})"))
    if np.any((pooling.coverage == 0) & ~pooling.is_pad):
        handles.append(Patch(facecolor=DROPPED_COLOR + _FILL_ALPHA, hatch="x", edgecolor=BLACK,
                             hatchcolor=_HATCH_COLORS["dropped"], label="in no window (dropped)"))
    if pooling.mode == "max":
        handles.append(Circle((0, 0), fill=False, edgecolor=BLACK, linewidth=2.0,
                              label="arg-max (first max in row-major order)"))
        if pooling.has_ties:
            handles.append(Circle((0, 0), fill=False, edgecolor=BLACK, linewidth=1.4,
                                  linestyle=(0, (2, 1.5)), label="tied with it, not chosen"))
    if blank:
        handles.append(Patch(facecolor=INPUT_COLOR, edgecolor=BLACK,
                             label="blank dx cell: no gradient (0)"))
    if accumulated:
        handles.append(Patch(facecolor=ACCUMULATED_COLOR, edgecolor=BLACK, linewidth=2,
                             label="gradient from n ≥ 2 windows (×n): their sum"))
    if selected:
        handles.append(Patch(facecolor="none", edgecolor=BLACK, linewidth=3,
                             label="the shown window's dout and where it lands"))
    return handles


def _legend_circle(legend, orig_handle, xdescent, ydescent, width, height, fontsize):
    """Legend key for a `Circle` handle: a circle instead of the default rectangle."""
    return Circle((width / 2 - xdescent, height / 2 - ydescent), min(width, height) / 2 + 1)


# A 4×4 input whose maximum 9 appears twice, in different 2×2 blocks: at (0, 2) (first in
# row-major order over the whole 4×4 window) and at (1, 0) (in the first 2×2 block).
STACKED_TIE_INPUT = np.array([[1.0, 2.0, 9.0, 3.0],
                              [9.0, 4.0, 5.0, 1.0],
                              [2.0, 6.0, 3.0, 8.0],
                              [7.0, 1.0, 4.0, 2.0]])


def stacked_pooling_figure(x=None, dout=None) -> Figure:
    """Two stacked 2×2 stride-2 max pools against one 4×4 stride-4 max pool, on the same input.

    Both compute the same output (the maximum of every 4×4 block), and without ties they route
    the gradient to the same cell. With tied maxima in different 2×2 blocks they do not: the
    single pool sends ``dout`` to the first maximum in row-major order of the 4×4 window, the
    stacked pools to the first maximum of the first 2×2 block (in row-major block order) that
    holds one. All values come from `c182lib.pool.maxpool2d_forward` / ``maxpool2d_backward``.

    Parameters
    ----------
    x : array_like, shape (H, W), optional
        One channel, H, W >= 4. Default: `STACKED_TIE_INPUT` (the counterexample).
    dout : array_like, shape (H // 4, W // 4), optional
        Upstream gradient; default 1, 2, ... in row-major order.

    Returns
    -------
    Figure
        Three panels: the input (2×2 blocks dashed, 4×4 windows solid, every entry equal to
        its 4×4 window's maximum circled), dx through the stacked pools and dx through the
        single pool. dx cells that receive gradient have gid ``"dx-stacked"`` /
        ``"dx-single"``; where the two differ the cell is also hatched and marked "≠" (gid
        ``"differs"``).
    """
    x = as_float_array("x", STACKED_TIE_INPUT if x is None else x, ndim=2, layout="(H, W)")
    h, w = x.shape
    if min(h, w) < 4:
        raise ValueError(f"x must be at least 4×4 (one 4×4 window); got {h}×{w}")
    batch = x[None, None]
    first, cache_first = pool.maxpool2d_forward(batch, kernel_size=2, stride=2)
    out, cache_second = pool.maxpool2d_forward(first, kernel_size=2, stride=2)
    out_single, cache_single = pool.maxpool2d_forward(batch, kernel_size=4, stride=4)
    h_out, w_out = out.shape[2:]
    if dout is None:
        dout = _default_dout(h_out, w_out)
    dout = as_float_array("dout", dout, ndim=2, layout="(H_out, W_out)")
    check_shape("dout", dout, (h_out, w_out), "(H_out, W_out)")
    dx_stacked = pool.maxpool2d_backward(
        pool.maxpool2d_backward(dout[None, None], cache_second), cache_first)[0, 0]
    dx_single = pool.maxpool2d_backward(dout[None, None], cache_single)[0, 0]
    differs = (dx_stacked != dx_single)

    legend = [Patch(facecolor="none", edgecolor=BLACK, linewidth=2, label="4×4 window (solid)"),
              Patch(facecolor="none", edgecolor=BLACK, linestyle="--",
                    label="2×2 block of the first pool (dashed)"),
              Circle((0, 0), fill=False, edgecolor=BLACK, linewidth=2.0,
                     label="equal to its 4×4 window's maximum"),
              Patch(facecolor=GREEN + _FILL_ALPHA, edgecolor=BLACK, label="receives dout"),
              Patch(facecolor="none", edgecolor=DROPPED_COLOR, hatch="xx", linewidth=2,
                    label="≠: the two routings differ here")]
    panels = _layout([(w, h)] * 3,
                     [f"input x ({h}×{w})", "dx: two stacked\n2×2 stride-2 max pools",
                      "dx: one 4×4\nstride-4 max pool"], len(legend))
    ax, fontsize = panels.ax, _label_fontsize(panels.cell_inches)
    (x0, y0), at_stacked, at_single = panels.origins
    draw_grid(ax, x, origin=(x0, y0), fontsize=fontsize, gid="input")
    for r in range(0, 2 * (h // 2), 2):
        for c in range(0, 2 * (w // 2), 2):
            ax.add_artist(Rectangle((x0 + c + 0.06, y0 + r + 0.06), 1.88, 1.88, fill=False,
                                    edgecolor=BLUE, linewidth=1.3, linestyle="--",
                                    gid="block"))
    for i in range(h_out):
        for j in range(w_out):
            ax.add_artist(Rectangle((x0 + 4 * j, y0 + 4 * i), 4, 4, fill=False,
                                    edgecolor=BLACK, linewidth=2.4, gid="window"))
            block = x[4 * i:4 * i + 4, 4 * j:4 * j + 4]
            for r, c in zip(*np.nonzero(block == out_single[0, 0, i, j]), strict=True):
                ax.add_artist(Circle((x0 + 4 * j + c + 0.5, y0 + 4 * i + r + 0.5), 0.4,
                                     fill=False, edgecolor=BLACK, linewidth=1.8, gid="max"))
    for (ox, oy), dx, gid in ((at_stacked, dx_stacked, "dx-stacked"),
                              (at_single, dx_single, "dx-single")):
        received = dx != 0
        faces = np.where(received, GREEN + _FILL_ALPHA, INPUT_COLOR).astype(object)
        hatches = np.where(differs, "xx", "").astype(object)
        cells = draw_grid(ax, dx, origin=(ox, oy), facecolors=faces, hatches=hatches,
                          labels=False)
        for cell, got, diff in zip(cells, received.ravel(), differs.ravel(), strict=True):
            cell.set_gid(gid if got else "dx-zero")
            if diff:
                cell.set_hatchcolor(DROPPED_COLOR)
        for r, c in zip(*np.nonzero(received), strict=True):
            ax.text(ox + c + 0.5, oy + r + 0.5, format_value(dx[r, c]), ha="center",
                    va="center", fontsize=fontsize, fontweight="bold",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
        for r, c in zip(*np.nonzero(differs), strict=True):
            ax.text(ox + c + 0.95, oy + r + 0.05, "≠", ha="right", va="top",
                    fontsize=fontsize, gid="differs",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
        for i in range(h_out):
            for j in range(w_out):
                ax.add_artist(Rectangle((ox + 4 * j, oy + 4 * i), 4, 4, fill=False,
                                        edgecolor=BLACK, linewidth=2.4))

    n_windows = h_out * w_out
    n_differ = sum(bool(differs[4 * i:4 * i + 4, 4 * j:4 * j + 4].any())
                   for i in range(h_out) for j in range(w_out))
    verdict = ("the same routing in every window" if n_differ == 0 else
               f"different routing in {n_differ} of {n_windows} window"
               f"{'s' if n_windows > 1 else ''}")
    fig = panels.fig
    fig.suptitle(f"Two stacked 2×2 max pools vs one 4×4 stride-4 max pool (ties: first maximum "
                 f"wins)\nsame output {_grid_in_words(out[0, 0])}, {verdict}", fontsize=11,
                 y=1 - 0.08 / fig.get_figheight(), va="top")
    fig.legend(handles=legend, loc="lower center", bbox_to_anchor=(0.5, 0.0),
               ncols=min(len(legend), panels.legend_ncols), fontsize=8, frameon=False,
               handler_map={Circle: HandlerPatch(_legend_circle)})

    def landing(dx):
        return ", ".join(f"({r}, {c})" for r, c in zip(*np.nonzero(dx), strict=True))

    return describe(fig, (
        f"Max pooling of a {h}×{w} input by two stacked 2×2 stride-2 pools and by one 4×4 "
        f"stride-4 pool: both give the output {_grid_in_words(out[0, 0])}. Upstream dout "
        f"{_grid_in_words(dout)} lands at input cells {landing(dx_stacked)} through the "
        f"stacked pools and at {landing(dx_single)} through the single pool: {verdict}."
        + (" The tied maxima lie in different 2×2 blocks; the stacked pools pick the first "
           "block holding one, the single pool the first maximum in row-major order."
           if n_differ else "")))
