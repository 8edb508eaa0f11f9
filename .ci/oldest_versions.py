"""Print the oldest versions pyproject.toml allows, as pins for pip: ``numpy==1.25 ...``.

`make test-oldest` installs them and runs the tests, so that a floor such as ``matplotlib>=3.7``
cannot outlive the first use of a newer feature. Covered: the library's dependencies and the
test extra, with ipykernel (nbval and the student-edition test run notebooks on it). Left out:
Playwright (the browser tests need a JupyterLab, which the oldest run does not install).
"""

import re
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]
extras = project["optional-dependencies"]
requirements = [*project["dependencies"], *extras["test"],
                *(r for r in extras["lab"] if r.startswith("ipykernel"))]
pins = []
for requirement in requirements:
    match = re.fullmatch(r"([A-Za-z0-9_.\-]+)>=([0-9.]+)(,<[0-9.]+)?", requirement)
    if match is None:
        raise SystemExit(f"no floor 'name>=version' in the requirement {requirement!r}")
    if match[1] != "playwright":
        pins.append(f"{match[1]}=={match[2]}")
print(" ".join(pins))
