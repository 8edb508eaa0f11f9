"""c182lib: the shared, tested implementations behind the C182 CNN & RNN workbook.

Modules (one concept each): `shapes`, `conv`, `pool`, `batchnorm`, `rnn`, `gradcheck`,
`figures`, `widgets`, `checks`. Import what you need, e.g. ``from c182lib.conv import corr1d``.
"""

__version__ = "0.1.0"
