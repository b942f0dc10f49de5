"""Notebook tools: normalise (kernel metadata, folded setup cell) and one repository address."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from course_tools import nb, student

REPO = Path(__file__).resolve().parents[1]


def test_normalize_writes_full_kernel_metadata_and_folds_the_setup_cell():
    old = nb.new_notebook([nb.md("# T"), nb.setup_cell(), nb.code("x = 1")])
    old.metadata["language_info"] = {"name": "python"}
    old.cells[1].source = "# an old setup cell"
    old.cells[1].metadata = {"tags": [nb.FIRST_CELL_TAG], "scrolled": True}
    new = nb.normalize(old)
    assert new.metadata["language_info"] == nb.LANGUAGE_INFO
    assert new.metadata["language_info"]["codemirror_mode"] == {"name": "ipython", "version": 3}
    setup = new.cells[1]
    assert setup.source == nb.SETUP_CELL and setup.source.startswith("#@title Course setup")
    assert setup.metadata["jupyter"] == {"source_hidden": True} and setup.metadata["cellView"] == "form"
    assert "scrolled" not in setup.metadata and "jupyter" not in new.cells[2].metadata
    assert nbformat.writes(nb.normalize(nbformat.reads(nbformat.writes(new), 4))) == nbformat.writes(new)


def test_inserting_a_cell_changes_no_other_cells_id():
    first = nb.normalize(nb.new_notebook([nb.md("# T"), nb.setup_cell(), nb.code("a = 1"),
                                          nb.solution("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION", "f"), nb.code("b = 2")]))
    before = [c.id for c in first.cells]
    assert before == ["cell-000", "cell-001", "cell-002", "f", "cell-003"]
    first.cells.insert(2, nb.code("inserted = True"))
    first.cells.append(nbformat.v4.new_code_cell("copy"))
    first.cells[-1].id = "cell-002"  # a pasted copy keeps its twin's id
    after = [c.id for c in nb.normalize(first).cells]
    assert after == ["cell-000", "cell-001", "cell-004", "cell-002", "f", "cell-003", "cell-005"]
    assert len(set(after)) == len(after)


def test_setup_cell_reads_the_address_from_pyproject_only():
    assert f'REPO_URL = "{nb.repo_url()}"' in nb.SETUP_CELL
    compile(nb.SETUP_CELL, "<setup>", "exec")


def test_set_repo_changes_pyproject_readme_and_every_notebook(tmp_path, monkeypatch, capsys):
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, tmp_path / name)
    masters = tmp_path / "notebooks"
    masters.mkdir()
    shutil.copy(REPO / "notebooks" / "00_welcome.ipynb", masters)
    monkeypatch.setattr(nb, "PYPROJECT", tmp_path / "pyproject.toml")
    monkeypatch.setattr(nb, "README", tmp_path / "README.md")
    monkeypatch.setattr(nb, "NOTEBOOKS", masters)
    monkeypatch.setattr(nb, "STUDENT_DIR", masters / "student")
    old = nb.repo_url()
    assert nb.main(["set-repo", "not a url"]) == 2
    assert nb.main(["set-repo", "https://github.com/someone/their-fork.git"]) == 0
    assert nb.repo_url() == "https://github.com/someone/their-fork"
    readme = (tmp_path / "README.md").read_text()
    assert "colab.research.google.com/github/someone/their-fork/blob/main/" in readme
    assert old.removeprefix("https://github.com/") not in readme
    for path in (masters / "00_welcome.ipynb", masters / "student" / "00_welcome.ipynb"):
        cells = nbformat.read(path, as_version=4).cells
        assert 'REPO_URL = "https://github.com/someone/their-fork"' in next(c for c in cells if c.cell_type == "code").source
    assert "updated" in capsys.readouterr().out
    assert student.stale([masters / "00_welcome.ipynb"], masters / "student") == []


def test_working_copies_never_overwrite_and_carry_this_python_version(tmp_path):
    import platform

    src = tmp_path / "student"
    src.mkdir()
    nbformat.write(nb.normalize(nb.new_notebook([nb.md("# A"), nb.setup_cell()])), src / "00_a.ipynb")
    mine = tmp_path / "my_work"
    assert [p.name for p in nb.working_copies(src, mine)] == ["00_a.ipynb"]
    copy_ = nbformat.read(mine / "00_a.ipynb", as_version=4)
    assert copy_.metadata.language_info["version"] == platform.python_version()
    copy_.cells[0].source = "# my notes"
    nbformat.write(copy_, mine / "00_a.ipynb")
    nbformat.write(nb.normalize(nb.new_notebook([nb.md("# B"), nb.setup_cell()])), src / "01_b.ipynb")
    assert [p.name for p in nb.working_copies(src, mine)] == ["01_b.ipynb"]  # only the new one
    assert nbformat.read(mine / "00_a.ipynb", as_version=4).cells[0].source == "# my notes"
