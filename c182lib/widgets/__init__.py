"""Explorers: sliders over the figure functions (see `_base` for the shared shell).

Each returns an ipywidgets ``VBox`` (or, where ipywidgets is missing, the static default figure).
Drive one from code with ``explorer.controls["stride"].value = 2``.
"""

from .batchnorm import batchnorm_explorer
from .conv import conv_explorer
from .pool import pool_explorer
from .rnn import rnn_gradient_explorer

__all__ = ["batchnorm_explorer", "conv_explorer", "pool_explorer", "rnn_gradient_explorer"]
