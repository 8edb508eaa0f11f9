"""Instructor tools: re-executing the notebooks, the student edition, grading submissions.

Students never need this package: ``import c182lib`` and the notebooks work without it. Its
dependencies are the ``instructor`` extra (``pip install -e ".[instructor]"``; ``make`` installs
it). Importing it without them says what to install instead of failing deep inside a tool.
"""

import importlib.util
import sys

_MISSING = [name for name in ("nbformat", "nbclient") if importlib.util.find_spec(name) is None]
if _MISSING:
    raise ImportError(
        f"c182lib.instructor needs {', '.join(_MISSING)}, which a plain install of c182lib does "
        "not include: install the instructor extra, pip install -e \".[instructor]\""
    )

# jsonschema (under nbformat) imports rfc3987_syntax, when installed, for a format check no
# notebook uses; building its grammar takes about 2 s, paid by every tool process and every
# notebook the grader runs. Marking it absent makes jsonschema skip that one check.
sys.modules.setdefault("rfc3987_syntax", None)
