"""`python -m c182lib.grade SUBMISSION...`: the grader of `c182lib.instructor.grade`."""

if __name__ == "__main__":
    from c182lib.instructor.grade import main

    raise SystemExit(main())
