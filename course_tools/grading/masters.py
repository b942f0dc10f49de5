"""Master notebooks: which exercises a notebook grades and how many points each is worth.

Only the trusted process reads the masters; nothing of them (solutions, tests, hidden
tests) reaches the sandbox. Used by ``course_tools.grading.pipeline``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

__all__ = ["MASTER_PATTERN", "Master", "Task", "load_master", "master_paths"]

MASTER_PATTERN = re.compile(r"^(\d\d)_.+\.ipynb$", re.IGNORECASE)


@dataclass
class Task:
    """One graded exercise: the function name, its test cells' ids and their points."""

    name: str
    grade_ids: list[str] = field(default_factory=list)
    points: float = 0.0


@dataclass
class Master:
    path: Path
    tasks: list[Task]

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def key(self) -> str:
        return self.path.name.lower()


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def load_master(path: str | Path) -> Master:
    """The exercises of a master notebook (solution cells) with the points of their test cells."""
    path = Path(path)
    nb = nbformat.read(str(path), as_version=4)
    tasks: dict[str, Task] = {}
    last: Task | None = None
    for cell in nb.cells:
        meta = _nbgrader(cell)
        gid = meta.get("grade_id") or ""
        if cell.cell_type == "code" and meta.get("solution") and not meta.get("grade"):
            last = tasks.setdefault(gid, Task(gid))
        elif meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
            body = gid[5:] if gid.startswith("test_") else gid
            owners = [t for n, t in tasks.items() if body == n or body.startswith(n)]
            owner = max(owners, key=lambda t: len(t.name)) if owners else last
            if owner is not None:
                owner.grade_ids.append(gid)
                owner.points += float(meta.get("points") or 0)
    return Master(path, [t for t in tasks.values() if t.grade_ids])


def master_paths(masters: str | Path) -> list[Path]:
    """A master notebook, or every ``NN_*.ipynb`` in a folder, sorted."""
    masters = Path(masters)
    if masters.is_file():
        return [masters]
    return sorted(p for p in masters.iterdir() if MASTER_PATTERN.match(p.name) and p.is_file())
