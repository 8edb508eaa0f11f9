"""Instructor tools: re-executing the notebooks, the student edition, grading submissions.

Students never need this package: ``import c182lib`` and the notebooks work without it. Its
dependencies are the ``instructor`` extra (``pip install -e ".[instructor]"``; ``make`` installs
it). Importing it without them says what to install instead of failing deep inside a tool.
"""

import importlib.util

_MISSING = [name for name in ("nbformat", "nbclient") if importlib.util.find_spec(name) is None]
if _MISSING:
    raise ImportError(
        f"c182lib.instructor needs {', '.join(_MISSING)}, which a plain install of c182lib does "
        "not include: install the instructor extra, pip install -e \".[instructor]\""
    )
