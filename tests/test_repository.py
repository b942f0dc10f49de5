"""Repository-level promises: README commands, CI entry, notebook hygiene, links."""

import re
import tomllib
from pathlib import Path

import nbformat
import pytest

from course_tools import nb as nbtools

ROOT = Path(__file__).resolve().parents[1]
MASTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
README = (ROOT / "README.md").read_text()


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    assert "bash setup.sh" in README and "bash run_tests.sh" in README
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^bash run_tests\.sh\b", ci, flags=re.M), ".ci/run must call the README's test command"


def test_every_notebook_in_the_readme_syllabus_exists_numbered_without_gaps():
    listed = re.findall(r"^\| (\d\d) \| ", README, flags=re.M)
    numbers = [p.name[:2] for p in MASTERS]
    assert listed, "the README's syllabus table lists no notebook"
    assert numbers == listed == [f"{i:02d}" for i in range(len(listed))], (
        f"the README's syllabus lists notebooks {listed}; notebooks/ holds {numbers}"
    )


@pytest.mark.parametrize("path", MASTERS, ids=lambda p: p.name)
def test_notebooks_are_clean_and_start_with_the_shared_setup_cell(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nbtools.validate(nb, path.name) == []
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code.source == nbtools.SETUP_CELL.strip("\n"), (
        f"{path.name}: first code cell is not the shared setup cell"
    )
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")


def test_repository_url_is_the_same_everywhere():
    homepage = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Homepage"]
    assert f'REPO_URL = "{homepage}"' in nbtools.SETUP_CELL
    slug = homepage.removeprefix("https://github.com/")
    links = re.findall(r"colab\.research\.google\.com/github/([^)\s]+)", README)
    assert len(links) == len(MASTERS)
    for link in links:
        assert link.startswith(f"{slug}/blob/main/"), link
        target = ROOT / link.split("/blob/main/", 1)[1]
        assert target.exists(), f"README's Colab link points to a missing file: {target.relative_to(ROOT)}"
