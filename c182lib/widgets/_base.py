"""The one widget shell every explorer is built from.

An explorer is a column of controls, a status line and a figure. Each change of a control calls
a plain plotting function (the same one that draws the static figures) and shows the Figure it
returns; a ``ValueError`` from the library (an impossible setting, such as an output size below 1)
is shown as a message in the status line instead of a traceback. A setting shown before (a
student stepping a slider back and forth) is shown again from what was kept of it, its status
text and image, without drawing.

Front-end contract (the browser tests rely on it): the container has CSS class ``c182-explorer``,
the status line ``c182-status`` and the figure area ``c182-figure``.
"""

from __future__ import annotations

import base64
import functools
import gc
import html
import re
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from matplotlib.figure import Figure

from ..figures._common import alt_text, figure_png

try:
    import ipywidgets
except ImportError:  # pragma: no cover - exercised by tests that hide ipywidgets
    ipywidgets = None

# How many settings an explorer keeps the status and image of (the least recently shown is
# dropped first). An image is 15-200 kB of PNG in base64; the figure itself is not kept (up
# to ~9 MB).
KEPT_SETTINGS = 32


def build_explorer(title: str, controls: Mapping[str, object],
                   draw: Callable[..., Figure], describe: Callable[..., str],
                   extra_widgets: Sequence[object] = (),
                   adjust: Callable[[dict], None] | None = None):
    """Assemble an explorer from its controls and its two plain functions.

    Where ipywidgets is missing an explorer function does not call this: it returns
    ``draw(**values)``, the static figure for its starting values.

    Parameters
    ----------
    title : str
        Heading shown above the controls.
    controls : mapping of name -> ipywidgets control
        Each control's ``value`` is passed to ``draw`` and ``describe`` as keyword ``name``.
    draw : callable
        ``draw(**values) -> Figure``.
    describe : callable
        ``describe(**values) -> str``: the status text (HTML), e.g. the output size with the
        formula filled in. May raise ``ValueError`` for impossible settings.
    extra_widgets : sequence of widgets, optional
        Shown between the controls and the status line (e.g. a "new random input" button whose
        click changes a control).
    adjust : callable, optional
        ``adjust(controls)``, called before each update: brings controls that depend on
        others up to date (e.g. a choice of output cell when the output size changes). The
        changes it makes do not trigger updates of their own.

    Returns
    -------
    Explorer
        The widget (an ``ipywidgets.VBox``).
    """
    return Explorer(title, controls, draw, describe, extra_widgets, adjust)


@functools.cache
def freeze_long_lived_objects() -> None:
    """Once per process: collect the garbage, then exempt every object alive from Python's
    cyclic garbage collector (``gc.freeze``).

    Each redraw leaves the previous figure behind as cyclic garbage (thousands of artists), so
    Python soon runs a full collection, which scans every object of the kernel (~50 ms: the
    slowest slider moves). Frozen objects are not scanned; they are still freed when their
    reference count drops to zero, only a cycle among them is never reclaimed.
    """
    gc.collect()
    gc.freeze()


def int_slider(value: int, low: int, high: int, description: str):
    """An ``IntSlider`` from ``low`` to ``high`` (widened to include ``value``) that redraws on
    release, not while dragging (a redraw takes tens of milliseconds)."""
    return ipywidgets.IntSlider(value=value, min=min(low, value), max=max(high, value),
                                description=description, continuous_update=False,
                                style={"description_width": "initial"})


def seed_control(value: int):
    """The ``seed`` box of an explorer: any int32 seed >= 0."""
    return ipywidgets.BoundedIntText(value=value, min=0, max=2**31 - 1, description="seed")


if ipywidgets is not None:

    class Explorer(ipywidgets.VBox):
        """Controls + status + figure; see the module docstring.

        Attributes
        ----------
        controls : dict of name -> control
            Set ``explorer.controls["stride"].value = 2`` to drive it from code.
        status : ipywidgets.HTML
            The status line: the description, or the error message (`status_text`: the same
            as plain text).
        output : ipywidgets.Output
            Where the figure is displayed.
        figure : Figure or None
            The figure for the current values (None while the setting is impossible). For a
            setting shown from what was kept, it is drawn again when first asked for.
        error : str or None
            The message of the last ``ValueError``, or None.
        """

        def __init__(self, title, controls, draw, describe, extra_widgets=(), adjust=None):
            self.controls = dict(controls)
            self._draw = draw
            self._describe = describe
            self._adjust = adjust
            self._adjusting = False
            self._figure = None
            self._kept = OrderedDict()  # values -> _Shown, oldest first
            self.error = None
            self.status = ipywidgets.HTML()
            self.status.add_class("c182-status")
            self.output = ipywidgets.Output()
            self.output.add_class("c182-figure")
            header = ipywidgets.HTML(f"<b>{html.escape(title)}</b>")
            rows = ipywidgets.GridBox(
                list(self.controls.values()),
                layout=ipywidgets.Layout(grid_template_columns="repeat(2, max-content)"),
            )
            super().__init__([header, rows, *extra_widgets, self.status, self.output])
            self.add_class("c182-explorer")
            for control in self.controls.values():
                control.observe(self.update, names="value")
            freeze_long_lived_objects()
            self.update()

        @property
        def status_text(self) -> str:
            """The status line as plain text, for printing: h<sub>t</sub> becomes h_t,
            σ<sup>T−1</sup> becomes σ^(T−1), other tags are dropped, entities decoded."""
            text = re.sub(r"<sub>(.*?)</sub>", r"_\1", self.status.value)
            text = re.sub(r"<sup>(\w+)</sup>", r"^\1", text)
            text = re.sub(r"<sup>(.*?)</sup>", r"^(\1)", text)
            return html.unescape(re.sub(r"<[^>]+>", "", text))

        @property
        def figure(self):
            """The figure for the current values, or None (see the class docstring)."""
            if self.error is None and self._figure is None:
                self._figure = self._draw(**self.values)
            return self._figure

        @property
        def values(self) -> dict:
            """Current control values by name."""
            return {name: control.value for name, control in self.controls.items()}

        def update(self, change=None) -> None:
            """Show the current values (the callback of every control): from what was kept of
            them, or drawn."""
            if self._adjusting:
                return  # the update that called `adjust` follows
            if self._adjust is not None:
                self._adjusting = True
                try:
                    self._adjust(self.controls)
                finally:
                    self._adjusting = False
            values = self.values
            key = _setting_key(values)
            self._figure = None
            try:
                shown = self._kept.pop(key, None) or self._drawn(values)
            except ValueError as err:
                self.error = str(err)
                self.status.value = (
                    f"<span style='color:#D55E00'><b>Not possible:</b> "
                    f"{html.escape(self.error)}</span>"
                )
                self.output.outputs = ()
                return
            if key is not None:
                self._kept[key] = shown
            while len(self._kept) > KEPT_SETTINGS:
                self._kept.popitem(last=False)
            self.error = None
            self.status.value = shown.status
            self.output.outputs = (shown.output,)

        def _drawn(self, values: dict) -> _Shown:
            """Describe and draw ``values`` (the figure becomes ``self._figure``); a
            ``ValueError`` for an impossible setting passes through."""
            status = self._describe(**values)
            self._figure = self._draw(**values)
            return _Shown(status, _display_data(self._figure))


def _setting_key(values: dict) -> tuple | None:
    """The key a setting is kept under, ``((name, value), ...)``; None when a value cannot be
    part of a key (a list: such a setting is drawn every time)."""
    key = tuple(values.items())
    try:
        hash(key)
    except TypeError:
        return None
    return key


class _Shown(NamedTuple):
    """What an explorer shows for one setting: the status line and the figure's output record."""

    status: str
    output: dict


def _display_data(figure: Figure) -> dict:
    """An output record showing ``figure`` as an ``<img>`` whose alt text is its text alternative.

    The image is HTML (a PNG in a data URL) rather than an ``image/png`` output because
    JupyterLab's image renderer does not put ``metadata["image/png"]["alt"]`` on the ``<img>``
    it makes, and a screen reader reads only that attribute. The plain-text form is the same
    sentence, for front ends that show no HTML.

    The explorer sets its Output widget's ``outputs`` directly instead of calling ``display``
    inside ``with output:``. Routing displays into an Output widget is the front end's job, so
    that path only works where a front end routes them (JupyterLab, nbclient); under nbval the
    figure would land in whichever cell moved the slider. Setting the state works everywhere and
    needs no ``%matplotlib inline``.
    """
    description = alt_text(figure) or repr(figure)
    png = base64.b64encode(figure_png(figure, compress_level=1)).decode("ascii")
    return {
        "output_type": "display_data",
        "data": {
            "text/html": f'<img src="data:image/png;base64,{png}" '
                         f'alt="{html.escape(description, quote=True)}">',
            "text/plain": description,
        },
        "metadata": {},
    }
