"""Generate the student versions of the course notebooks from the instructor (master) versions.

::

    python -m course_tools student            # notebooks/NN_*.ipynb -> notebooks/student/
    python -m course_tools student --check    # exit 1 and list the stale files, write nothing
    python -m course_tools student notebooks/05_gradient_penalty.ipynb --out /tmp/student

What changes from master to student version (the same transformations as nbgrader's
``generate_assignment``, so nbgrader can still grade the result):

* the lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` are replaced by a stub,
  indented like the marker, that raises ``NotImplementedError`` and points to the hint;
  everything before the marker (the ``def`` line, the docstring) stays as it is;
* the lines between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` are removed;
* outputs and execution counts are stripped;
* autograded test cells are wrapped in ``with unfinished_ok("<exercise>"):``
  (:mod:`course_utils.stubs`): an exercise whose stub is still there is reported in plain
  words instead of raising, so *Run all* reaches the end in every frontend, Colab included;
  any other failure still raises. They also get the ``raises-exception`` tag, so that *Run
  All* in JupyterLab (and nbclient/nbval) carries on past a test that really fails. The
  masters keep strict test cells: nbgrader restores those when it grades, and the course's
  grader runs the masters, so an unattempted exercise still scores zero;
* test cells and read-only cells become non-deletable and non-editable, solution cells
  non-deletable (nbgrader's ``LockCells`` defaults); the nbgrader metadata is kept.

Only the standard library and ``nbformat`` are needed (nbgrader is not). The markers and the
stub text come from :mod:`course_utils.stubs` (the contract the student notebooks rely on).
"""

from __future__ import annotations

import copy
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import nbformat

from course_utils.stubs import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    END_SOLUTION,
    TEXT_STUB,
    code_stub,
    unfinished_wrapper,
)

from . import cli
from .paths import MASTER_PATTERN, NOTEBOOKS, STUDENT_DIR, master_paths

__all__ = [
    "RAISES_TAG", "MarkerError", "code_stub", "is_solution", "is_grade", "is_test", "replace_regions",
    "make_student_version", "student_text", "master_paths", "stale", "generate", "main",
]

#: The tag that tells JupyterLab, nbclient and nbval to carry on when the cell raises.
RAISES_TAG = "raises-exception"


class MarkerError(ValueError):
    """A master notebook's solution or hidden-test markers are malformed."""


def _nbgrader(cell) -> dict:
    """The cell's nbgrader metadata ({} when it has none)."""
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_solution(cell) -> bool:
    """An nbgrader solution cell (the learner writes code there)."""
    return bool(_nbgrader(cell).get("solution"))


def is_grade(cell) -> bool:
    """An nbgrader graded cell (has points)."""
    return bool(_nbgrader(cell).get("grade"))


def is_test(cell) -> bool:
    """An autograded test cell: graded code that is not itself an answer."""
    return cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)


def replace_regions(source: str, begin: str, end: str, stub: list[str] | None, where: str) -> tuple[str, bool]:
    """Replace every ``begin``..``end`` region (marker lines included) by ``stub`` (or nothing).

    Returns the new source and whether a region was found; raises :class:`MarkerError` when the
    markers are nested, unbalanced or unclosed (``where`` names the cell in the message).
    """
    out: list[str] = []
    inside = False
    found = False
    for number, line in enumerate(source.split("\n"), start=1):
        if begin in line:
            if inside:
                raise MarkerError(f"{where}: line {number}: nested '{begin}' (no '{end}' before it)")
            inside = found = True
            indent = re.match(r"\s*", line).group(0)
            out.extend(indent + s for s in (stub or []))
        elif end in line:
            if not inside:
                raise MarkerError(f"{where}: line {number}: '{end}' without '{begin}'")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise MarkerError(f"{where}: '{begin}' is never closed by '{end}'")
    return "\n".join(out), found


def _add_tag(cell, tag: str) -> None:
    tags = list(cell.metadata.get("tags", []))
    if tag not in tags:
        tags.append(tag)
    cell.metadata["tags"] = tags


def make_student_version(master: nbformat.NotebookNode, path: str = "<notebook>") -> nbformat.NotebookNode:
    """Return the student version of ``master`` (which is left unchanged)."""
    nb = copy.deepcopy(master)
    for index, cell in enumerate(nb.cells):
        meta = _nbgrader(cell)
        name = meta.get("grade_id")
        where = f"{path}: cell {index} ({name or cell.cell_type})"
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
            cell.metadata.pop("collapsed", None)
            cell.metadata.pop("scrolled", None)
        stub = code_stub(name) if cell.cell_type == "code" else [TEXT_STUB]
        cell.source, replaced = replace_regions(cell.source, BEGIN_SOLUTION, END_SOLUTION, stub, where)
        if replaced and not is_solution(cell):
            raise MarkerError(f"{where}: has a solution region but is not an nbgrader solution cell")
        if is_solution(cell) and not replaced:
            # nbgrader replaces a whole solution cell without markers by the stub
            cell.source = "\n".join(stub)
        cell.source, hidden = replace_regions(cell.source, BEGIN_HIDDEN, END_HIDDEN, None, where)
        if hidden and not is_grade(cell):
            raise MarkerError(f"{where}: has hidden tests but is not an nbgrader graded cell")
        if hidden:
            cell.source = cell.source.rstrip("\n")
        if is_test(cell):
            _add_tag(cell, RAISES_TAG)
            exercise = name[len("test_"):] if name and name.startswith("test_") else (name or "this exercise")
            cell.source = unfinished_wrapper(exercise, cell.source)
        # nbgrader's LockCells defaults
        if is_solution(cell):
            cell.metadata["deletable"] = False
        elif is_grade(cell) or meta.get("locked"):
            cell.metadata["deletable"] = False
            cell.metadata["editable"] = False
    nb.metadata.pop("widgets", None)
    return nb


def student_text(master_path: str | Path) -> str:
    """The student version of the notebook at ``master_path``, as the text that is written to disk."""
    master = nbformat.read(str(master_path), as_version=4)
    student = make_student_version(master, str(master_path))
    nbformat.validate(student)
    text = nbformat.writes(student)
    return text if text.endswith("\n") else text + "\n"


def stale(paths: Iterable[Path], out: Path) -> list[str]:
    """Problems that make the student versions in ``out`` differ from freshly generated ones."""
    paths = list(paths)
    problems = []
    for path in paths:
        target = out / path.name
        if not target.exists():
            problems.append(f"{target}: missing")
        elif target.read_text(encoding="utf-8") != student_text(path):
            problems.append(f"{target}: out of date with {path}")
    names = {p.name for p in paths}
    for extra in sorted(out.glob("*.ipynb")) if out.is_dir() else []:
        if extra.name not in names and MASTER_PATTERN.match(extra.name):
            problems.append(f"{extra}: has no master notebook (delete it)")
    return problems


def generate(paths: Iterable[Path], out: Path) -> list[Path]:
    """Write the student version of every master in ``paths`` to ``out``; return the files changed."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        target = out / path.name
        text = student_text(path)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m course_tools student [--check] [--out DIR] [PATHS]``; returns the exit status."""
    parser = cli.parser(
        "student", "Generate the student versions of the master notebooks (solutions and hidden tests removed)."
    )
    parser.add_argument("paths", nargs="*", type=Path, help="master notebooks (default: notebooks/NN_*.ipynb)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: notebooks/student/)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 and list stale student versions")
    args = parser.parse_args(argv)
    paths = args.paths or master_paths()
    out = args.out or (paths[0].parent / "student" if args.paths else STUDENT_DIR)
    if not paths:
        print(f"No master notebooks NN_*.ipynb found in {NOTEBOOKS}.", file=sys.stderr)
        return 1
    try:
        if args.check:
            if cli.report(stale(paths, out), "Student versions are stale; run: python -m course_tools student"):
                return 1
            print(f"{len(paths)} student notebook(s) in {out} are up to date.")
            return 0
        written = generate(paths, out)
    except MarkerError as err:
        return cli.fail(err)
    for target in written:
        print(f"wrote {target}")
    print(f"{len(paths)} student notebook(s) in {out}; {len(written)} changed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
