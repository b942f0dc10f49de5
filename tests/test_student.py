"""Student versions: generated from the masters, committed, and runnable past an unsolved exercise."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from course_tools import student
from tests.fixtures import grading_course as gc

REPO = Path(__file__).resolve().parents[1]


def _by_id(nb):
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}


def test_solution_replaced_by_stub_keeping_signature_and_docstring():
    nb = gc.student_notebook()
    cell = _by_id(nb)["gradient_penalty"]
    lines = cell.source.splitlines()
    assert lines[:2] == gc.HEADS["gradient_penalty"].splitlines()
    assert lines[2] == "    # YOUR CODE HERE"
    assert lines[3].startswith('    raise NotImplementedError("Exercise `gradient_penalty`')
    assert "hint below" in lines[3]
    assert "BEGIN SOLUTION" not in cell.source and "autograd" not in cell.source
    compile(cell.source, "<stub>", "exec")  # valid Python, correctly indented


def test_nested_indentation_follows_the_marker():
    master = gc.master_notebook()
    cell = _by_id(master)["clip_weights_"]
    cell.source = cell.source.replace("    ### BEGIN SOLUTION", "    if True:\n        ### BEGIN SOLUTION")
    cell.source = cell.source.replace("    ### END SOLUTION", "        ### END SOLUTION")
    stub = _by_id(student.make_student_version(master))["clip_weights_"].source
    assert "        raise NotImplementedError(" in stub
    compile(stub, "<stub>", "exec")


def test_hidden_tests_removed_outputs_stripped_tags_and_locks():
    master = gc.master_notebook()
    for cell in master.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="old output")]
            cell.execution_count = 7
    nb = student.make_student_version(master)
    cells = _by_id(nb)
    test = cells["test_gradient_penalty"]
    assert "HIDDEN" not in test.source and "gp.ndim" not in test.source
    assert 'with unfinished_ok("gradient_penalty"):\n    result = checks.check_gradient_penalty(gradient_penalty)' in test.source
    assert test.metadata["tags"] == ["raises-exception"]
    assert test.metadata["nbgrader"]["points"] == 3 and test.metadata["nbgrader"]["grade"] is True
    assert test.metadata["editable"] is False and test.metadata["deletable"] is False
    assert cells["gradient_penalty"].metadata["deletable"] is False
    assert "editable" not in cells["gradient_penalty"].metadata
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    # everything that is not an exercise is unchanged, and the master is not modified
    assert [c.source for c in nb.cells if "nbgrader" not in c.metadata] == [
        c.source for c in master.cells if "nbgrader" not in c.metadata]
    assert "BEGIN SOLUTION" in _by_id(master)["gradient_penalty"].source
    nbformat.validate(nb)


@pytest.mark.parametrize(
    ("source", "meta", "message"),
    [
        ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", {"solution": True}, "never closed"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", {"solution": True}, "nested"),
        ("x = 1\n### END SOLUTION", {"solution": True}, "without"),
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", {"solution": False}, "not an nbgrader solution cell"),
        ("### BEGIN HIDDEN TESTS\nassert 1\n### END HIDDEN TESTS", {"grade": False}, "not an nbgrader graded"),
    ],
)
def test_malformed_markers_are_reported(source, meta, message):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade_id": "f", "grade": False, "solution": False, "locked": False, **meta}
    nb = nbformat.v4.new_notebook(cells=[cell])
    with pytest.raises(student.MarkerError, match=message):
        student.make_student_version(nb, "x.ipynb")


def test_cli_generates_and_check_mode_lists_stale_files(tmp_path, capsys):
    masters = tmp_path / "notebooks"
    path = gc.write_master(masters)
    out = masters / "student"
    assert student.main([str(path), "--check"]) == 1
    assert "missing" in capsys.readouterr().out
    assert student.main([str(path)]) == 0
    assert student.main([str(path), "--check"]) == 0
    assert (out / gc.NAME).read_text() == student.student_text(path)
    # a master edit makes the committed student version stale
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source += "\n\nA new sentence."
    nbformat.write(nb, path)
    (out / "09_orphan.ipynb").write_text("{}")
    capsys.readouterr()
    assert student.main([str(path), "--check"]) == 1
    report = capsys.readouterr().out
    assert f"{out / gc.NAME}: out of date" in report and "09_orphan.ipynb: has no master" in report
    assert student.main([str(path)]) == 0
    assert student.main([str(path), "--check"]) == 1  # the orphan is still there
    (out / "09_orphan.ipynb").unlink()
    assert student.main([str(path), "--check"]) == 0


def test_committed_student_versions_are_up_to_date():
    """notebooks/student/ must equal what `python -m course_tools student` generates now."""
    masters = student.master_paths(REPO / "notebooks")
    problems = student.stale(masters, REPO / "notebooks" / "student")
    assert not problems, "run `python -m course_tools student`:\n" + "\n".join(problems)


def test_every_master_converts():
    for path in student.master_paths(REPO / "notebooks"):
        nb = student.make_student_version(nbformat.read(path, as_version=4), str(path))
        for cell in nb.cells:
            assert "BEGIN SOLUTION" not in cell.source and "BEGIN HIDDEN TESTS" not in cell.source, path


def _without_tags(nb):
    """What Colab sees: no frontend tag lets a failing cell pass."""
    for cell in nb.cells:
        cell.metadata.pop("tags", None)
    return nb


def _outputs(nb) -> dict:
    return {c.metadata.get("nbgrader", {}).get("grade_id", i): "".join(
        o.get("text", "") + o.get("ename", "") for o in c.get("outputs", []))
        for i, c in enumerate(nb.cells) if c.cell_type == "code"}


def test_student_version_runs_to_the_end_without_tags_reporting_unfinished_exercises():
    """Colab's Run all: no raises-exception tag, yet every cell runs; unfinished exercises are named."""
    from nbclient import NotebookClient

    nb = _without_tags(gc.submission(critic_loss=gc.correct("critic_loss")))  # one solved, three untouched
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(REPO)}})
    client.execute()  # raises CellExecutionError if any cell fails
    text = _outputs(nb)
    assert "NOT FINISHED: exercise `gradient_penalty`" in text["test_gradient_penalty"]
    assert "replace that line" in text["test_gradient_penalty"]
    assert "NOT FINISHED" not in text["test_critic_loss"]  # the solved one is tested for real
    joined = "\n".join(str(t) for t in text.values())
    assert "NOTE: using the course's reference gradient_penalty" in joined  # ... and the lesson went on
    assert "Using your critic_loss" in joined
    assert "critic loss on the toy batch" in joined  # the last cell ran


def test_student_test_cells_still_fail_on_a_wrong_answer():
    """Only an unfinished stub is forgiven: an attempted but wrong exercise still stops Run all."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = _without_tags(gc.submission(gradient_penalty=gc.GP_PER_ELEMENT))
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(REPO)}})
    with pytest.raises(CellExecutionError) as err:
        client.execute()
    assert "AssertionError" in str(err.value) and "NOT FINISHED" not in _outputs(nb)["test_gradient_penalty"]


def test_masters_keep_strict_test_cells():
    """nbgrader restores test cells from the masters and the grader runs the masters: no forgiveness there."""
    for path in student.master_paths(REPO / "notebooks"):
        for cell in nbformat.read(path, as_version=4).cells:
            assert "unfinished_ok" not in cell.source, f"{path.name}: a master test cell must stay strict"
    master = gc.master_notebook()
    assert all("unfinished_ok" not in c.source for c in master.cells)
    assert sum("unfinished_ok" in c.source for c in student.make_student_version(master).cells) == len(gc.ALL)
