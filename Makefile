# Every target is one task of tasks.py, which also runs without make (Windows: see README):
# `make X` is `python tasks.py X`. Each creates the virtual environment it needs on demand.
PYTHON ?= python3
# Optional extra package for the PyTorch cross-checks and benchmarks, e.g.
#   make test TORCH='torch==2.13.0'
TORCH  ?=
TASK   := $(PYTHON) tasks.py
export TORCH

.PHONY: lab test test-browser test-oldest test-newest execute student grade autograder bench lint \
        lock clean

## lab: start JupyterLab on notebooks/ (prints the URL to open)
lab:
	$(TASK) lab

## test: lint, then every test: library, notebooks (nbval), student edition, browser
test:
	$(TASK) test

## test-browser: only the JupyterLab-in-Chromium widget tests
test-browser:
	$(TASK) test-browser

## test-oldest: the tests (not the browser ones) with the oldest versions pyproject.toml allows
test-oldest:
	$(TASK) test-oldest

## test-newest: every test with the newest versions pyproject.toml allows
test-newest:
	$(TASK) test-newest

## execute: re-run every notebook in place and store its outputs (c182lib.instructor.release)
execute:
	$(TASK) execute

## student: write the student edition to student/ (FORCE=1 overwrites edited files;
## c182lib.instructor.release, which never writes through links or into notebooks/)
student:
	$(TASK) student $(if $(FORCE),--force,)

## grade: grade submissions, e.g. make grade ARGS="submissions/* --csv grades.csv"
## (python -m c182lib.grade; see README, Grading)
grade:
	$(TASK) grade $(ARGS)

## autograder: write the Gradescope autograder to build/autograder.zip (autograder/README.md)
autograder:
	$(TASK) autograder

## bench: speed of naive vs fast vs PyTorch (where installed)
bench:
	$(TASK) bench

## lock: re-resolve requirements/lock.txt and binder/requirements.txt (needs the network)
lock:
	$(TASK) lock

lint:
	$(TASK) lint

clean:
	$(TASK) clean
