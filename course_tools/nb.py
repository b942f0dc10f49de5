"""Build and normalise course notebooks with nbgrader metadata.

Authoring helpers used by maintainers (not by learners):

    from course_tools.nb import md, code, solution, tests, write_notebook
    cells = [md("# Title"), code("x = 1"), solution("def f(): ...", grade_id="f"),
             tests("assert f() == 1", grade_id="test_f", points=2)]
    write_notebook("notebooks/03_wgan_clipping.ipynb", cells)

``python -m course_tools nb normalize notebooks/*.ipynb`` strips outputs and
execution counts, sets the kernel metadata, refreshes and folds the setup cell.
``python -m course_tools nb check ...`` fails on what normalize would change or on bad
nbgrader metadata. ``python -m course_tools nb set-repo https://github.com/OWNER/NAME``
changes the repository address everywhere (it is kept in ``pyproject.toml`` only).
"""

from __future__ import annotations

import copy
import platform
import re
import sys
import textwrap
import tomllib
from pathlib import Path

import nbformat

from course_utils.stubs import BEGIN_SOLUTION, END_SOLUTION

from . import cli
from .paths import NOTEBOOKS, PYPROJECT, README, STUDENT_DIR, master_paths

__all__ = [
    "KERNELSPEC", "NBGRADER_SCHEMA", "FIRST_CELL_TAG", "SETUP_CELL", "SETUP_CELL_METADATA", "LANGUAGE_INFO",
    "repo_url", "setup_source", "set_repo", "working_copies", "md", "code", "solution", "tests",
    "setup_cell", "new_notebook", "normalize", "validate", "write_notebook", "main",
]

#: The kernelspec as ipykernel names it (JupyterLab rewrites any other display name on open).
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
NBGRADER_SCHEMA = 3
FIRST_CELL_TAG = "course-setup"

#: Where ``repo_url`` reads the repository address: the one place it is written by hand.
REPO_URL_KEY = ("project", "urls", "Homepage")
#: Cell metadata of the setup cell: folded in JupyterLab (``jupyter.source_hidden``) and shown
#: as a titled form in Colab (``cellView``, with the ``#@title`` line).
SETUP_CELL_METADATA = {"jupyter": {"source_hidden": True}, "cellView": "form"}
#: Notebook metadata as JupyterLab writes it once a python3 kernel has started, so that opening a
#: notebook does not mark it unsaved. All but the Python version (``version``), which depends on
#: the machine: :func:`working_copies` adds the learner's when setup.sh copies the notebooks.
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
}

_SETUP_TEMPLATE = '''\
#@title Course setup: makes `course_utils` importable here, in JupyterLab or in Colab (run it; no need to read it) { display-mode: "form" }
import os, subprocess, sys
from pathlib import Path

REPO_URL = "@REPO_URL@"
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
print(f"Course setup done: course_utils {course_utils.__version__} from {Path(course_utils.__file__).parent}")
'''


def repo_url(pyproject: Path | None = None) -> str:
    """The course repository's address, read from ``pyproject.toml`` (``[project.urls] Homepage``)."""
    data = tomllib.loads((pyproject or PYPROJECT).read_text(encoding="utf-8"))
    for key in REPO_URL_KEY:
        data = data[key]
    return str(data)


def setup_source(url: str | None = None) -> str:
    """The setup cell's source for the repository at ``url`` (default: :func:`repo_url`)."""
    return _SETUP_TEMPLATE.replace("@REPO_URL@", url or repo_url()).strip("\n")


#: The first code cell of every notebook: it makes ``course_utils`` importable
#: in Colab (clone + editable install without dependencies, so Colab keeps its
#: own torch and ipywidgets) and locally (the repository root on ``sys.path``).
SETUP_CELL = setup_source()


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
    cell = nbformat.v4.new_code_cell(SETUP_CELL)
    cell.metadata.update(copy.deepcopy(SETUP_CELL_METADATA))
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
    nb.metadata["language_info"] = copy.deepcopy(LANGUAGE_INFO)
    return nb


def normalize(nb: nbformat.NotebookNode, setup: str | None = None) -> nbformat.NotebookNode:
    """Strip outputs, execution counts and volatile metadata; set the kernel metadata; refresh the setup cell.

    The kernel metadata is what JupyterLab writes for a python3 kernel (:data:`LANGUAGE_INFO`), so a
    notebook is not marked unsaved as soon as it opens. The cell tagged ``course-setup`` gets the
    current :data:`SETUP_CELL` (or ``setup``) and is folded (:data:`SETUP_CELL_METADATA`).
    """
    nb.metadata = {
        "kernelspec": dict(KERNELSPEC),
        "language_info": copy.deepcopy(LANGUAGE_INFO),
        **({"colab": nb.metadata["colab"]} if "colab" in nb.metadata else {}),
    }
    ids = _stable_ids(nb.cells)
    for cell, cell_id in zip(nb.cells, ids, strict=True):
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        keep = {k: v for k, v in cell.metadata.items() if k in {"nbgrader", "tags", "deletable", "editable"}}
        cell.metadata = keep
        if FIRST_CELL_TAG in keep.get("tags", []):
            cell.source = setup or SETUP_CELL
            cell.metadata.update(copy.deepcopy(SETUP_CELL_METADATA))
        cell.id = cell_id
    return nb


def working_copies(source: Path, target: Path) -> list[Path]:
    """Copy the notebooks of ``source`` missing from ``target``; never overwrite. Returns the new files.

    Each copy's ``language_info.version`` is this interpreter's Python version, which is what
    JupyterLab writes when the kernel starts: with it, opening the notebook does not mark it
    unsaved. ``setup.sh`` makes the learners' ``my_work/`` with this.
    """
    target.mkdir(parents=True, exist_ok=True)
    made = []
    for path in master_paths(source):
        dst = target / path.name
        if dst.exists():
            continue
        nb = nbformat.read(path, as_version=4)
        nb.metadata.setdefault("language_info", {})["version"] = platform.python_version()
        nbformat.write(nb, dst)
        made.append(dst)
    return made


_GITHUB = re.compile(r"^https://github\.com/([A-Za-z0-9][A-Za-z0-9-]*)/([A-Za-z0-9._-]+)$")


def set_repo(url: str) -> list[Path]:
    """Point the course at ``https://github.com/OWNER/NAME``: pyproject, README badges, every setup cell.

    Rewrites ``pyproject.toml`` (the one place the address is kept), the README's Colab links,
    the setup cell of every master notebook, and regenerates the student versions. Returns the
    files changed. Used when the course is published or forked.
    """
    new = _GITHUB.match(url.rstrip("/").removesuffix(".git"))
    if not new:
        raise ValueError(f"{url!r} is not a GitHub repository address like https://github.com/OWNER/NAME")
    url = new.group(0)
    old = repo_url()
    old_slug, new_slug = old.removeprefix("https://github.com/"), url.removeprefix("https://github.com/")
    changed = []
    for path in (PYPROJECT, README):
        text = path.read_text(encoding="utf-8")
        updated = text.replace(old, url).replace(f"/github/{old_slug}/", f"/github/{new_slug}/")
        if updated != text:
            path.write_text(updated, encoding="utf-8")
            changed.append(path)
    source = setup_source(url)
    for path in master_paths(NOTEBOOKS):
        before = path.read_text(encoding="utf-8")
        nbformat.write(normalize(nbformat.read(path, as_version=4), setup=source), path)
        if path.read_text(encoding="utf-8") != before:
            changed.append(path)
    from . import student  # the student versions follow their masters

    changed += student.generate(master_paths(NOTEBOOKS), STUDENT_DIR)
    return changed


_PLAIN_ID = re.compile(r"^cell-(\d{3,})$")


def _stable_ids(cells: list[nbformat.NotebookNode]) -> list[str]:
    """Each cell's id: its grade_id (with dashes) for nbgrader cells, else ``cell-NNN``.

    A cell keeps the ``cell-NNN`` id it has, so inserting or deleting cells changes no other cell's id
    and the diff shows only the cells that changed; a new cell (or a duplicate) gets the next unused number.
    """
    graded = [c.metadata.get("nbgrader", {}).get("grade_id") for c in cells]
    taken: set[str] = {g.replace("_", "-") for g in graded if g}
    kept: list[str | None] = []
    for cell, grade_id in zip(cells, graded, strict=True):
        old = cell.get("id", "")
        if grade_id:
            kept.append(grade_id.replace("_", "-"))
        elif _PLAIN_ID.match(old) and old not in taken:
            kept.append(old)
            taken.add(old)
        else:
            kept.append(None)
    numbers = [int(m.group(1)) for i in kept if i and (m := _PLAIN_ID.match(i))]
    next_number = max(numbers, default=-1) + 1
    ids = []
    for cell_id in kept:
        if cell_id is None:
            cell_id = f"cell-{next_number:03d}"
            next_number += 1
        ids.append(cell_id)
    return ids


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
    """``python -m course_tools nb normalize|check|set-repo ...``; returns the exit status."""
    parser = cli.parser("nb", __doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    norm = sub.add_parser("normalize", help="strip outputs and fix metadata in place")
    norm.add_argument("paths", nargs="+")
    check = sub.add_parser("check", help="fail if a notebook is not normalised or has bad nbgrader metadata")
    check.add_argument("paths", nargs="+")
    copies = sub.add_parser("working-copies", help="copy the notebooks missing from TARGET (setup.sh's my_work/)")
    copies.add_argument("source", type=Path)
    copies.add_argument("target", type=Path)
    repo = sub.add_parser("set-repo", help="change the repository address everywhere (pyproject, README, notebooks)")
    repo.add_argument("url", help="https://github.com/OWNER/NAME")
    args = parser.parse_args(argv)
    if args.command == "working-copies":
        made = working_copies(args.source, args.target)
        print(f"{args.target}: copied {' '.join(p.name for p in made)}" if made else f"{args.target}: nothing new")
        return 0
    if args.command == "set-repo":
        try:
            changed = set_repo(args.url)
        except ValueError as err:
            return cli.fail(err)
        for path in changed:
            print(f"updated {path}")
        print(f"The course now points at {repo_url()}; commit the {len(changed)} changed file(s).")
        return 0
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
            status |= cli.report(problems)
    return status


if __name__ == "__main__":
    sys.exit(main())
