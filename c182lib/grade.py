"""`python -m c182lib.grade SUBMISSION...`: the grader of `c182lib.instructor.grade`."""

if __name__ == "__main__":
    import sys

    sys.modules.setdefault("rfc3987_syntax", None)  # seconds of start-up (see sandbox.main)
    from c182lib.instructor.grade import main

    raise SystemExit(main())
