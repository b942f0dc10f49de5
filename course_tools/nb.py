"""Build and normalise course notebooks with nbgrader metadata.

Authoring helpers used by maintainers (not by learners):

    from course_tools.nb import md, code, solution, tests, write_notebook
    cells = [md("# Title"), code("x = 1"), solution("def f(): ...", grade_id="f"),
             tests("assert f() == 1", grade_id="test_f", points=2)]
    write_notebook("notebooks/03_wgan_clipping.ipynb", cells)

``python -m course_tools nb normalize notebooks/*.ipynb`` strips outputs and
execution counts, sets the python3 kernelspec and checks the nbgrader metadata.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

import nbformat

from course_utils.stubs import BEGIN_SOLUTION, END_SOLUTION

__all__ = [
    "KERNELSPEC", "NBGRADER_SCHEMA", "FIRST_CELL_TAG", "SETUP_CELL", "md", "code", "solution", "tests",
    "setup_cell", "new_notebook", "normalize", "validate", "write_notebook", "main",
]

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
NBGRADER_SCHEMA = 3
FIRST_CELL_TAG = "course-setup"

#: The first code cell of every notebook: it makes ``course_utils`` importable
#: in Colab (clone + editable install without dependencies, so Colab keeps its
#: own torch and ipywidgets) and locally (the repository root on ``sys.path``).
SETUP_CELL = '''\
# Course setup: makes `course_utils` importable here, in JupyterLab or in Colab.
import os, subprocess, sys
from pathlib import Path

REPO_URL = "https://github.com/wgan-course/wgan-gp-course"
COLAB_DIR = Path("/content/wgan-gp-course")
if "google.colab" in sys.modules and not COLAB_DIR.exists():
    url = os.environ.get("WGAN_COURSE_REPO", REPO_URL)  # set it (%env WGAN_COURSE_REPO=...) to use a fork
    if subprocess.run(["git", "clone", "--depth", "1", url, str(COLAB_DIR)]).returncode != 0:
        raise RuntimeError(f"Could not clone {url}. Check the address, or upload the course folder "
                           f"to {COLAB_DIR} and run this cell again.")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "-e", str(COLAB_DIR)], check=True)
for root in (Path.cwd(), *Path.cwd().parents, COLAB_DIR):
    if (root / "course_utils").is_dir():
        sys.path.insert(0, str(root))
        break
try:
    import course_utils
except ModuleNotFoundError as exc:
    if exc.name != "course_utils":
        raise
    raise ModuleNotFoundError("course_utils was not found. Open this notebook from inside the course folder "
                              "(set up with `bash setup.sh`), or run `pip install -e .` there.") from None
'''


def _source(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def md(text: str, cell_id: str | None = None) -> nbformat.NotebookNode:
    """A markdown cell."""
    cell = nbformat.v4.new_markdown_cell(_source(text))
    if cell_id:
        cell.metadata["nbgrader"] = _nbgrader(cell_id, solution=False, grade=False, locked=True)
    return cell


def code(text: str) -> nbformat.NotebookNode:
    """An ordinary code cell (no nbgrader role)."""
    return nbformat.v4.new_code_cell(_source(text))


def solution(text: str, grade_id: str) -> nbformat.NotebookNode:
    """An exercise cell. Put the answer between ``### BEGIN SOLUTION`` / ``### END SOLUTION``.

    ``grade_id`` must be the name of the function the cell defines (COURSE.md, section 4).
    """
    src = _source(text)
    if BEGIN_SOLUTION not in src or END_SOLUTION not in src:
        raise ValueError(f"solution cell {grade_id!r} needs ### BEGIN SOLUTION / ### END SOLUTION markers")
    cell = nbformat.v4.new_code_cell(src)
    cell.metadata["nbgrader"] = _nbgrader(grade_id, solution=True, grade=False, locked=False)
    return cell


def tests(text: str, grade_id: str, points: int) -> nbformat.NotebookNode:
    """An autograded test cell worth ``points``; may hold ``### BEGIN HIDDEN TESTS`` blocks."""
    if not grade_id.startswith("test_"):
        raise ValueError(f"test cell ids start with 'test_', got {grade_id!r}")
    cell = nbformat.v4.new_code_cell(_source(text))
    cell.metadata["nbgrader"] = _nbgrader(grade_id, solution=False, grade=True, locked=True, points=points)
    return cell


def setup_cell() -> nbformat.NotebookNode:
    """The shared first code cell (see ``SETUP_CELL``)."""
    cell = nbformat.v4.new_code_cell(SETUP_CELL.strip("\n"))
    cell.metadata["tags"] = [FIRST_CELL_TAG]
    return cell


def _nbgrader(grade_id: str, *, solution: bool, grade: bool, locked: bool, points: int | None = None) -> dict:
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": NBGRADER_SCHEMA,
        "solution": solution,
        "task": False,
    }
    if grade:
        meta["points"] = points
    return meta


def new_notebook(cells: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    """A notebook with the course's metadata around ``cells``."""
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def normalize(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip outputs, execution counts and volatile metadata; set the kernelspec."""
    nb.metadata = {
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python"},
        **({"colab": nb.metadata["colab"]} if "colab" in nb.metadata else {}),
    }
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        keep = {k: v for k, v in cell.metadata.items() if k in {"nbgrader", "tags", "deletable", "editable"}}
        cell.metadata = keep
        cell.id = _cell_id(cell, i)
    return nb


def _cell_id(cell: nbformat.NotebookNode, index: int) -> str:
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    return grade_id.replace("_", "-") if grade_id else f"cell-{index:03d}"


def validate(nb: nbformat.NotebookNode, path: str = "<notebook>") -> list[str]:
    """Problems with a master notebook's structure (empty list when fine)."""
    problems = []
    seen = set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if not meta:
            continue
        gid = meta.get("grade_id")
        if gid in seen:
            problems.append(f"{path}: duplicate grade_id {gid!r}")
        seen.add(gid)
        if meta.get("solution") and BEGIN_SOLUTION not in cell.source:
            problems.append(f"{path}: solution cell {gid!r} has no ### BEGIN SOLUTION marker")
        if meta.get("grade") and not meta.get("points"):
            problems.append(f"{path}: graded cell {gid!r} has no points")
    if any(c.cell_type == "code" and c.get("outputs") for c in nb.cells):
        problems.append(f"{path}: stored outputs")
    return problems


def write_notebook(path: str | Path, cells: list[nbformat.NotebookNode]) -> Path:
    """Write ``cells`` (setup cell prepended if missing) as a normalised notebook."""
    if not cells or FIRST_CELL_TAG not in cells[0].metadata.get("tags", []):
        first_md = [c for c in cells[:1] if c.cell_type == "markdown"]
        rest = cells[len(first_md):]
        cells = [*first_md, setup_cell(), *rest]
    nb = normalize(new_notebook(cells))
    problems = validate(nb, str(path))
    if problems:
        raise ValueError("\n".join(problems))
    path = Path(path)
    nbformat.write(nb, path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_tools nb", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    norm = sub.add_parser("normalize", help="strip outputs and fix metadata in place")
    norm.add_argument("paths", nargs="+")
    check = sub.add_parser("check", help="fail if a notebook is not normalised or has bad nbgrader metadata")
    check.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    status = 0
    for p in map(Path, args.paths):
        nb = nbformat.read(p, as_version=4)
        if args.command == "normalize":
            nbformat.write(normalize(nb), p)
        else:
            before = nbformat.writes(nb)
            problems = validate(nb, str(p))
            if nbformat.writes(normalize(nb)) != before:
                problems.append(f"{p}: not normalised; run python -m course_tools nb normalize {p}")
            for line in problems:
                print(line)
            status |= bool(problems)
    return status


if __name__ == "__main__":
    sys.exit(main())
