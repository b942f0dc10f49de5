"""course_utils.grade: the no-infrastructure grader.

The batch test grades a folder of small fake submissions (tests/fixtures/grading_course.py)
once, through the command line, and each test then reads its rows. Every kind of bad input
(infinite loop, exception, kernel death, malformed JSON, deleted/reordered/retagged cells,
empty folder, wrong file name) and every tampering trick must give a row that says what
happened, never a crash, and never points it did not earn.
"""

from __future__ import annotations

import csv
import inspect
import sys
import time
from pathlib import Path

import nbformat
import pytest

from course_utils import grade

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
sys.path.insert(0, str(Path(__file__).parent))
import grading_course as gc  # noqa: E402

CELL_TIMEOUT = 30  # the infinite loop costs this much wall time; legit cells take < 2 s


# ---------------------------------------------------------------------------- static checks (no kernel)
@pytest.mark.parametrize("name", gc.ALL)
def test_correct_solutions_pass_the_static_check(name):
    assert grade.static_findings(gc.correct(name), name) == []


def test_correct_implementations_in_other_styles_pass_the_static_check():
    """The many correct styles the self-checks accept must not be refused by the grader either."""
    import correct_implementations as ci

    functions = [f for _, f in inspect.getmembers(ci, inspect.isfunction) if f.__module__ == ci.__name__]
    assert functions
    for fn in functions:
        source = "import numpy as np\nimport scipy.stats\nimport torch\nfrom torch import nn\n" + inspect.getsource(fn)
        assert grade.static_findings(source) == [], fn.__name__


@pytest.mark.parametrize(
    ("source", "words"),
    [
        (gc.GP_IMPORT_OS, "importing `os`"),
        (gc.GP_PATCH_CHECKS, "assigning to `checks.check_gradient_penalty`"),
        (gc.CL_PATCH_BUILTINS, "importing `builtins`"),
        ("import course_utils.losses as L\ndef f(x):\n    return L.generator_loss(x)", "course_utils"),
        ("def f(x):\n    return use_learner_or_reference(None, 'generator_loss')(x)", "use_learner_or_reference"),
        ("def f(x):\n    torch.allclose = lambda *a, **k: True\n    return x", "`torch.allclose`"),
        ("def f(x):\n    import torch as t\n    t.allclose = max\n    return x", "`t.allclose`"),
        ("def f(x):\n    setattr(torch, 'allclose', max)\n    return x", "`setattr`"),
        ("def f(x):\n    return x.__class__.__eq__", "`.__class__`"),
        ("def f(x):\n    return torch.sys.modules", "`.sys`"),
        ("def f(x):\n    return eval('x')", "`eval`"),
        ("def f(x):\n    global checks\n    checks = None", "`global`"),
        ("class T(torch.Tensor):\n    def __torch_function__(self, *a):\n        return True", "__torch_function__"),
        ("def f(x):\n    type(x).mean = None", "`type(x).mean`"),
        ("from torch import _C", "`_C`"),
        ("import torch.utils.cpp_extension", "cpp_extension"),
        ("%timeit f(1)\ndef f(x):\n    return x", "syntax error"),
    ],
)
def test_static_check_refuses(source, words):
    findings = grade.static_findings(source)
    assert any(words in f for f in findings), findings


def test_static_check_allows_owned_objects_and_common_styles():
    ok = """\
import numpy as np
import torch.nn.functional as F
from torch.func import grad, vmap

@torch.no_grad()
def clip(critic, c):
    for p in critic.parameters():
        p.data = p.data.clamp(-c, c)
        p.data[0] = p.data[0]
    state = {}
    state["x"] = 1
    critic.weight.data.clamp_(-c, c)
    return [m for m in critic.modules()]
"""
    assert grade.static_findings(ok) == []


# ---------------------------------------------------------------------------- matching (no kernel)
def test_solution_cells_matched_by_grade_id_then_by_function_name(tmp_path):
    master = grade.load_master(gc.write_master(tmp_path))
    nb = gc._strip_nbgrader(gc._reverse(gc.all_correct()), "critic_loss")
    sols = grade.extract_solutions(nb, master)
    assert sols["gradient_penalty"].source == gc.correct("gradient_penalty") and not sols["gradient_penalty"].notes
    assert sols["critic_loss"].source == gc.correct("critic_loss")
    assert "found by the function" in sols["critic_loss"].notes[0]
    # the copied `critic_loss = use_learner_or_reference(...)` cell is never taken for the solution
    nb = gc._strip_nbgrader(gc.all_correct(), "critic_loss")
    assert grade.extract_solutions(nb, master)["critic_loss"].source.startswith("def critic_loss")
    sols = grade.extract_solutions(gc._delete(gc.all_correct(), "critic_loss"), master)
    assert "No solution" in sols["critic_loss"].missing


def test_master_parsing(tmp_path):
    master = grade.load_master(gc.write_master(tmp_path))
    assert [(e.name, [(t.grade_id, t.points) for t in e.tests]) for e in master.exercises] == [
        (n, [(f"test_{n}", gc.POINTS[n])]) for n in gc.ALL]
    assert "gp.ndim" in master.exercises[0].tests[0].source  # hidden tests come from the master
    assert "raise NotImplementedError" in master.exercises[0].stub


def test_discover_matches_file_names(tmp_path):
    masters = [grade.load_master(gc.write_master(tmp_path / "m"))]
    subs = tmp_path / "subs"
    for student, filename in [("a", gc.NAME), ("b", "Copy of " + gc.NAME), ("c", "05_fake_penalty (1).ipynb"),
                              ("d", "05_mine.ipynb"), ("e", "homework.ipynb")]:
        (subs / student).mkdir(parents=True)
        (subs / student / filename).write_text("{}")
    (subs / "f").mkdir()
    (subs / "loose.ipynb").write_text("{}")
    jobs, rows = grade.discover(subs, masters)
    by_student = {j.student: j for j in jobs}
    assert by_student["a"].submission.endswith(gc.NAME) and not by_student["a"].note
    for s in "bcd":
        assert by_student[s].submission and "file name differs" in by_student[s].note
    assert by_student["e"].submission is None and by_student["f"].submission is None
    assert "empty" in by_student["f"].note
    assert any(r["student"] == "e" and "matches none" in r["feedback"] for r in rows)
    assert any(r["notebook"] == "loose.ipynb" and "one folder per student" in r["feedback"] for r in rows)


# ---------------------------------------------------------------------------- the batch (kernels)
@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("grading")
    gc.write_master(root / "masters")
    gc.write_submissions(root / "submissions")
    out = root / "out" / "grades.csv"
    start = time.monotonic()
    code = grade.main([str(root / "submissions"), "--out", str(out), "--masters", str(root / "masters"),
                       "--jobs", "2", "--cell-timeout", str(CELL_TIMEOUT), "--notebook-timeout", "300", "--quiet"])
    elapsed = time.monotonic() - start
    print(f"\ngraded {len(gc.SUBMISSIONS)} fake submissions in {elapsed:.1f} s")
    assert code == 0
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {"rows": rows, "out": out, "elapsed": elapsed}


def test_csv_has_the_columns_and_a_row_per_student_notebook_exercise(batch):
    rows = batch["rows"]
    assert list(rows[0]) == grade.COLUMNS
    for student, (_files, points, _words) in gc.SUBMISSIONS.items():
        got = {r["grade_id"] for r in rows if r["student"] == student}
        assert got == set(points), student
    assert any(r["notebook"] == "stray_file.txt" for r in rows)


@pytest.mark.parametrize("student", sorted(gc.SUBMISSIONS))
def test_points_and_feedback(batch, student):
    _files, points, words = gc.SUBMISSIONS[student]
    rows = {r["grade_id"]: r for r in batch["rows"] if r["student"] == student}
    for grade_id, expected in points.items():
        row = rows[grade_id]
        assert float(row["points"]) == expected, (grade_id, row["feedback"])
        if grade_id:
            assert float(row["max_points"]) == gc.POINTS[grade_id[5:]]
    for grade_id, needles in words.items():
        for needle in needles:
            assert needle in rows[grade_id]["feedback"], (grade_id, needle, rows[grade_id]["feedback"])
    assert not any(r["feedback"].startswith("Grader error") for r in rows.values()), rows


def test_feedback_files(batch):
    folder = batch["out"].parent / "feedback"
    assert sorted(p.stem for p in folder.glob("*.md")) == sorted(gc.SUBMISSIONS)
    carol = (folder / "carol_bug.md").read_text()
    assert "# Feedback for carol_bug" in carol and "Total: 3 / 8" in carol and "per-element-norm" in carol


# ---------------------------------------------------------------------------- without the static checks
def test_runtime_defences_alone(tmp_path):
    """With the static checks off, the kernel-side checks still stop tampering, and a dead kernel
    or a killed grading process costs only the exercises it hit."""
    masters = tmp_path / "masters"
    two = ("gradient_penalty", "critic_loss")
    gc.write_master(masters, exercises=two)
    subs = tmp_path / "subs"
    (subs / "exits").mkdir(parents=True)
    nbformat.write(gc.submission(two, gradient_penalty=gc.GP_EXIT, critic_loss=gc.CL_PATCH_BUILTINS),
                   subs / "exits" / gc.NAME)
    (subs / "kills_grader").mkdir()
    kill = gc.correct("critic_loss") + "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"
    nbformat.write(gc.submission(two, gradient_penalty=gc.correct("gradient_penalty"), critic_loss=kill),
                   subs / "kills_grader" / gc.NAME)
    options = grade.Options(cell_timeout=CELL_TIMEOUT, notebook_timeout=300, static_checks=False)
    rows = grade.grade_batch(subs, grade.master_paths(masters), jobs=2, options=options, progress=False)
    got = {(r["student"], r["grade_id"]): r for r in rows}
    gp, cl = got[("exits", "test_gradient_penalty")], got[("exits", "test_critic_loss")]
    assert gp["points"] == 0 and "kernel died" in gp["feedback"]
    assert cl["points"] == 0 and "builtins.AssertionError" in cl["feedback"]
    assert "course_utils.checks.check_critic_loss" in cl["feedback"]
    ok, killed = got[("kills_grader", "test_gradient_penalty")], got[("kills_grader", "test_critic_loss")]
    assert ok["points"] == 3, ok["feedback"]  # streamed before the worker was killed
    assert killed["points"] == 0 and "grading process stopped" in killed["feedback"]


# ---------------------------------------------------------------------------- the real course
def test_the_real_masters_earn_full_marks(tmp_path):
    """Each master notebook, handed in as a submission, gets every point: no false alarm from the
    static checks, the reference guards or the state checks on the course's own solutions."""
    masters = [p for p in grade.master_paths(grade.DEFAULT_MASTERS) if grade.load_master(p).graded]
    assert masters, "no master notebook with exercises in notebooks/"
    folder = tmp_path / "instructor"
    folder.mkdir()
    for path in masters:
        (folder / path.name).write_bytes(path.read_bytes())
    rows = grade.grade_batch(tmp_path, masters, jobs=2, options=grade.Options(notebook_timeout=900), progress=False)
    assert rows and all(r["student"] == "instructor" for r in rows)
    wrong = [(r["notebook"], r["grade_id"], r["feedback"]) for r in rows if r["points"] != r["max_points"]]
    assert not wrong, wrong
