"""Figures for convolution: the sliding window (1-D and 2-D), the convolution as a matrix, how
sparse that matrix is, and the im2col matrix.

Every size comes from `c182lib.shapes` and every value from `c182lib.conv`; the only arithmetic
done here is *where* things are drawn. Cells are unit squares in data coordinates (see
`draw_grid`), each patch carries a ``gid`` naming its role so tests can count them:

``"input"``      an input cell no special role applies to
``"padding"``    a zero added by the padding (grey, hatched ``//``)
``"window"``     a tap of the highlighted window (orange, thick edge), or in the all-windows
                 view a marker
``"dropped"``    a cell after the last window: the remainder the floor in the output-size rule
                 drops because the stride does not tile the padded input (vermilion,
                 hatched ``x``)
``"skipped"``    a cell before the last window that no tap reads, because the stride is larger
                 than the window or the dilation gaps line up with the stride (pale vermilion,
                 dotted)
``"output"``     an output cell (sky blue)

Other artists: ``"window"`` lines (all-windows view, one per window, a dot per tap),
``"anchors"`` (2-D: where each window starts), ``"arrow"`` (window -> its output),
``"bracket"``, and the image ``"matrix"`` (tap index of every matrix entry, zeros masked).

Index conventions: arguments such as ``position`` are 0-based Python indices; the symbols
printed in the figures (x₁, w₁, y₁) are 1-based, as in the worksheet.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap, to_hex, to_rgb
from matplotlib.figure import Figure, FigureBase
from matplotlib.lines import Line2D
from matplotlib.patches import ConnectionPatch, FancyArrowPatch, Patch

from c182lib._validate import as_float_array, as_int, as_int_pair, check_shape
from c182lib.conv import conv_matrix_1d, conv_matrix_2d, corr1d, im2col
from c182lib.figures._common import (
    BLACK,
    DROPPED_COLOR,
    INPUT_COLOR,
    OUTPUT_COLOR,
    PAD_COLOR,
    SEQUENTIAL_CMAP,
    TAP_COLORS,
    WINDOW_COLOR,
    cell_label,
    describe,
    draw_grid,
    edge_labels,
    finish_grid_axes,
    format_value,
    new_figure,
    tap_colormap,
)
from c182lib.shapes import WindowGeometry, conv_output_size, window_geometry

SKIPPED_COLOR = DROPPED_COLOR + "59"  # the dropped colour at 35 % opacity
PAD_HATCH = "//"
# Each unused-cell role has a hatch of its own, so the roles do not rest on colour alone
# (a dropped padding cell is hatched as dropped).
_ROLE_HATCHES = {"padding": PAD_HATCH, "dropped": "x", "skipped": ".."}
MAX_FIGURE_WIDTH = 9.5  # inches: fits a notebook column
_ROLE_FACES = {
    "input": INPUT_COLOR,
    "padding": PAD_COLOR,
    "window": WINDOW_COLOR,
    "dropped": DROPPED_COLOR,
    "skipped": SKIPPED_COLOR,
}
_ROLE_LABELS = {
    "input": "input",
    "padding": "zero padding",
    "window": "window taps",
    "dropped": "dropped (stride does not tile)",
    "skipped": "skipped by every window",
}
_SUBSCRIPTS = str.maketrans("0123456789,", "₀₁₂₃₄₅₆₇₈₉,")


def _sub(symbol: str, *indices: int) -> str:
    """``_sub("w", 1, 2) == "w₁,₂"``: a symbol with 1-based unicode subscripts."""
    return symbol + ",".join(str(i) for i in indices).translate(_SUBSCRIPTS)


def _text_color(face) -> str:
    """Black or white, whichever reads better on ``face`` (by relative luminance)."""
    r, g, b = (c ** 2.2 for c in to_rgb(face))
    return "white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.18 else "black"


# --------------------------------------------------------------------------------------------
# Output-size text (reused by the explorer and the notebooks)
# --------------------------------------------------------------------------------------------

def output_size_formula(n: int, kernel_size: int, stride: int = 1, padding: int = 0,
                        dilation: int = 1, name: str = "n_out") -> str:
    """The output-size rule with the numbers filled in, as plain (unicode) text.

    Parameters
    ----------
    n, kernel_size, stride, padding, dilation : int
        As in `c182lib.shapes.conv_output_size`.
    name : str
        Left-hand side, e.g. ``"H_out"``.

    Returns
    -------
    str
        E.g. ``"n_out = ⌊(7 + 2·1 − 1·(3 − 1) − 1) / 2⌋ + 1 = 4"`` for n=7, k=3, s=2, p=1, d=1.

    Raises
    ------
    ValueError
        From `conv_output_size`, when the output would be smaller than 1.
    """
    n_out = conv_output_size(n, kernel_size, stride, padding, dilation)
    return (f"{name} = ⌊({n} + 2·{padding} − {dilation}·({kernel_size} − 1) − 1) / {stride}⌋"
            f" + 1 = {n_out}")


def _roles_1d(geom: WindowGeometry, window: np.ndarray | None) -> np.ndarray:
    """Role of every padded cell, by precedence window > dropped > skipped > padding > input."""
    roles = np.where(geom.is_padding(), "padding", "input").astype(object)
    roles[geom.skipped] = "skipped"
    roles[geom.dropped] = "dropped"
    if window is not None:
        roles[window] = "window"
    return roles


def _draw_cells(ax: Axes, values, roles: np.ndarray, padding_mask: np.ndarray,
                origin=(0.0, 0.0), labels: bool = True, fontsize: float = 9) -> list:
    """`draw_grid` with face colour, hatch and gid taken from each cell's role."""
    roles2d = np.atleast_2d(roles)
    faces = np.vectorize(_ROLE_FACES.get, otypes=[object])(roles2d)
    hatches = np.vectorize(lambda role: _ROLE_HATCHES.get(role, ""), otypes=[object])(roles2d)
    hatches[np.atleast_2d(padding_mask) & (roles2d != "dropped")] = PAD_HATCH
    patches = draw_grid(ax, values, origin=origin, facecolors=faces, hatches=hatches,
                        labels=labels, fontsize=fontsize)
    for patch, role in zip(patches, roles2d.ravel(), strict=True):
        patch.set_gid(role)
        if role == "window":  # a thick edge as well as the colour
            patch.set_linewidth(2.0)
    return patches


def _role_legend(container: FigureBase, roles, extra=()) -> None:
    """A legend below ``container`` with one entry per role present (in a fixed order)."""
    present = set(np.ravel(roles))
    handles = [Patch(facecolor=_ROLE_FACES[r], edgecolor=BLACK,
                     hatch=_ROLE_HATCHES.get(r), linewidth=2.0 if r == "window" else 0.8,
                     label=_ROLE_LABELS[r])
               for r in _ROLE_FACES if r in present]
    handles += list(extra)
    # As many columns as fit: an entry is ~0.65 in of handle and spacing plus its label.
    width = container.bbox.width / container.figure.dpi
    entry = 0.65 + 0.055 * max(len(h.get_label()) for h in handles)
    ncols = max(1, min(len(handles), int(width // entry)))
    container.legend(handles=handles, loc="outside lower center", ncols=ncols, fontsize=8,
                     frameon=False)


def _dropped_note(dropped: int, dropped_padding: int) -> str:
    """``"; 2 cells dropped (1 of them padding)"`` or ``""``."""
    if dropped == 0:
        return ""
    cells = "cell" if dropped == 1 else "cells"
    note = f"; {dropped} {cells} dropped"
    return note + (f" ({dropped_padding} of them padding)" if dropped_padding else "")


def _cells_in_words(geom: WindowGeometry, padded_cells) -> str:
    """``"x₈, x₉ and 1 padding cell"``: padded cells named by their input symbol (1-based)."""
    cells = np.asarray(padded_cells, dtype=int)
    inside = [_sub("x", int(i) - geom.padding + 1) for i in cells
              if geom.padding <= i < geom.padding + geom.n]
    pads = len(cells) - len(inside)
    if pads:
        inside.append(f"{pads} padding cell" + ("s" if pads > 1 else ""))
    return inside[0] if len(inside) == 1 else ", ".join(inside[:-1]) + " and " + inside[-1]


def _unused_cells_sentence(geom: WindowGeometry) -> str:
    """What no window reads, in words ("" if every cell is read)."""
    parts = []
    if geom.dropped.size:
        parts.append(f"dropped (the stride does not tile the padded input): "
                     f"{_cells_in_words(geom, geom.dropped)}")
    if geom.skipped.size:
        parts.append(f"skipped by every window: {_cells_in_words(geom, geom.skipped)}")
    return (" " + "; ".join(parts).capitalize() + ".") if parts else ""


# --------------------------------------------------------------------------------------------
# Sliding window, 1-D
# --------------------------------------------------------------------------------------------

_CELL_INCH = 0.42
_LEVEL_GAP = 0.42  # vertical distance between stacked window brackets (all-windows view)


def _sliding_1d_rows(geom: WindowGeometry, position: int | None) -> tuple[float, int]:
    """Top of the output row in data units, and the number of bracket levels."""
    if position is not None:
        return 2.7, 0
    # Windows on one level never overlap; with fewer windows than that, one level each.
    levels = min(math.ceil(geom.span / geom.stride), len(geom.taps))
    return 1.35 + _LEVEL_GAP * (levels - 1) + 0.75, levels


def _sliding_1d_size(geom: WindowGeometry, position: int | None) -> tuple[float, float]:
    out_top, _ = _sliding_1d_rows(geom, position)
    cell = min(_CELL_INCH, (MAX_FIGURE_WIDTH - 1.2) / (geom.padded + 0.6))
    width = max(6.0, min(MAX_FIGURE_WIDTH, cell * (geom.padded + 0.6) + 1.2))
    return width, cell * (out_top + 1.9) + 1.3


def _draw_sliding_1d(container: FigureBase, geom: WindowGeometry, x: np.ndarray,
                     w: np.ndarray | None, y: np.ndarray | None,
                     position: int | None) -> str:
    """Draw the 1-D sliding-window picture into a Figure or SubFigure; return its text
    alternative."""
    ax = container.add_subplot()
    p, span = geom.padding, geom.span
    window = None if position is None else geom.taps[position]
    roles = _roles_1d(geom, window)
    _draw_cells(ax, np.pad(x, p), roles, geom.is_padding())
    for i in range(geom.n):
        cell_label(ax, p + i + 0.5, -0.12, _sub("x", i + 1), ha="center", va="bottom",
                   fontsize=7, color="0.35")

    out_top, levels = _sliding_1d_rows(geom, position)
    if window is None:
        for o, taps in enumerate(geom.taps):
            level_y = 1.35 + _LEVEL_GAP * (o % levels)
            ax.add_line(Line2D(taps + 0.5, np.full(len(taps), level_y), color=WINDOW_COLOR,
                               linewidth=1.6, marker="o", markersize=4.5,
                               markeredgecolor=BLACK, markeredgewidth=0.6, gid="window"))
    else:
        left, right = window[0] + 0.08, window[-1] + 0.92
        ax.add_line(Line2D([left, left, right, right], [1.1, 1.25, 1.25, 1.1], color=BLACK,
                           linewidth=1.0, gid="bracket"))
        for j, tap in enumerate(window):
            label = _sub("w", j + 1) if w is None else f"×{format_value(w[j])}"
            cell_label(ax, tap + 0.5, 1.32, label, ha="center", va="top", fontsize=8)

    out_x = np.arange(geom.n_out) * geom.stride + (span - 1) / 2  # centred under its window
    out_labels = [_sub("y", o + 1) for o in range(geom.n_out)] if y is None else None
    for o in range(geom.n_out):
        patch = draw_grid(ax, [0.0 if y is None else y[o]], origin=(out_x[o], out_top),
                          facecolors=[[OUTPUT_COLOR]], labels=y is not None, gid="output")[0]
        if o == position:
            patch.set_linewidth(2.4)
        if out_labels is not None:
            cell_label(ax, out_x[o] + 0.5, out_top + 0.5, out_labels[o], ha="center",
                       va="center", fontsize=9)
    if window is not None:
        ax.add_patch(FancyArrowPatch((window.mean() + 0.5, 1.75),
                                     (out_x[position] + 0.5, out_top - 0.05),
                                     arrowstyle="-|>", mutation_scale=10, color=BLACK,
                                     linewidth=1.0, shrinkA=0, shrinkB=0, gid="arrow"))

    finish_grid_axes(ax, geom.padded, out_top + 1)
    ax.set_ylim(out_top + 1.3, -0.6)
    edge_labels(ax, "left", [0.5, out_top + 0.5],
                [f"input (n = {geom.n}, p = {p})", f"output (n_out = {geom.n_out})"],
                fontsize=8)

    which = "all windows" if position is None else f"window of {_sub('y', position + 1)}"
    container.suptitle(
        f"1-D sliding window ({which}): k = {geom.kernel_size}, stride {geom.stride}, "
        f"padding {p}, dilation {geom.dilation}\n"
        + output_size_formula(geom.n, geom.kernel_size, geom.stride, p, geom.dilation)
        + _dropped_note(len(geom.dropped), geom.dropped_padding),
        fontsize=10)
    extra = [Patch(facecolor=OUTPUT_COLOR, edgecolor=BLACK, label="output")]
    if window is None:
        extra.insert(0, Line2D([], [], color=WINDOW_COLOR, linewidth=1.6, marker="o",
                               markersize=4.5, markeredgecolor=BLACK, markeredgewidth=0.6,
                               label="a window (dot = tap)"))
    _role_legend(container, roles, extra)

    if window is None:
        def name(cell):
            inside = p <= cell < p + geom.n
            return _sub("x", int(cell) - p + 1) if inside else "0"

        spans = ["–".join((name(t[0]), name(t[-1]))) if len(t) > 1 else name(t[0])
                 for t in geom.taps[:8]]
        more = f", … ({geom.n_out - 8} more)" if geom.n_out > 8 else ""
        gaps = f", taps {geom.dilation} cells apart" if geom.dilation > 1 else ""
        shown = (f"every window drawn as a row of dots, one dot per tap; the windows read "
                 f"{', '.join(spans)}{more}{gaps} (0: padding)" if p else
                 f"every window drawn as a row of dots, one dot per tap; the windows read "
                 f"{', '.join(spans)}{more}{gaps}")
    else:
        cells = _cells_in_words(geom, window)
        shown = f"the window of {_sub('y', position + 1)} reads {cells}"
        if w is not None:
            shown += " with weights " + ", ".join(format_value(v) for v in w)
    values = "" if y is None else (" Outputs y = " + ", ".join(format_value(v) for v in y)
                                   + ".")
    return (f"1-D sliding window, n = {geom.n}, k = {geom.kernel_size}, stride {geom.stride}, "
            f"padding {p}, dilation {geom.dilation}: {geom.n_out} output"
            f"{'s' if geom.n_out != 1 else ''} ("
            + output_size_formula(geom.n, geom.kernel_size, geom.stride, p, geom.dilation)
            + f"); {shown}."
            + values + _unused_cells_sentence(geom))


def sliding_window_1d(n: int, kernel_size: int, stride: int = 1, padding: int = 0,
                      dilation: int = 1, position: int | None = None, x=None,
                      w=None) -> Figure:
    """A 1-D convolution's windows sliding along the (zero-padded) input.

    Draws the padded input row (padding grey and hatched), the window of one output (its taps
    orange, dilation gaps left white) or, when ``position`` is None, every window as a line
    with a dot per tap, stacked so that windows do not hide each other; the output row, each
    cell centred under its window; and the input cells no window reads (vermilion: the
    remainder a non-tiling stride drops; pale: cells skipped between windows or taps).

    Parameters
    ----------
    n : int
        Input length (>= 1).
    kernel_size, stride, padding, dilation : int
        As in `c182lib.shapes.conv_output_size`.
    position : int or None
        0-based index of the output whose window is highlighted (0 <= position < n_out), or
        None for all windows.
    x : array_like, shape (n,), optional
        Input values (default ``1, 2, ..., n``).
    w : array_like, shape (kernel_size,), optional
        Kernel. When given, the outputs are computed with `c182lib.conv.corr1d` and printed,
        and the highlighted window shows the weight under each tap; otherwise the outputs are
        labelled y₁, y₂, ...

    Returns
    -------
    Figure
        Title: the setting and ``n_out = ⌊(n + 2p − d(k−1) − 1)/s⌋ + 1`` with the numbers
        filled in, plus the number of dropped cells.

    Raises
    ------
    ValueError
        For an impossible setting (output size below 1), a position out of range, or ``x``/
        ``w`` of the wrong shape.
    """
    geom = window_geometry(n, kernel_size, stride, padding, dilation)
    if position is not None:
        position = as_int("position", position, 0)
        if position >= geom.n_out:
            raise ValueError(f"position must be < n_out = {geom.n_out}; got {position}")
    x = np.arange(1.0, geom.n + 1) if x is None else as_float_array("x", x, ndim=1)
    check_shape("x", x, (geom.n,))
    y = None
    if w is not None:
        w = as_float_array("w", w, ndim=1)
        check_shape("w", w, (geom.kernel_size,))
        y = corr1d(x, w, stride=stride, padding=padding, dilation=dilation)
    fig = new_figure(*_sliding_1d_size(geom, position))
    return describe(fig, _draw_sliding_1d(fig, geom, x, w, y, position))


# --------------------------------------------------------------------------------------------
# Sliding window, 2-D
# --------------------------------------------------------------------------------------------

def _geometry_2d(input_hw, kernel_size, stride, padding, dilation):
    """(rows, cols) `WindowGeometry` pair for a 2-D setting (ints or pairs)."""
    h, w = as_int_pair("input_hw", input_hw, 1)
    kh, kw = as_int_pair("kernel_size", kernel_size, 1)
    sh, sw = as_int_pair("stride", stride, 1)
    ph, pw = as_int_pair("padding", padding, 0)
    dh, dw = as_int_pair("dilation", dilation, 1)
    return window_geometry(h, kh, sh, ph, dh), window_geometry(w, kw, sw, pw, dw)


def _roles_2d(rows: WindowGeometry, cols: WindowGeometry,
              position: tuple[int, int] | None) -> tuple[np.ndarray, np.ndarray]:
    """Role of every padded cell (precedence as in 1-D) and the padding mask."""
    padding = rows.is_padding()[:, None] | cols.is_padding()[None, :]
    roles = np.where(padding, "padding", "input").astype(object)
    roles[rows.skipped, :] = "skipped"
    roles[:, cols.skipped] = "skipped"
    roles[rows.dropped, :] = "dropped"
    roles[:, cols.dropped] = "dropped"
    if position is not None:
        i, j = position
        roles[np.ix_(rows.taps[i], cols.taps[j])] = "window"
    return roles, padding


def _sliding_2d_size(rows: WindowGeometry, cols: WindowGeometry) -> tuple[float, float]:
    units_w = cols.padded + cols.n_out + 2.5
    units_h = max(rows.padded, rows.n_out) + 1.0
    cell = min(0.34, (MAX_FIGURE_WIDTH - 0.6) / units_w, 4.5 / units_h)
    return max(6.0, cell * units_w + 0.6), cell * units_h + 1.5


def _draw_sliding_2d(container: FigureBase, rows: WindowGeometry, cols: WindowGeometry,
                     position: tuple[int, int] | None) -> str:
    """Draw the 2-D sliding-window picture (input grid | output grid) into ``container``;
    return its text alternative."""
    ax_in, ax_out = container.subplots(
        1, 2, gridspec_kw={"width_ratios": [cols.padded + 0.6, cols.n_out + 0.6]})
    roles, padding = _roles_2d(rows, cols, position)
    _draw_cells(ax_in, np.zeros(roles.shape), roles, padding, labels=False)
    anchor_r, anchor_c = np.meshgrid(rows.taps[:, 0], cols.taps[:, 0], indexing="ij")
    ax_in.add_line(Line2D(anchor_c.ravel() + 0.5, anchor_r.ravel() + 0.5, linestyle="none",
                          marker="o", markersize=3, color=BLACK, gid="anchors"))
    finish_grid_axes(ax_in, cols.padded, rows.padded)
    ax_in.set_title(f"input {rows.n} × {cols.n}, padded to {rows.padded} × {cols.padded}",
                    fontsize=9)

    out_shape = (rows.n_out, cols.n_out)
    patches = draw_grid(ax_out, np.zeros(out_shape),
                        facecolors=np.full(out_shape, OUTPUT_COLOR, dtype=object),
                        labels=False, gid="output")
    finish_grid_axes(ax_out, cols.n_out, rows.n_out)
    ax_out.set_ylim(max(rows.padded, rows.n_out) + 0.3, -0.3)
    ax_out.set_title(f"output {rows.n_out} × {cols.n_out}", fontsize=9)
    ax_in.set_ylim(max(rows.padded, rows.n_out) + 0.3, -0.3)
    if position is not None:
        i, j = position
        patches[i * cols.n_out + j].set_linewidth(2.4)
        centre_in = (cols.taps[j].mean() + 0.5, rows.taps[i].mean() + 0.5)
        container.add_artist(ConnectionPatch(
            centre_in, (j + 0.5, i + 0.5), coordsA=ax_in.transData, coordsB=ax_out.transData,
            arrowstyle="-|>", mutation_scale=10, color=BLACK, linewidth=1.0, gid="arrow"))

    def setting(attr):
        a, b = getattr(rows, attr), getattr(cols, attr)
        return f"{a}" if a == b else f"({a}, {b})"

    def formula(geom, name):
        return output_size_formula(geom.n, geom.kernel_size, geom.stride, geom.padding,
                                   geom.dilation, name=name)

    if formula(rows, "") == formula(cols, ""):
        sizes = formula(rows, "H_out = W_out")
    else:
        sizes = formula(rows, "H_out") + "\n" + formula(cols, "W_out")
    dropped = int((roles == "dropped").sum())
    dropped_padding = int(((roles == "dropped") & padding).sum())
    which = ("window starts" if position is None
             else f"window of {_sub('y', position[0] + 1, position[1] + 1)}")
    container.suptitle(
        f"2-D sliding window ({which})\nk = {setting('kernel_size')}, "
        f"stride {setting('stride')}, padding {setting('padding')}, "
        f"dilation {setting('dilation')}\n{sizes}"
        # The note on its own line: after the formula it ran past a 6-inch figure's edge.
        + _dropped_note(dropped, dropped_padding).replace("; ", "\n", 1),
        fontsize=10)
    extra = [Patch(facecolor=OUTPUT_COLOR, edgecolor=BLACK, label="output"),
             Line2D([], [], linestyle="none", marker="o", markersize=3, color=BLACK,
                    label="window start (stride)")]
    _role_legend(container, roles, extra)

    if position is None:
        shown = f"a dot marks where each of the {rows.n_out * cols.n_out} windows starts"
    else:
        i, j = position
        shown = (f"the window of {_sub('y', i + 1, j + 1)} covers padded rows "
                 f"{rows.taps[i][0] + 1}–{rows.taps[i][-1] + 1} and columns "
                 f"{cols.taps[j][0] + 1}–{cols.taps[j][-1] + 1}")
    unused = ""
    if dropped:
        lines = " and ".join(f"{count} {what}{'s' if count > 1 else ''}" for count, what in
                             ((rows.dropped.size, "row"), (cols.dropped.size, "column"))
                             if count)
        of_padding = f", {dropped_padding} of them padding" if dropped_padding else ""
        unused = f" {lines} dropped ({dropped} cells{of_padding})."
    skipped = int((roles == "skipped").sum())
    if skipped:
        unused += f" {skipped} cells skipped by every window."
    return (f"2-D sliding window, input {rows.n} × {cols.n}, k = {setting('kernel_size')}, "
            f"stride {setting('stride')}, padding {setting('padding')}, dilation "
            f"{setting('dilation')}: output {rows.n_out} × {cols.n_out} "
            f"({sizes.replace(chr(10), '; ')}); {shown}." + unused)


def sliding_window_2d(input_hw, kernel_size, stride=1, padding=0, dilation=1,
                      position: tuple[int, int] | None = None) -> Figure:
    """A 2-D convolution's window on the padded input grid, beside the output grid.

    The input grid shows the padding ring (grey, hatched), a dot where
    every window starts (the stride lattice), the taps of the window of output ``position``
    (orange; dilation gaps white), and the rows/columns no window reads: vermilion for the
    remainder a non-tiling stride drops, pale vermilion for rows/columns skipped between
    windows or taps. The output grid beside it has the selected output outlined and an arrow
    from its window.

    Parameters
    ----------
    input_hw : int or (int, int)
        Input height and width (one int: square).
    kernel_size, stride, padding, dilation : int or (int, int)
        Per axis ``(rows, cols)`` or one value for both, as in
        `c182lib.shapes.conv_output_shape`.
    position : (int, int) or None
        0-based output index ``(i, j)`` whose window is highlighted, or None (only the window
        starts are drawn).

    Returns
    -------
    Figure
        Title: ``H_out``/``W_out`` with the output-size rule filled in, and the number of
        dropped cells.

    Raises
    ------
    ValueError
        For an impossible setting (output size below 1) or a position outside the output.
    """
    rows, cols = _geometry_2d(input_hw, kernel_size, stride, padding, dilation)
    if position is not None:
        i, j = as_int_pair("position", position, 0)
        if i >= rows.n_out or j >= cols.n_out:
            raise ValueError(f"position must lie in the {rows.n_out} × {cols.n_out} output; "
                             f"got {(i, j)}")
        position = (i, j)
    fig = new_figure(*_sliding_2d_size(rows, cols))
    return describe(fig, _draw_sliding_2d(fig, rows, cols, position))


# --------------------------------------------------------------------------------------------
# Convolution as a matrix
# --------------------------------------------------------------------------------------------

_TEXT_CELL_LIMIT = 40  # print symbols in the cells only up to this many columns


def _dilate_2d(kernel: np.ndarray, dilation: tuple[int, int]) -> np.ndarray:
    """``kernel`` with ``d - 1`` zeros between neighbouring taps along each axis.

    A dilated convolution *is* the ordinary convolution with this kernel, so the explicit
    matrix of a dilated 2-D convolution (which `conv_matrix_2d` does not take) is the matrix
    of the zero-filled kernel.
    """
    shape = tuple(d * (k - 1) + 1 for k, d in zip(kernel.shape, dilation, strict=True))
    out = np.zeros(shape)
    out[:: dilation[0], :: dilation[1]] = kernel
    return out


def _tap_map(matrix_of, kernel_shape: tuple[int, ...]) -> np.ndarray:
    """Which kernel tap (flat index) each matrix entry holds, -1 for a structural zero.

    ``matrix_of(kernel)`` returns the explicit matrix for a kernel of ``kernel_shape``. Feeding
    it one-hot kernels reads the tap map off the library's own matrices, so the picture shows
    exactly what `conv_matrix_1d`/`conv_matrix_2d` build, whatever the weights' values.
    """
    n_taps = math.prod(kernel_shape)
    onehots = np.eye(n_taps).reshape(n_taps, *kernel_shape)
    stacked = np.stack([matrix_of(e) != 0 for e in onehots])
    return np.where(stacked.any(axis=0), stacked.argmax(axis=0), -1)


class _MatrixParts(NamedTuple):
    """What a drawing of the explicit convolution matrix needs (see `_matrix_panel`)."""

    kernel: np.ndarray      # the validated kernel, shape (k,) or (KH, KW)
    taps: np.ndarray        # (rows, cols): flat tap index of every entry, -1 where W is zero
    symbols: list[str]      # one per tap: w₁, w₂, ... or w₁,₁, w₁,₂, ...
    row_labels: list[str]   # one per output
    col_labels: list[str]   # one per input (or padded input) entry
    acts_on: str            # what W multiplies, for the title


def _matrix_panel(container: FigureBase, parts: _MatrixParts, heading: str) -> str:
    """Draw the matrix into ``container`` with ``heading``, `_matrix_title` and `_tap_legend`;
    return its text alternative (the title, and the weights' values)."""
    _draw_matrix(container.add_subplot(), parts.taps, parts.symbols, parts.row_labels,
                 parts.col_labels)
    title = _matrix_title(parts.taps, len(parts.symbols), parts.acts_on)
    container.suptitle(heading + "\n" + title, fontsize=10)
    _tap_legend(container, parts.symbols, parts.kernel.ravel())
    weights = ", ".join(f"{symbol} = {format_value(value)}"
                        for symbol, value in zip(parts.symbols, parts.kernel.ravel(),
                                                 strict=True))
    return (f"{heading}. {title.replace(chr(10), '; ')}. Each weight lies on its own diagonal "
            f"band ({weights}); every other entry is zero.")


def _draw_matrix(ax: Axes, taps: np.ndarray, symbols: list[str], row_labels: list[str],
                 col_labels: list[str]) -> None:
    """The explicit matrix as an image: each tap its own colour, zeros blank."""
    rows, cols = taps.shape
    n_taps = len(symbols)
    ax.imshow(np.ma.masked_less(taps, 0), cmap=tap_colormap(n_taps), vmin=-0.5,
              vmax=n_taps - 0.5, interpolation="nearest", aspect="equal", gid="matrix")
    if cols <= _TEXT_CELL_LIMIT:
        for r, c in zip(*np.nonzero(taps >= 0), strict=True):
            t = int(taps[r, c])
            cell_label(ax, c, r, symbols[t], ha="center", va="center",
                       fontsize=7 if cols > 16 else 8,
                       color=_text_color(TAP_COLORS[t % len(TAP_COLORS)]))
        ax.vlines(np.arange(1, cols) - 0.5, -0.5, rows - 0.5, color="0.8", linewidth=0.5)
        ax.hlines(np.arange(1, rows) - 0.5, -0.5, cols - 0.5, color="0.8", linewidth=0.5)
    ax.set_xticks([])
    ax.set_yticks([])
    if cols <= 24:
        edge_labels(ax, "top", range(cols), col_labels, fontsize=7,
                    rotation=90 if cols > 12 else 0)
        edge_labels(ax, "left", range(rows), row_labels, fontsize=7)


def _matrix_title(taps: np.ndarray, n_taps: int, acts_on: str) -> str:
    """Shape, density and how often each weight is reused."""
    rows, cols = taps.shape
    nnz = int((taps >= 0).sum())
    uses = np.bincount(taps[taps >= 0], minlength=n_taps)
    if uses.min() == uses.max():
        sharing = f"each of the {n_taps} weights appears {uses.min()} times"
    else:
        sharing = (f"each of the {n_taps} weights appears {uses.min()}–{uses.max()} times "
                   "(taps on padding are not in W)")
    return (f"W is {rows} × {cols}, acting on {acts_on}\n"
            f"{nnz} of {rows * cols} entries non-zero: density {nnz / (rows * cols):.3g}\n"
            f"{sharing}")


def _matrix_size(rows: int, cols: int) -> tuple[float, float]:
    """Figure width and height (inches) for a ``rows`` × ``cols`` matrix."""
    cell = min(0.45, (MAX_FIGURE_WIDTH - 1.2) / cols, 5.0 / rows)
    return max(6.0, cols * cell + 1.2), rows * cell + 2.0


def _tap_legend(container: FigureBase, symbols: list[str], values: np.ndarray) -> None:
    """One legend entry per tap (its colour, symbol and value), when there are few taps."""
    if len(symbols) > 9:
        return
    handles = [Patch(facecolor=TAP_COLORS[t % len(TAP_COLORS)], edgecolor=BLACK,
                     label=f"{symbols[t]} = {format_value(values[t])}")
               for t in range(len(symbols))]
    container.legend(handles=handles, loc="outside lower center",
                     ncols=min(len(handles), 5), fontsize=8, frameon=False)


def _conv_matrix_1d_parts(n, w, stride, padding, dilation, on_padded) -> _MatrixParts:
    """Tap map, symbols, labels and description of the 1-D matrix (drawn by two callers)."""
    w = as_float_array("w", w, ndim=1)
    n = as_int("n", n, 1)
    p = as_int("padding", padding, 0)
    d = as_int("dilation", dilation, 1)
    taps = _tap_map(lambda kern: conv_matrix_1d(n, kern, stride=stride, padding=p,
                                                on_padded=on_padded, dilation=d), w.shape)
    if on_padded:
        col_labels = ["0"] * p + [_sub("x", i + 1) for i in range(n)] + ["0"] * p
        acts_on = f"the padded x̄ (length {n} + 2·{p} = {n + 2 * p})"
    else:
        col_labels = [_sub("x", i + 1) for i in range(n)]
        acts_on = f"x (length {n}; the padding's columns are left out)" if p else f"x ({n})"
    symbols = [_sub("w", j + 1) for j in range(len(w))]
    row_labels = [_sub("y", o + 1) for o in range(taps.shape[0])]
    return _MatrixParts(w, taps, symbols, row_labels, col_labels, acts_on)


def conv_matrix_figure(n: int, w, stride: int = 1, padding: int = 0, on_padded: bool = False,
                       dilation: int = 1) -> Figure:
    """The explicit matrix W of a 1-D convolution (``y = W x``), showing sparsity and sharing.

    Each kernel tap has its own colour (so the repeated weights line up on diagonals), zeros
    are blank, and for small sizes every non-zero cell is labelled with its symbol (w₁, w₂,
    ...). The entries are read off `c182lib.conv.conv_matrix_1d` itself.

    Parameters
    ----------
    n : int
        Input length.
    w : array_like, shape (k,)
        Kernel (its values are listed in the legend).
    stride, padding, dilation : int
        As in `c182lib.shapes.conv_output_size`; a dilated kernel is drawn as ``w`` with
        ``dilation - 1`` zeros between taps.
    on_padded : bool
        If True, W acts on the padded input x̄ (length ``n + 2p``, as in the worksheet's 4 × 6
        example); otherwise on x itself (length n, the padding's columns removed).

    Returns
    -------
    Figure
        Title: the shape of W, the density (fraction of non-zero entries) and how often each
        weight is reused. The image (gid ``"matrix"``) holds the tap index of every entry, masked
        where W is zero.
    """
    parts = _conv_matrix_1d_parts(n, w, stride, padding, dilation, on_padded)
    fig = new_figure(*_matrix_size(*parts.taps.shape))
    return describe(fig, _matrix_panel(
        fig, parts, f"1-D convolution as a matrix (k = {len(parts.kernel)}, stride {stride}, "
                    f"padding {padding}, dilation {dilation})"))


def _conv_matrix_2d_parts(input_hw, w, stride, padding, dilation, on_padded) -> _MatrixParts:
    """Tap map, symbols, labels and description of the 2-D (doubly block Toeplitz) matrix."""
    w = as_float_array("w", w, ndim=2, layout="(KH, KW)")
    rows, cols = _geometry_2d(input_hw, w.shape, stride, padding, dilation)
    (h, wd), (ph, pw) = (rows.n, cols.n), (rows.padding, cols.padding)
    d = (rows.dilation, cols.dilation)
    s = (rows.stride, cols.stride)
    taps = _tap_map(lambda kern: conv_matrix_2d((h, wd), _dilate_2d(kern, d), stride=s,
                                                padding=(ph, pw), on_padded=on_padded),
                    w.shape)
    if on_padded:
        pad = rows.is_padding()[:, None] | cols.is_padding()[None, :]
        col_labels = ["0" if pad[r, c] else _sub("x", r - ph + 1, c - pw + 1)
                      for r in range(rows.padded) for c in range(cols.padded)]
        acts_on = (f"the padded x̄ ({rows.padded} × {cols.padded} = "
                   f"{rows.padded * cols.padded} pixels, row-major)")
    else:
        col_labels = [_sub("x", r + 1, c + 1) for r in range(h) for c in range(wd)]
        acts_on = f"x ({h} × {wd} = {h * wd} pixels, row-major)"
    symbols = [_sub("w", a + 1, b + 1) for a in range(w.shape[0]) for b in range(w.shape[1])]
    row_labels = [_sub("y", i + 1, j + 1) for i in range(rows.n_out) for j in range(cols.n_out)]
    return _MatrixParts(w, taps, symbols, row_labels, col_labels, acts_on)


def conv_matrix_2d_figure(input_hw, w, stride=1, padding=0, on_padded: bool = False,
                          dilation=1) -> Figure:
    """The explicit matrix of a 2-D convolution on a flattened (row-major) image.

    The same picture as `conv_matrix_figure`, from `c182lib.conv.conv_matrix_2d`: one row per
    output pixel, one column per input pixel, each of the KH·KW taps its own colour (the
    palette has 9 colours, so the taps of kernels larger than 3 × 3 share colours: the printed
    symbols tell them apart). The band structure is "doubly block Toeplitz": Toeplitz blocks
    arranged in a Toeplitz pattern.

    Parameters
    ----------
    input_hw : int or (int, int)
        Input height and width.
    w : array_like, shape (KH, KW)
        Kernel.
    stride, padding, dilation : int or (int, int)
        Per axis or one value for both.
    on_padded : bool
        Act on the padded image (``(H + 2p)(W + 2p)`` columns) instead of the image itself.

    Returns
    -------
    Figure
        Title with the shape of W, its density and the reuse of each weight; the image (gid
        ``"matrix"``) holds the flat tap index ``a * KW + b`` of every entry, masked at zeros.
    """
    parts = _conv_matrix_2d_parts(input_hw, w, stride, padding, dilation, on_padded)
    fig = new_figure(*_matrix_size(*parts.taps.shape))
    kh, kw = parts.kernel.shape
    return describe(fig, _matrix_panel(
        fig, parts, f"2-D convolution as a matrix (k = {kh} × {kw}, stride {stride}, "
                    f"padding {padding}, dilation {dilation})"))


def matrix_density_figure(max_n: int = 32, kernel_size: int = 3,
                          extrapolate_to: int = 256) -> Figure:
    """How the fraction of non-zero entries of the convolution matrix falls as inputs grow.

    For a stride-1, unpadded convolution every row of W holds the k (1-D) or k² (2-D) taps, so
    the density is ``k / n`` in 1-D and ``(k / n)²`` for an n × n image. Markers are counted
    on the real matrices from `conv_matrix_1d` and `conv_matrix_2d`; lines are the formulas,
    dashed beyond the computed sizes up to ``extrapolate_to`` (a typical image side).

    Parameters
    ----------
    max_n : int
        Largest input side for which the matrices are built (``>= kernel_size``).
    kernel_size : int
        k (a k × k kernel in 2-D).
    extrapolate_to : int
        Largest n of the formula lines (``>= max_n``).

    Returns
    -------
    Figure
        Log-log axes; lines with gids ``"measured_1d"``, ``"measured_2d"``, ``"formula_1d"``,
        ``"formula_2d"``.
    """
    k = as_int("kernel_size", kernel_size, 1)
    max_n = as_int("max_n", max_n, k)
    extrapolate_to = as_int("extrapolate_to", extrapolate_to, max_n)
    ns = np.unique(np.geomspace(k, max_n, 12).round().astype(int))
    density_1d = [np.count_nonzero(m) / m.size
                  for m in (conv_matrix_1d(n, np.ones(k)) for n in ns)]
    density_2d = [np.count_nonzero(m) / m.size
                  for m in (conv_matrix_2d((n, n), np.ones((k, k))) for n in ns)]

    fig = new_figure(7.0, 4.6)
    ax = fig.add_subplot()
    measured = np.arange(k, max_n + 1)
    beyond = np.arange(max_n, extrapolate_to + 1)
    for label, power, values, color, marker in (
            ("1-D, length n", 1, density_1d, TAP_COLORS[0], "o"),
            ("2-D, n × n image", 2, density_2d, TAP_COLORS[1], "s")):
        dim = f"{power}d"
        ax.plot(ns, values, linestyle="none", marker=marker, color=color,
                markeredgecolor=BLACK, label=f"{label}: counted in the matrix",
                gid=f"measured_{dim}")
        formula = "k / n" if power == 1 else "(k / n)²"
        ax.plot(measured, (k / measured) ** power, color=color, label=f"{label}: {formula}",
                gid=f"formula_{dim}")
        ax.plot(beyond, (k / beyond) ** power, color=color, linestyle="--")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("input side n")
    ax.set_ylabel("fraction of non-zero entries of W")
    ax.grid(which="major", color="0.85")
    ax.text(0.02, 0.04,
            f"n = {extrapolate_to}: 1-D {k / extrapolate_to:.2g}, "
            f"2-D {(k / extrapolate_to) ** 2:.2g}\n(dashed: formula beyond the computed sizes)",
            transform=ax.transAxes, fontsize=8, va="bottom")
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title(f"Convolution matrices are sparse: density of W for a {k}-tap kernel "
                 f"(stride 1, no padding)", fontsize=10)
    return describe(fig, f"Log-log plot of the fraction of non-zero entries of the "
                         f"convolution matrix W against the input side n, for a {k}-tap kernel "
                         f"(stride 1, no padding): 1-D (circles) follows k / n, 2-D (squares) "
                         f"(k / n)², counted on the matrices for n = {ns[0]} to {ns[-1]} and "
                         f"extrapolated (dashed) to n = {extrapolate_to}, where the density is "
                         f"{k / extrapolate_to:.2g} in 1-D and {(k / extrapolate_to) ** 2:.2g} "
                         f"in 2-D.")


# --------------------------------------------------------------------------------------------
# The explorer's figure: sliding window, optionally with the matrix below
# --------------------------------------------------------------------------------------------

def conv_explorer_figure(dims: int = 1, n: int = 7, kernel_size: int = 3, stride: int = 1,
                         padding: int = 0, dilation: int = 1,
                         show_matrix: bool = False) -> Figure:
    """The convolution explorer's picture: the sliding window and, on request, the matrix.

    In 1-D all windows are drawn (`sliding_window_1d` with ``position=None``); in 2-D an
    ``n × n`` input with a ``k × k`` kernel and the window of the last output, next to the
    rows and columns it leaves out (`sliding_window_2d`). With ``show_matrix`` the explicit
    matrix (`conv_matrix_figure` / `conv_matrix_2d_figure`, acting on the unpadded input,
    kernel ``1, 2, ..., k`` or ``1 .. k²``) is drawn below.

    Parameters
    ----------
    dims : {1, 2}
    n, kernel_size, stride, padding, dilation : int
        Same value along both axes in 2-D.
    show_matrix : bool

    Returns
    -------
    Figure
        One figure; with ``show_matrix`` it has two subfigures (sliding window, matrix).

    Raises
    ------
    ValueError
        For an impossible setting (output size below 1) or ``dims`` not 1 or 2.
    """
    if dims not in (1, 2):
        raise ValueError(f"dims must be 1 or 2; got {dims!r}")
    if dims == 1:
        geom = window_geometry(n, kernel_size, stride, padding, dilation)
        top_size = _sliding_1d_size(geom, None)

        def draw_top(container):
            return _draw_sliding_1d(container, geom, np.arange(1.0, geom.n + 1), None, None,
                                    None)
    else:
        rows, cols = _geometry_2d(n, kernel_size, stride, padding, dilation)
        top_size = _sliding_2d_size(rows, cols)

        def draw_top(container):
            return _draw_sliding_2d(container, rows, cols, (rows.n_out - 1, cols.n_out - 1))

    if not show_matrix:
        fig = new_figure(*top_size)
        return describe(fig, draw_top(fig))

    k = kernel_size
    if dims == 1:
        parts = _conv_matrix_1d_parts(n, np.arange(1.0, k + 1), stride, padding, dilation,
                                      on_padded=False)
    else:
        parts = _conv_matrix_2d_parts(n, np.arange(1.0, k * k + 1).reshape(k, k), stride,
                                      padding, dilation, on_padded=False)
    matrix_width, matrix_height = _matrix_size(*parts.taps.shape)
    fig = new_figure(max(top_size[0], matrix_width), top_size[1] + matrix_height)
    top, bottom = fig.subfigures(2, 1, height_ratios=[top_size[1], matrix_height])
    sliding = draw_top(top)
    matrix = _matrix_panel(bottom, parts, "Below, the same convolution as a matrix (kernel 1, "
                                          "2, 3, ...)")
    return describe(fig, f"{sliding} {matrix}")


# --------------------------------------------------------------------------------------------
# im2col
# --------------------------------------------------------------------------------------------

def _im2col_matrix(x: np.ndarray, kernel_size, stride, padding) -> np.ndarray:
    """`im2col` of a single-channel image ``x`` (H, W): one row per kernel tap (row-major),
    one column per window (row-major)."""
    return im2col(x[None, None], kernel_size, stride=stride, padding=padding)[0]


def im2col_figure(x=(4, 4), kernel_size=3, stride=1, padding=0) -> Figure:
    """The im2col matrix of a small single-channel image, beside the image.

    Every column of the im2col matrix is one window, unrolled; a convolution is then one
    matrix product, ``y = w_row @ cols``. Each input entry is coloured by its position in the
    image (the same colour in the image and in the matrix), so the repeated entries stand
    out; padding zeros are grey and hatched. The image also shows how many times each entry
    is copied (×m).

    Parameters
    ----------
    x : (int, int) or array_like, shape (H, W)
        The image, or its shape (then its values are ``1, 2, ..., H·W`` in row-major order).
    kernel_size, stride, padding : int or (int, int)
        As in `c182lib.conv.im2col`.

    Returns
    -------
    Figure
        Two axes: the padded image and the im2col matrix (cells with gid ``"input"``/
        ``"padding"``). The matrix cells' labels are the values of
        ``c182lib.conv.im2col(x)``.
    """
    if isinstance(x, tuple) and len(x) == 2 and all(isinstance(v, int) for v in x):
        h, w = as_int_pair("x", x, 1)
        x = np.arange(1.0, h * w + 1).reshape(h, w)
    x = as_float_array("x", x, ndim=2, layout="(H, W)")
    h, w = x.shape
    kh, kw = as_int_pair("kernel_size", kernel_size, 1)
    rows, cols = _geometry_2d((h, w), (kh, kw), stride, padding, 1)
    cols_values = _im2col_matrix(x, (kh, kw), stride, padding)
    # im2col of the 1-based position image says where each entry of cols_values came from.
    source = _im2col_matrix(np.arange(1.0, h * w + 1).reshape(h, w), (kh, kw), stride,
                            padding).astype(int) - 1
    copies = np.bincount(source[source >= 0], minlength=h * w).reshape(h, w)

    cmap = _position_colormap(h * w)
    n_rows, n_cols = source.shape
    units_w = cols.padded + n_cols + 1.5
    cell = min(0.42, (MAX_FIGURE_WIDTH - 0.6) / units_w, 5.0 / max(n_rows, rows.padded))
    fig = new_figure(max(6.0, cell * units_w + 0.6), cell * max(n_rows, rows.padded) + 1.9)
    ax_img, ax_cols = fig.subplots(1, 2, gridspec_kw={"width_ratios": [cols.padded, n_cols]})

    padded_source = np.pad(np.arange(h * w).reshape(h, w),
                           [(rows.padding,) * 2, (cols.padding,) * 2], constant_values=-1)
    padded_x = np.pad(x, [(rows.padding,) * 2, (cols.padding,) * 2])
    fontsize = 8 if cell >= 0.3 else 6
    _draw_sources(ax_img, padded_x, padded_source, cmap, fontsize)
    for r, c in zip(*np.nonzero(padded_source >= 0), strict=True):
        cell_label(ax_img, c + 0.95, r + 0.95, f"×{copies.ravel()[padded_source[r, c]]}",
                   ha="right", va="bottom", fontsize=fontsize - 2,
                   color=_text_color(cmap(padded_source[r, c])))
    finish_grid_axes(ax_img, cols.padded, rows.padded)
    ax_img.set_title(f"image x ({h} × {w}, padding {rows.padding})", fontsize=9)

    _draw_sources(ax_cols, cols_values, source, cmap, fontsize)
    finish_grid_axes(ax_cols, n_cols, n_rows)
    ax_img.set_ylim(max(n_rows, rows.padded) + 0.3, -0.3)
    ax_cols.set_ylim(max(n_rows, rows.padded) + 0.3, -0.3)
    ax_cols.set_title(f"im2col(x): {n_rows} × {n_cols}\nrow = kernel tap, column = window",
                      fontsize=9)
    fig.suptitle(
        f"im2col: {kh} × {kw} kernel, stride {stride}, padding {padding}\n"
        f"{source.size} entries copied from {h * w} inputs (each {copies.min()}–{copies.max()}"
        f" times)\nconvolution = (1 × {n_rows} kernel row) @ ({n_rows} × {n_cols} matrix) → "
        f"{rows.n_out} × {cols.n_out} output", fontsize=10)
    return describe(fig, (
        f"im2col of a {h} × {w} image (padding {padding}) for a {kh} × {kw} kernel, stride "
        f"{stride}: the image beside its {n_rows} × {n_cols} im2col matrix, one row per kernel "
        f"tap and one column per window ({rows.n_out} × {cols.n_out} windows). The "
        f"{source.size} entries are copies of the {h * w} inputs, each input copied "
        f"{copies.min()} to {copies.max()} times (the ×m label on each image cell); an entry "
        f"has the colour of the input it copies, padding zeros are grey and hatched."))


def _position_colormap(n_positions: int) -> ListedColormap:
    """``SEQUENTIAL_CMAP`` sampled at ``n_positions`` points: colour = row-major position."""
    return ListedColormap(colormaps[SEQUENTIAL_CMAP](np.linspace(0.0, 1.0, n_positions)))


def _draw_sources(ax: Axes, values: np.ndarray, source: np.ndarray, cmap: ListedColormap,
                  fontsize: float) -> None:
    """Cells coloured by the input position they copy (-1: padding, grey and hatched)."""
    is_pad = source < 0
    faces = np.array([[PAD_COLOR if i < 0 else to_hex(cmap(int(i))) for i in row]
                      for row in source], dtype=object)
    patches = draw_grid(ax, values, facecolors=faces,
                        hatches=np.where(is_pad, PAD_HATCH, ""), labels=False)
    for patch, pad in zip(patches, is_pad.ravel(), strict=True):
        patch.set_gid("padding" if pad else "input")
    for (r, c), value in np.ndenumerate(values):
        cell_label(ax, c + 0.5, r + 0.45, format_value(value), ha="center", va="center",
                   fontsize=fontsize, color=_text_color(faces[r, c]))
