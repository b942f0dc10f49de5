"""The two wings: course_tools imports course_utils, never the reverse; one command-line home."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import course_tools
from course_tools import __main__ as cli
from course_tools import paths

REPO = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted((REPO / "course_utils").glob("*.py")), ids=lambda p: p.name)
def test_learner_package_never_imports_the_toolkit(path):
    bad = sorted(n for n in _imports(path) if n.split(".")[0] == "course_tools")
    assert not bad, f"{path.name} imports the toolkit: {bad}"


def test_toolkit_and_settings_import_without_torch():
    code = ("import sys, course_tools, course_tools.__main__, course_tools.student, course_tools.nb, "
            "course_tools.paths, course_utils.stubs, course_utils.settings; "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_paths_point_into_the_repository():
    assert paths.REPO_ROOT == REPO
    masters = paths.master_paths()
    assert masters and all(p.parent == paths.NOTEBOOKS for p in masters)
    assert {p.name for p in masters} == {p.name for p in paths.master_paths(paths.STUDENT_DIR)}


def test_cli_lists_commands_and_rejects_unknown(capsys):
    assert cli.main([]) == 2
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in course_tools.COMMANDS)
    assert cli.main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err


def test_cli_dispatches_to_the_tools(capsys):
    assert cli.main(["student", "--check"]) in (0, 1)  # 1 while the committed versions are stale
    with pytest.raises(SystemExit) as exit_:
        cli.main(["nb", "--help"])
    assert exit_.value.code == 0
    assert "normalize" in capsys.readouterr().out
    assert callable(cli.load("grade")) and callable(cli.load("bench"))


MODULES = sorted(p for wing in ("course_utils", "course_tools") for p in (REPO / wing).rglob("*.py")
                 if p.name not in ("__main__.py",))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_module_is_small_and_declares_its_api(path):
    """Issue 12: no module in either wing over about 500 lines; each says what it exports."""
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= 500, f"{path.relative_to(REPO)} has {len(source.splitlines())} lines"
    tree = ast.parse(source)
    declares = any(isinstance(n, (ast.Assign, ast.AnnAssign)) and any(
        isinstance(t, ast.Name) and t.id == "__all__" for t in (n.targets if isinstance(n, ast.Assign) else [n.target]))
        for n in tree.body)
    assert declares or path.name == "__init__.py" and not any(
        isinstance(n, (ast.FunctionDef, ast.ClassDef)) for n in tree.body), f"{path.relative_to(REPO)} has no __all__"


@pytest.mark.parametrize("path", MODULES + sorted((REPO / "tests").rglob("*.py")), ids=lambda p: str(p.relative_to(REPO)))
def test_no_private_name_crosses_a_module_boundary(path):
    """``from course_utils.x import _helper`` or ``module._helper`` from another course module is not allowed."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    course_modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith(("course_", "tests"))):
            private = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
            assert not private, f"{path.relative_to(REPO)}:{node.lineno} imports private {private} from {node.module}"
            course_modules |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Import):
            course_modules |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name.startswith("course_")}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name) and node.value.id in course_modules):
            raise AssertionError(f"{path.relative_to(REPO)}:{node.lineno} reads {node.value.id}.{node.attr}")
