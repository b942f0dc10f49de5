"""The nbgrader path, end to end, on a small fake course that uses the real course_utils checks.

generate_assignment -> autograde of (a) the instructor version: full marks, (b) an untouched
student version made by ``course_tools.student``: zero, (c) a submission with a catalogued bug
(per-element norm in gradient_penalty): partial marks, feedback naming the bug -> export CSV.
Runs nbgrader through its Python API (``NbGraderAPI``, what ``nbgrader <command>`` runs) in a
temporary course directory with its own nbgrader_config.py and sqlite gradebook.
"""

from __future__ import annotations

import csv
import os
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from course_utils import stubs
from tests.fixtures import grading_course as gc

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = gc.NAME[: -len(".ipynb")]
FULL = sum(gc.POINTS.values())


def _api(root: Path):
    """nbgrader's Python API with the course directory's own nbgrader_config.py."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    return NbGraderAPI(config=config), config


def _ok(result: dict) -> None:
    assert result["success"], result.get("error") or result.get("log")


@pytest.mark.filterwarnings("ignore:Object of type")
def test_nbgrader_generate_autograde_feedback_export(tmp_path, monkeypatch):
    root = tmp_path / "course"
    root.mkdir()
    (root / "nbgrader_config.py").write_text(textwrap.dedent(f"""\
        c = get_config()
        c.CourseDirectory.root = {str(root)!r}
        c.CourseDirectory.course_id = "wgan-course-test"
        c.CourseDirectory.db_url = "sqlite:///{root}/gradebook.db"
        c.Exchange.root = {str(root / "exchange")!r}
        c.ExecutePreprocessor.timeout = 300
        """))
    gc.write_master(root / "source" / "ps1")
    submissions = {
        "instructor": gc.master_notebook(),
        "untouched": gc.student_notebook(),  # made by course_tools.student, not by nbgrader
        "buggy": gc.all_correct(gradient_penalty=gc.GP_PER_ELEMENT),
    }
    for student, nb in submissions.items():
        folder = root / "submitted" / student / "ps1"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / gc.NAME)

    # nbgrader runs `alembic` from the environment's bin folder to create its database
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    monkeypatch.setenv("WGAN_COURSE_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(root)
    api, config = _api(root)
    _ok(api.generate_assignment("ps1"))
    released = nbformat.read(root / "release" / "ps1" / gc.NAME, as_version=4)
    ours = gc.student_notebook()
    # our student version and nbgrader's release agree on everything but the stub text, our tags and the
    # unfinished_ok wrapper of our test cells (nbgrader restores the masters' strict test cells when grading)
    assert [c.metadata.get("nbgrader", {}).get("grade_id") for c in released.cells] == [
        c.metadata.get("nbgrader", {}).get("grade_id") for c in ours.cells]
    for theirs, mine in zip(released.cells, ours.cells, strict=True):
        meta = mine.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            assert stubs.unfinished_wrapper(meta["grade_id"][len("test_"):], theirs.source.strip()) == mine.source
        elif not meta.get("solution"):
            assert theirs.source.strip() == mine.source.strip()

    for student in submissions:
        _ok(api.autograde("ps1", student))
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root}/gradebook.db") as gb:
        scores = {
            student: {g.name: g.score for g in gb.find_submission_notebook(NOTEBOOK, "ps1", student).grades}
            for student in submissions
        }
    assert scores["instructor"] == {f"test_{n}": p for n, p in gc.POINTS.items()}
    assert scores["untouched"] == {f"test_{n}": 0 for n in gc.POINTS}
    assert scores["buggy"] == {**{f"test_{n}": p for n, p in gc.POINTS.items()}, "test_gradient_penalty": 0}

    _ok(api.generate_feedback("ps1", "buggy"))
    feedback = (root / "feedback" / "buggy" / "ps1" / f"{NOTEBOOK}.html").read_text(encoding="utf-8")
    assert "per-element-norm" in feedback

    from nbgrader.plugins import CsvExportPlugin

    with Gradebook(f"sqlite:///{root}/gradebook.db") as gb:
        CsvExportPlugin(config=config, to=str(root / "grades.csv")).export(gb)
    with (root / "grades.csv").open(newline="") as fh:
        exported = {row["student_id"]: float(row["score"]) for row in csv.DictReader(fh)}
    assert exported == {"instructor": FULL, "untouched": 0, "buggy": FULL - gc.POINTS["gradient_penalty"]}
