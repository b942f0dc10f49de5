"""Find the submissions: one folder per student, notebooks matched to masters by file name.

Dot-folders are students too; symbolic links (folders or files) are never followed, read
or quoted, only reported; ``.ipynb`` is matched whatever its case; ``Copy of X``, ``X (1)``
and ``X-checkpoint`` count as copies of ``X``, and when a student hands in several copies
the pipeline grades the most finished one and says so.

Used by ``course_tools.grading.pipeline``.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Submission", "canonical", "discover", "read_text_nofollow"]

MAX_NOTEBOOK_BYTES = 20 * 2**20
_COPY = re.compile(r"^(copy of |copy_of_)+", re.IGNORECASE)
_SUFFIX = re.compile(r"(\s*\(\d+\)|\s*-\s*copy(\s*\d+)?|-checkpoint)+$", re.IGNORECASE)


@dataclass
class Submission:
    student: str
    master: str                    # master key (lower-case file name)
    candidates: list[Path] = field(default_factory=list)
    note: str = ""


def canonical(filename: str) -> str:
    """``Copy of 05_GP (1).IPYNB`` -> ``05_gp.ipynb``."""
    stem, dot, ext = filename.rpartition(".")
    if not dot or ext.lower() != "ipynb":
        return ""
    stem = _SUFFIX.sub("", _COPY.sub("", stem.strip())).strip()
    return f"{stem}.ipynb".lower()


def read_text_nofollow(path: Path) -> str:
    """Read a regular file without following a symbolic link (refused) and with a size cap."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError("not a regular file")
        if info.st_size > MAX_NOTEBOOK_BYTES:
            raise OSError(f"larger than {MAX_NOTEBOOK_BYTES // 2**20} MiB")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(MAX_NOTEBOOK_BYTES).decode("utf-8", errors="replace")
    finally:
        os.close(fd)


def _notebooks(folder: Path) -> tuple[list[Path], list[str]]:
    found, links = [], []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d != ".ipynb_checkpoints" and not os.path.islink(os.path.join(root, d)))
        for name in sorted(files):
            path = Path(root) / name
            if path.is_symlink():
                links.append(str(path.relative_to(folder)))
            elif name.lower().endswith(".ipynb"):
                found.append(path)
    for root, dirs, _files in os.walk(folder, followlinks=False):
        links += [str((Path(root) / d).relative_to(folder)) for d in dirs if os.path.islink(os.path.join(root, d))]
    return found, links


def discover(submissions: Path, master_keys: list[str]) -> tuple[list[Submission], list[dict]]:
    """Jobs (student, master, candidate files) and rows for what cannot be graded."""
    jobs: list[Submission] = []
    rows: list[dict] = []
    for entry in sorted(submissions.iterdir()):
        if entry.is_symlink():
            rows.append({"student": entry.name, "notebook": "", "grade_id": "", "points": 0, "max_points": 0,
                         "feedback": "A symbolic link in the submissions folder: not followed, not graded."})
            continue
        if not entry.is_dir():
            rows.append({"student": "", "notebook": entry.name, "grade_id": "", "points": 0, "max_points": 0,
                         "feedback": "A loose file: the submissions folder needs one folder per student."})
            continue
        files, links = _notebooks(entry)
        by_master: dict[str, list[Path]] = {k: [] for k in master_keys}
        unmatched = []
        for path in files:
            key = canonical(path.name)
            if key in by_master:
                by_master[key].append(path)
                continue
            prefix = [k for k in master_keys if key[:3] == k[:3]]
            if len(prefix) == 1:
                by_master[prefix[0]].append(path)
            else:
                unmatched.append(path.name)
        for key in master_keys:
            note = ""
            if links:
                note += f"Symbolic links ignored (not followed): {', '.join(sorted(links))[:300]}. "
            if unmatched:
                note += f"Files that match no master notebook: {', '.join(unmatched)[:300]}. "
            if not files:
                note += "No notebook (.ipynb) in this folder. "
            jobs.append(Submission(entry.name, key, by_master[key], note.strip()))
    return jobs, rows
