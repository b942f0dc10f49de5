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
