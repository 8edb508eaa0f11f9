"""Self-checks for the workbook's exercises: run one after writing an answer.

Each notebook imports the check of its exercise and calls it on the student's function (or
class, or written answer)::

    from c182lib.checks import check_corr1d

    check_corr1d(my_corr1d)

A check prints one verdict and returns True only for ``PASS``:

- ``PASS``: every case matches the reference implementation in c182lib.
- ``FAIL``: the first case that does not match, and what differs (the wrong shape, the wrong
  entries with their indices, which gradient); often a ``hint:`` line naming the classic
  mistake that gives exactly this answer. An exception in the student's code is reported with
  its case and the student's line that raised it.
- ``TODO``: the exercise is not done yet (the stub still raises ``NotImplementedError``, or a
  written answer is still ``None``).

A check never raises on a student's answer, so a notebook whose exercises are not done yet
still runs from top to bottom. One module per group of notebooks: `conv` (01-03), `conv_grad`
(04-05), `pool` (06-07), `batchnorm` (08), `rnn` (09-11). `check_function`, `check_value`,
`describe_difference` and `Case` are the machinery, for writing a new check.
"""

from c182lib.checks import batchnorm, conv, conv_grad, pool, rnn
from c182lib.checks._core import Case, check_function, check_value, describe_difference
from c182lib.checks.batchnorm import *  # noqa: F403
from c182lib.checks.conv import *  # noqa: F403
from c182lib.checks.conv_grad import *  # noqa: F403
from c182lib.checks.pool import *  # noqa: F403
from c182lib.checks.rnn import *  # noqa: F403

__all__ = ["Case", "check_function", "check_value", "describe_difference", *conv.__all__,
           *conv_grad.__all__, *pool.__all__, *batchnorm.__all__, *rnn.__all__]
