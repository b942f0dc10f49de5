"""The declared stack: every package the notebooks and packages import is listed; setup.sh's messages."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
REQUIREMENTS = {re.split(r"[<>=\[ ]", line)[0].lower() for line in (REPO / "requirements.txt").read_text().splitlines()
                if line.strip() and not line.startswith("#")}
#: import name -> the requirement that provides it
PROVIDED_BY = {"IPython": "ipykernel", "course_utils": None, "course_tools": None,
               "course_grading": None}  # course_tools/grading/{probes,standins,...}.py: the sandbox's package


def _imports(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names)


def test_every_import_of_the_notebooks_and_packages_is_a_requirement():
    names = set()
    for path in sorted((REPO / "notebooks").glob("[0-9]*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code":
                source = "".join(cell["source"])
                names |= _imports("\n".join(line for line in source.split("\n") if line.lstrip()[:1] not in "%!"))
    for path in [*REPO.glob("course_utils/*.py"), *REPO.glob("course_tools/**/*.py")]:
        names |= _imports(path.read_text())
    missing = {n for n in names if PROVIDED_BY.get(n, n.lower()) not in REQUIREMENTS | {None}}
    assert not missing, f"imported but not in requirements.txt: {sorted(missing)}"


def test_stack_for_local_installs_and_tests():
    assert "seaborn" in REQUIREMENTS and "jupyterlab" in REQUIREMENTS
    req = (REPO / "requirements.txt").read_text()
    assert re.search(r"^ipywidgets>=8", req, re.M), "JupyterLab 4 needs ipywidgets 8 locally"
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert any(d.startswith("ipywidgets>=8") for d in extras["lab"])
    assert {"nbval", "playwright", "nbgrader", "pytest"} <= {re.split(r"[<>=]", d)[0] for d in extras["test"]}
    assert PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"] == ["course_utils*", "course_tools*"]
    assert "-r requirements.txt" in (REPO / "environment.yml").read_text()


def _setup(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(REPO / "setup.sh"), *args], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(REPO), **env})


def test_setup_help_is_only_the_help():
    out = _setup("--help")
    assert out.returncode == 0 and "set -euo" not in out.stdout and "my_work" in out.stdout
    assert "WSL" in out.stdout and not out.stdout.startswith("!")


def test_setup_explains_a_python_that_is_missing_or_broken():
    out = _setup("--no-lab", PYTHON="no-such-python")
    assert out.returncode == 1 and "'no-such-python' was not found" in out.stderr
    out = _setup("--no-lab", PYTHON="false")
    assert out.returncode == 1 and "does not run" in out.stderr
