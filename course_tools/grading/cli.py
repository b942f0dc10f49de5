"""Command line: ``python -m course_tools grade SUBMISSIONS --out grades.csv [--masters PATH]``.

Used by instructors (README, "Grading").
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from .. import cli as command_line

__all__ = ["main"]

DEFAULT_MASTERS = Path(__file__).resolve().parents[2] / "notebooks"


def main(argv: list[str] | None = None) -> int:
    """Grade a folder of submissions; write the CSV and the feedback files; print the rate."""
    from . import pipeline, report, sandbox
    from .masters import master_paths

    parser = command_line.parser("grade", __doc__)
    parser.add_argument("submissions", type=Path, help="folder with one folder per student")
    parser.add_argument("--out", type=Path, default=Path("grades.csv"), help="CSV to write (feedback/ goes next to it)")
    parser.add_argument("--masters", type=Path, action="append",
                        help="master notebook or folder (repeatable); default: the course's notebooks/")
    parser.add_argument("--jobs", type=int, default=2, help="sandboxes at a time (default 2)")
    parser.add_argument("--seed", type=int, default=None, help="probe seed (default: secret and random)")
    parser.add_argument("--unsafe-no-sandbox", action="store_true",
                        help="grade without bubblewrap (only for code you trust)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        parser.error(f"{args.submissions} is not a folder; give the folder that holds one folder per student")
    paths = [p for m in (args.masters or [DEFAULT_MASTERS]) for p in master_paths(m)]
    if not paths:
        parser.error("no master notebook (NN_name.ipynb) found; check --masters")
    options = pipeline.Options(allow_unsafe=args.unsafe_no_sandbox, seed=args.seed)
    start = time.monotonic()
    try:
        rows = pipeline.grade_batch(args.submissions, paths, jobs=args.jobs, options=options,
                                    progress=not args.quiet)
    except sandbox.SandboxMissing as exc:
        return command_line.fail(exc)
    elapsed = time.monotonic() - start
    report.write_csv(args.out, rows)
    report.write_feedback(args.out.parent / "feedback", rows)
    graded = len({(r["student"], r["notebook"]) for r in rows if r["student"]})
    rate = graded / elapsed * 60 if elapsed > 0 else 0.0
    print(f"graded {graded} notebooks in {elapsed:.1f} s ({rate:.1f} per minute); wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
