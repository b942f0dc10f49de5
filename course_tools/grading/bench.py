"""Benchmark: grade N copies of notebook 05 (a mix of finished, untouched and buggy) and report the rate.

::

    python -m course_tools.grading.bench [--n 100] [--jobs 2]

The target (issue 13) is 100 submissions of notebook 05 in at most 3 minutes on 2 cores.
Used by maintainers (README, "Performance").
"""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["main", "make_class"]

REPO = Path(__file__).resolve().parents[2]
NB05 = "05_gradient_penalty.ipynb"


def make_class(folder: Path, n: int) -> None:
    """``n`` student folders: 60% the finished master, 20% the student version, 20% a per-element-norm bug."""
    import nbformat

    master = nbformat.read(str(REPO / "notebooks" / NB05), as_version=4)
    student = nbformat.read(str(REPO / "notebooks" / "student" / NB05), as_version=4)
    buggy = copy.deepcopy(master)
    for cell in buggy.cells:
        if (cell.get("metadata", {}).get("nbgrader", {}) or {}).get("grade_id") == "gradient_penalty":
            cell.source = cell.source.replace("norm(2, dim=1)", "abs()")
    for i in range(n):
        nb = (master, master, master, student, buggy)[i % 5]
        (folder / f"student_{i:03d}").mkdir(parents=True)
        nbformat.write(nb, str(folder / f"student_{i:03d}" / NB05))


def main(argv: list[str] | None = None) -> int:
    """Grade a generated class of notebook-05 submissions; print wall time and submissions per minute."""
    from .pipeline import grade_batch

    parser = argparse.ArgumentParser(prog="python -m course_tools.grading.bench", description=__doc__)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "subs"
        make_class(subs, args.n)
        start = time.monotonic()
        rows = grade_batch(subs, [REPO / "notebooks" / NB05], jobs=args.jobs, progress=True)
        wall = time.monotonic() - start
    full = sum(1 for r in rows if r["grade_id"] == "test_gradient_penalty" and r["points"] == r["max_points"])
    print(f"grading bench: {args.n} submissions of notebook 05, {args.jobs} jobs: {wall:.1f} s "
          f"({args.n / wall * 60:.1f} per minute); full marks on gradient_penalty: {full}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
