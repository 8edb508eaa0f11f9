"""The convolution explorer: vary input size, kernel, stride, padding and dilation and watch
the windows, the output size and (on request) the explicit matrix change.

A thin shell over `c182lib.figures.conv.conv_explorer_figure`; the status line is
`describe_conv`, built on `c182lib.figures.conv.output_size_formula`.
"""

from __future__ import annotations

import html

from c182lib._validate import as_bool, as_int
from c182lib.figures.conv import conv_explorer_figure, output_size_formula
from c182lib.shapes import window_geometry
from c182lib.widgets import _base

# The sliders' ranges, which the starting values must respect too: within them every redraw
# takes well under a second (the largest matrix view, 2-D with n = 16 and padding 3, is
# 484 x 484).
RANGES = {"n": (1, 16), "kernel_size": (1, 7), "stride": (1, 4), "padding": (0, 3),
          "dilation": (1, 3)}


def _cell_count(count: int, dims: int) -> str:
    """``"2 input cells"`` in 1-D, ``"2 rows and 2 columns"`` in 2-D (square input)."""
    s = "" if count == 1 else "s"
    return f"{count} input cell{s}" if dims == 1 else f"{count} row{s} and {count} column{s}"


def describe_conv(dims: int, n: int, kernel_size: int, stride: int, padding: int,
                  dilation: int, show_matrix: bool = False) -> str:
    """Status line (HTML): the output size with the formula filled in, and unused cells.

    E.g. ``n_out = ⌊(8 + 2·0 − 1·(3 − 1) − 1) / 2⌋ + 1 = 3; 1 input cell dropped ...``.
    Cells after the last window are "dropped" (the remainder of a stride that does not tile);
    cells before it that no window reads (stride larger than the window, or dilation gaps in
    step with the stride) are "skipped".
    ``show_matrix`` is accepted (every control's value is passed) and ignored.

    Raises
    ------
    ValueError
        From `c182lib.shapes.conv_output_size` when the output would be smaller than 1; the
        explorer shows its message.
    """
    geom = window_geometry(n, kernel_size, stride, padding, dilation)
    name = "n_out" if dims == 1 else "H_out = W_out"
    text = output_size_formula(n, kernel_size, stride, padding, dilation, name=name)
    if dims == 2:
        text += f" (output {geom.n_out} × {geom.n_out})"
    if geom.dropped.size:
        text += (f"; {_cell_count(geom.dropped.size, dims)} dropped: the stride does not tile"
                 " the padded input")
        if geom.dropped_padding:
            text += f" ({geom.dropped_padding} of them padding)"
    if geom.skipped.size:
        text += f"; {_cell_count(geom.skipped.size, dims)} skipped: no window reads them"
    return html.escape(text)


def conv_explorer(dims: int = 1, n: int = 7, kernel_size: int = 3, stride: int = 1,
                  padding: int = 0, dilation: int = 1, show_matrix: bool = False):
    """Interactive convolution explorer (ipywidgets 8).

    Parameters
    ----------
    dims : {1, 2}
        Start in 1-D or 2-D (a toggle switches).
    n : int
        Input length (1-D) or side of the square input (2-D), 1..16.
    kernel_size, stride, padding, dilation : int
        Starting values of their sliders (1..7, 1..4, 0..3, 1..3: `RANGES`).
    show_matrix : bool
        Also draw the explicit convolution matrix.

    Returns
    -------
    Explorer or Figure
        The widget: ``.controls`` has ``"dims"``, ``"n"``, ``"kernel_size"``, ``"stride"``,
        ``"padding"``, ``"dilation"``, ``"show_matrix"``; ``.status`` the output size (or the
        message for an impossible setting), ``.figure`` the drawn figure. Without ipywidgets,
        the static figure for the given values.

    Raises
    ------
    TypeError, ValueError
        For a starting value that is not an int (a bool for ``show_matrix``), a ``dims`` other
        than 1 or 2, or a value outside its slider's range.
    """
    values = {"dims": as_int("dims", dims), "n": as_int("n", n),
              "kernel_size": as_int("kernel_size", kernel_size), "stride": as_int("stride", stride),
              "padding": as_int("padding", padding), "dilation": as_int("dilation", dilation),
              "show_matrix": as_bool("show_matrix", show_matrix)}
    if values["dims"] not in (1, 2):
        raise ValueError(f"dims must be 1 or 2; got {values['dims']}")
    for name, (low, high) in RANGES.items():
        if not low <= values[name] <= high:
            raise ValueError(f"{name} must be between {low} and {high} in the explorer; "
                             f"got {values[name]}")
    ipywidgets = _base.ipywidgets
    if ipywidgets is None:
        return conv_explorer_figure(**values)

    def slider(name, description):
        return _base.int_slider(values[name], *RANGES[name], description)

    controls = {
        "dims": ipywidgets.ToggleButtons(options=[("1-D", 1), ("2-D", 2)], value=values["dims"],
                                         description="dims"),
        "n": slider("n", "input size n"),
        "kernel_size": slider("kernel_size", "kernel size k"),
        "stride": slider("stride", "stride s"),
        "padding": slider("padding", "padding p"),
        "dilation": slider("dilation", "dilation d"),
        "show_matrix": ipywidgets.Checkbox(value=values["show_matrix"],
                                           description="show matrix"),
    }
    return _base.build_explorer("Convolution explorer", controls, conv_explorer_figure,
                                describe_conv)
