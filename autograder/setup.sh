#!/usr/bin/env bash
# Gradescope runs this once, as root, when the autograder image is built; the zip is unpacked in
# /autograder/source. It installs Python (>= 3.11; Gradescope's Ubuntu 24.04 base image has
# 3.12), then the workbook with the grader's dependencies at the versions of the tested lock
# (requirements/lock.txt, used as constraints: only what grading needs is installed).
set -euo pipefail
SOURCE="$(cd "$(dirname "$0")" && pwd)"
ROOT="${C182_AUTOGRADER_ROOT:-/autograder}"

if ! command -v python3 >/dev/null || ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv
fi
python3 -c 'import sys; assert sys.version_info >= (3, 11), "the workbook needs Python >= 3.11"'
python3 -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --disable-pip-version-check -qq --upgrade pip
"$ROOT/venv/bin/python" -m pip install --disable-pip-version-check -qq \
    --constraint "$SOURCE/requirements/lock.txt" "$SOURCE[instructor]" ipykernel
"$ROOT/venv/bin/python" -c "import c182lib.instructor.grade"
