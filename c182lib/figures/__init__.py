"""Figures: plain functions that compute with c182lib and return a matplotlib ``Figure``.

The widgets call the same functions, so a static figure and a slider's redraw never disagree.
In a notebook, run ``%matplotlib inline`` once so a returned Figure is shown as an image.
`new_figure` and the colour maps are exported for one-off pictures in the same style.
Every figure carries a text alternative built from its data (`describe` sets it, `alt_text`
reads it); a notebook shows it as the image's alt text and as the output's plain text.
"""

from ._common import (
    DIVERGING_CMAP,
    SEQUENTIAL_CMAP,
    DescribedFigure,
    alt_text,
    describe,
    new_figure,
)
from .batchnorm import batchnorm_channel_stats_figure, batchnorm_layout_figure
from .conv import (
    conv_explorer_figure,
    conv_matrix_2d_figure,
    conv_matrix_figure,
    im2col_figure,
    matrix_density_figure,
    output_size_formula,
    sliding_window_1d,
    sliding_window_2d,
)
from .pool import (
    gradient_source_counts,
    gradient_spread_sentence,
    pool_gradient_routing,
    pooling_figure,
    stacked_pooling_figure,
)
from .rnn import (
    gradient_check_figure,
    gradient_norms_figure,
    hidden_state_figure,
    problem_types_figure,
    training_loss_figure,
    unrolled_rnn_figure,
    vanishing_exploding_figure,
)

__all__ = [
    "DIVERGING_CMAP",
    "SEQUENTIAL_CMAP",
    "DescribedFigure",
    "alt_text",
    "batchnorm_channel_stats_figure",
    "batchnorm_layout_figure",
    "conv_explorer_figure",
    "conv_matrix_2d_figure",
    "conv_matrix_figure",
    "describe",
    "gradient_check_figure",
    "gradient_norms_figure",
    "gradient_source_counts",
    "gradient_spread_sentence",
    "hidden_state_figure",
    "im2col_figure",
    "matrix_density_figure",
    "new_figure",
    "output_size_formula",
    "pool_gradient_routing",
    "pooling_figure",
    "problem_types_figure",
    "sliding_window_1d",
    "sliding_window_2d",
    "stacked_pooling_figure",
    "training_loss_figure",
    "unrolled_rnn_figure",
    "vanishing_exploding_figure",
]
