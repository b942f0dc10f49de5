"""The grader on the real masters 03 and 05: attacks, fair styles and file cases, in one sandboxed batch.

Attacks earn nothing from the attacked exercise, honest variants earn full marks, the
masters and the grades stay untouched and no process outlives the grader.
"""

from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path

import nbformat
import pytest

from course_tools.grading import cli, sandbox
from course_tools.grading.report import feedback_filename
from tests.grading import cases as c

pytestmark = pytest.mark.skipif(sandbox.bwrap_path() is None, reason="bubblewrap is not installed")

F5, F3, F6 = c.FULL05, c.FULL03, c.FULL06
ZERO5 = dict.fromkeys(F5, 0)
GP0 = {**F5, "gradient_penalty": 0}
CL0 = {**F5, "critic_loss": 0}

#: student -> ({file name: notebook}, {notebook: {exercise: points}})
CASES = {
    "honest": ({c.NB05: c.submission()}, {c.NB05: F5}),
    "honest_03_and_06": ({c.NB03: c.submission(c.NB03), c.NB06: c.submission(c.NB06)}, {c.NB03: F3, c.NB06: F6}),
    "untouched_stubs_03_and_06": ({c.NB03: c.stubbed(c.NB03), c.NB06: c.stubbed(c.NB06)},
                                  {c.NB03: dict.fromkeys(F3, 0), c.NB06: dict.fromkeys(F6, 0)}),
    "step_bugs_03": ({c.NB03: c.submission(c.NB03, clip_critic_step=c.CLIP_STEP_NO_ZERO_GRAD,
                                           generator_step=c.GEN_STEP_LEFT_FROZEN)},
                     {c.NB03: {**F3, "clip_critic_step": 0, "generator_step": 0}}),
    "step_bugs_06": ({c.NB06: c.submission(c.NB06, gp_critic_step_fixed=c.GP_STEP_QUICK,
                                           generator_step_fixed=c.GEN_STEP_CAREFUL)},
                     {c.NB06: {**F6, "gp_critic_step_fixed": 0, "generator_step_fixed": 0}}),
    "untouched_stubs": ({c.NB05: c.stubbed()}, {c.NB05: ZERO5}),
    "enable_grad_decorator": ({c.NB05: c.submission(gradient_penalty=c.GP_ENABLE_GRAD)}, {c.NB05: F5}),
    "no_grad_decorator": ({c.NB03: c.submission(c.NB03, clip_weights_=c.CLIP_NO_GRAD)}, {c.NB03: F3}),
    "torch_func": ({c.NB05: c.submission(gradient_penalty=c.GP_TORCH_FUNC)}, {c.NB05: F5}),
    "helper_in_other_cell": ({c.NB05: c.submission(gradient_penalty=c.GP_USES_HELPER,
                                                    extra_below={"gradient_penalty": c.GP_HELPER})}, {c.NB05: F5}),
    "stub_then_finished_below": ({c.NB05: c.submission(gradient_penalty=c.GP_STUB,
                                                        extra_below={"gradient_penalty": c.GP_HONEST})}, {c.NB05: F5}),
    "cell_magic_time": ({c.NB05: c.submission(magic="%%time", gradient_penalty=c.GP_HONEST)}, {c.NB05: F5}),
    "weak_mean_norm": ({c.NB05: c.submission(gradient_penalty=c.GP_MEAN_NORM)}, {c.NB05: GP0}),
    "weak_first_norm": ({c.NB05: c.submission(gradient_penalty=c.GP_FIRST_NORM)}, {c.NB05: GP0}),
    "weak_clamped_alpha": ({c.NB05: c.submission(gradient_penalty=c.GP_CLAMPED_ALPHA)}, {c.NB05: GP0}),
    "bug_per_element_norm": ({c.NB05: c.submission(gradient_penalty=c.GP_PER_ELEMENT)}, {c.NB05: GP0}),
    "bug_one_alpha": ({c.NB05: c.submission(gradient_penalty=c.GP_ONE_ALPHA)}, {c.NB05: GP0}),
    "bug_detached": ({c.NB05: c.submission(gradient_penalty=c.GP_DETACHED)}, {c.NB05: GP0}),
    "imports_reference_staticmethod": ({c.NB05: c.submission(gradient_penalty=c.GP_IMPORTS_REFERENCE)},
                                       {c.NB05: GP0}),
    "is_the_courses_penalty": ({c.NB05: c.submission(gradient_penalty=c.GP_IS_THE_COURSES)}, {c.NB05: GP0}),
    "assigns_the_courses_penalty": ({c.NB05: c.submission(gradient_penalty=c.GP_ASSIGNS_THE_COURSES)},
                                    {c.NB05: GP0}),
    "wraps_the_courses_penalty": ({c.NB05: c.submission(gradient_penalty=c.GP_WRAPS_THE_COURSES)}, {c.NB05: GP0}),
    "step_with_course_losses_03": ({c.NB03: c.submission(c.NB03, clip_critic_step=c.CLIP_STEP_WITH_COURSE_LOSSES)},
                                   {c.NB03: F3}),
    "type_callable_reference": ({c.NB05: c.submission(gradient_penalty=c.GP_TYPE_CALLABLE)}, {c.NB05: GP0}),
    "in_history": ({c.NB05: c.submission(gradient_penalty=c.GP_IN_HISTORY)}, {c.NB05: GP0}),
    "typing_get_type_hints": ({c.NB05: c.submission(gradient_penalty=c.GP_TYPING)}, {c.NB05: GP0}),
    "infinite_loop": ({c.NB05: c.submission(gradient_penalty=c.GP_LOOP)}, {c.NB05: GP0}),
    "six_gb_allocation": ({c.NB05: c.submission(gradient_penalty=c.GP_MEMORY)}, {c.NB05: GP0}),
    "writes_masters_and_grades": ({c.NB05: c.submission(critic_loss=c.attack(
        "import pathlib\nfor p in [MASTER, GRADES, CODE]:\n"
        "    try:\n        pathlib.Path(p).write_text('owned')\n    except OSError:\n        pass"))},
        {c.NB05: F5}),
    "detached_process": ({c.NB05: c.submission(critic_loss=c.attack(
        "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(8)\n"
        "    open(GRADES, 'a').write('mallory,05,x,99,1,fake')\n    os._exit(0)"))}, {c.NB05: F5}),
    "torch_save_pickle": ({c.NB05: c.submission(critic_loss=c.attack(
        "import torch\ntry:\n    torch.save({'x': 1}, MASTER)\nexcept Exception:\n    pass"))}, {c.NB05: F5}),
    "upper_case_extension": ({"05_gradient_penalty.IPYNB": c.submission()}, {c.NB05: F5}),
    ".dot_folder_student": ({c.NB05: c.submission()}, {c.NB05: F5}),
    "several_copies": ({c.NB05: c.stubbed(), "05_gradient_penalty (1).ipynb": c.submission()}, {c.NB05: F5}),
    "Jane Doe": ({c.NB05: c.submission()}, {c.NB05: F5}),
    "Jane_Doe": ({c.NB05: c.stubbed()}, {c.NB05: ZERO5}),
    "王伟": ({c.NB05: c.submission()}, {c.NB05: F5}),
    "王芳": ({c.NB05: c.stubbed()}, {c.NB05: ZERO5}),
    "symlink_to_master": ({}, {c.NB05: ZERO5}),
    "symlink_to_passwd": ({}, {c.NB05: ZERO5}),
}


def _digest(paths) -> dict:
    return {str(p): hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("grading")
    masters = root / "masters"
    masters.mkdir()
    for path in c.MASTERS:
        (masters / path.name).write_bytes(path.read_bytes())
    out = root / "out" / "grades.csv"
    code = c.REPO / "course_tools" / "grading" / "judge.py"
    subs = root / "subs"
    for student, (files, _points) in CASES.items():
        folder = subs / student
        folder.mkdir(parents=True)
        for name, nb in files.items():
            text = nbformat.writes(nb).replace("MASTER", repr(str(masters / c.NB05))).replace(
                "GRADES", repr(str(out))).replace("CODE", repr(str(code)))
            (folder / name).write_text(text)
    (subs / "symlink_to_master" / c.NB05).symlink_to(masters / c.NB05)
    (subs / "symlink_to_passwd" / c.NB05).symlink_to("/etc/passwd")
    watched = [*(masters / p.name for p in c.MASTERS), code]
    before = _digest(watched)
    rc = cli.main([str(subs), "--out", str(out), "--masters", str(masters), "--jobs", "2", "--quiet"])
    assert rc == 0
    import time

    time.sleep(9)  # the detached child of `detached_process` would have written by now
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {"rows": rows, "out": out, "before": before, "after": _digest(watched), "text": out.read_text()}


@pytest.mark.parametrize("student", sorted(CASES))
def test_points(batch, student):
    _files, expected = CASES[student]
    got = {}
    for row in batch["rows"]:
        if row["student"] == student:
            got.setdefault(row["notebook"], {})[row["grade_id"][5:]] = float(row["points"])
    for notebook, points in expected.items():
        graded = {k: v for k, v in got.get(notebook, {}).items() if k in points}
        assert graded == {k: float(v) for k, v in points.items()}, (
            student, [r["feedback"] for r in batch["rows"] if r["student"] == student])


def test_training_steps_are_graded_by_behaviour(batch):
    """The training-step exercises (03, and 06's fixed variants) earn points from probes, and a
    catalogued step bug is named in the feedback; nothing is left to grade by hand."""
    assert not [r for r in batch["rows"] if "by hand" in r["feedback"]]
    fb = {(r["student"], r["grade_id"][5:]): r["feedback"] for r in batch["rows"]}
    assert fb[("no_grad_decorator", "clip_critic_step")] == "All checks passed."
    assert "[missing-zero-grad]" in fb[("step_bugs_03", "clip_critic_step")]
    assert "[critic-left-frozen]" in fb[("step_bugs_03", "generator_step")]
    assert "[fake-not-detached]" in fb[("step_bugs_06", "gp_critic_step_fixed")]
    assert "generator-detached-fake" in fb[("step_bugs_06", "generator_step_fixed")]


def test_the_courses_own_function_earns_nothing_and_is_named(batch):
    """An exercise that is the sandbox's stand-in of the course's function, or calls it, is named as such;
    the course's helpers inside another exercise (03's step with `losses.clip_weights_`) are fair."""
    fb = {(r["student"], r["grade_id"][5:]): r["feedback"] for r in batch["rows"]}
    for student in ("is_the_courses_penalty", "assigns_the_courses_penalty", "wraps_the_courses_penalty"):
        assert ("[course-reference-in-use] `gradient_penalty` is the course's own "
                "`course_utils.losses.gradient_penalty`") in fb[(student, "gradient_penalty")], student
    assert fb[("step_with_course_losses_03", "clip_critic_step")] == "All checks passed."


def test_masters_code_and_grades_untouched(batch):
    assert batch["before"] == batch["after"]
    assert "mallory" not in batch["text"] and "owned" not in batch["text"]


def test_no_process_outlives_the_grader(batch):
    alive = []
    for pid in os.listdir("/proc"):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"/grader/worker.py" in cmd or b"wgan-grade-" in cmd:
            alive.append(cmd)
    assert not alive


def test_symlinks_never_followed_nor_quoted(batch):
    assert "root:" not in batch["text"]
    rows = [r for r in batch["rows"] if r["student"] == "symlink_to_master"]
    assert rows and all("Symbolic links ignored" in r["feedback"] for r in rows)


def test_several_copies_grades_the_finished_one_and_says_so(batch):
    rows = [r for r in batch["rows"] if r["student"] == "several_copies" and r["notebook"] == c.NB05]
    assert all("2 copies handed in: graded 05_gradient_penalty (1).ipynb" in r["feedback"] for r in rows)


def test_weak_tests_name_the_problem(batch):
    fb = {r["student"]: r["feedback"] for r in batch["rows"] if r["grade_id"] == "test_gradient_penalty"}
    assert "not uniform" in fb["weak_clamped_alpha"] or "sit exactly" in fb["weak_clamped_alpha"]
    assert "one alpha" in fb["bug_one_alpha"] or "not uniform" in fb["bug_one_alpha"]
    assert "ran out of time" in fb["infinite_loop"]


def test_distinct_feedback_files(batch):
    folder = batch["out"].parent / "feedback"
    names = {p.name for p in folder.glob("*.md")}
    students = {s for s in CASES}
    assert names == {feedback_filename(s) for s in students}
    # 7 of notebook 05's points (notebooks 03 and 06, worth 11 and 9, were not handed in)
    assert "Total: 7 / 27" in (folder / feedback_filename("Jane Doe")).read_text()
    assert "Total: 0 / 27" in (folder / feedback_filename("Jane_Doe")).read_text()
    assert "Total: 7 / 27" in (folder / feedback_filename("王伟")).read_text()
    assert "Total: 0 / 27" in (folder / feedback_filename("王芳")).read_text()
