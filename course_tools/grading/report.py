"""Rows, the CSV and one feedback file per student (distinct names, never through a link).

Used by ``course_tools.grading.pipeline`` and ``course_tools.grading.cli``.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from pathlib import Path

__all__ = ["COLUMNS", "feedback_filename", "write_csv", "write_feedback"]

COLUMNS = ["student", "notebook", "grade_id", "points", "max_points", "feedback"]


def feedback_filename(student: str) -> str:
    """A readable, distinct file name: ``Jane Doe`` and ``Jane_Doe`` (or two CJK names) never collide."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", student).strip("._") or "student"
    digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{slug[:60]}-{digest}.md"


def _write_new(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def _num(x: float):
    return int(x) if float(x).is_integer() else round(float(x), 3)


def write_csv(path: Path, rows: list[dict]) -> None:
    """The grade book: one row per student, notebook and graded exercise."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "points": _num(row["points"]), "max_points": _num(row["max_points"])})
    os.replace(tmp, path)


def write_feedback(folder: Path, rows: list[dict]) -> dict[str, Path]:
    """``feedback/<slug>-<hash>.md`` per student; returns student -> file."""
    folder.mkdir(parents=True, exist_ok=True)
    by_student: dict[str, list[dict]] = {}
    for row in rows:
        if row["student"]:
            by_student.setdefault(row["student"], []).append(row)
    written = {}
    for student, items in by_student.items():
        got, total = sum(float(r["points"]) for r in items), sum(float(r["max_points"]) for r in items)
        lines = [f"# Feedback for {student}", "", f"Total: {_num(got)} / {_num(total)}", ""]
        for r in items:
            head = f"{r['notebook']} {r['grade_id']}".strip()
            lines.append(f"- **{head}**: {_num(r['points'])} / {_num(r['max_points'])}. {r['feedback']}")
        path = folder / feedback_filename(student)
        _write_new(path, "\n".join(lines) + "\n")
        written[student] = path
    return written
