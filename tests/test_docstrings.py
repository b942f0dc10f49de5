"""Every public function of the learner package says where it is taught, and says it truly.

A docstring ends with "Used in notebook 05." / "Used in notebooks 03 and 07." or with
"Not called in a notebook." The notebooks' code cells are parsed to find which course
functions they call by name (``from course_utils.x import f``, ``import course_utils.x as X``
then ``X.f``, ``course_utils.x.f``), and each docstring's claim is compared with that.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
import re
from functools import cache
from pathlib import Path

import pytest

import course_utils

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _public_functions() -> list[tuple[str, str, object]]:
    found = []
    modules = ["course_utils"] + [m.name for m in pkgutil.walk_packages(course_utils.__path__, "course_utils.")]
    for name in modules:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if inspect.isfunction(obj) and obj.__module__ == name:
                found.append((name, attr, obj))
    return found


def _code_of(path: Path) -> ast.Module:
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    lines = []
    for cell in cells:
        for line in "".join(cell["source"]).splitlines():
            stripped = line.lstrip()
            lines.append("" if stripped.startswith(("%", "!")) else line)  # IPython magics and shell lines
        lines.append("")
    return ast.parse("\n".join(lines))


@cache
def _calls_by_notebook() -> dict[str, set[tuple[str, str]]]:
    """Notebook number -> the (module, function) pairs of course_utils its code refers to by name."""
    used: dict[str, set[tuple[str, str]]] = {}
    for path in NOTEBOOKS:
        tree = _code_of(path)
        aliases: dict[str, str] = {}  # local name -> module path (course_utils or a submodule)
        names: set[tuple[str, str]] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("course_utils"):
                        aliases[a.asname or a.name] = a.name
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("course_utils"):
                for a in node.names:
                    full = f"{node.module}.{a.name}"
                    if _is_module(full):
                        aliases[a.asname or a.name] = full
                    else:
                        names.add((node.module, a.name))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                dotted = _dotted(node.value)
                if dotted is None:
                    continue
                head, _, rest = dotted.partition(".")
                if head in aliases:
                    module = aliases[head] + ("." + rest if rest else "")
                    names.add((module, node.attr))
        used[path.name[:2]] = names
    return used


def _is_module(dotted: str) -> bool:
    try:
        importlib.import_module(dotted)
    except ImportError:
        return False
    return True


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return None if inner is None else f"{inner}.{node.attr}"
    return None


@cache
def _called_objects() -> dict[str, set[int]]:
    """Notebook number -> the ids of the course objects its code refers to (and of what they wrap)."""
    found: dict[str, set[int]] = {}
    for number, names in _calls_by_notebook().items():
        ids = found[number] = set()
        for module, attr in names:
            try:
                target = getattr(importlib.import_module(module), attr)
            except (ImportError, AttributeError):
                continue
            ids |= {id(target), id(getattr(target, "__wrapped__", target))}
    return found


def _notebooks_calling(obj: object) -> list[str]:
    return [number for number, ids in _called_objects().items() if id(obj) in ids]


def _claimed(doc: str) -> list[str] | None:
    """The notebooks a docstring names ([] for "Not called in a notebook"; None if it says neither)."""
    flat = " ".join(doc.split())
    if "Not called in a notebook" in flat:
        return []
    match = re.search(r"Used in notebooks? ([0-9, and]+)", flat)
    return None if match is None else re.findall(r"\d\d", match.group(1))


FUNCTIONS = _public_functions()


def test_the_package_has_public_functions_to_check():
    assert len(FUNCTIONS) > 100, len(FUNCTIONS)


@pytest.mark.parametrize("module,name,obj", FUNCTIONS, ids=[f"{m}.{n}" for m, n, _ in FUNCTIONS])
def test_docstring_says_truly_where_it_is_used(module, name, obj):
    doc = inspect.getdoc(obj) or ""
    claimed = _claimed(doc)
    assert claimed is not None, (
        f"{module}.{name}: end its docstring with 'Used in notebook NN.' or 'Not called in a notebook.'")
    called = _notebooks_calling(obj)
    missing = sorted(set(called) - set(claimed))
    assert not missing, f"{module}.{name} is called in notebook(s) {missing}, its docstring says {claimed or 'none'}"
    if not claimed:
        return
    # a named notebook must really use it, by name or through the package (a loop calling a loss, say)
    if "(through the package)" in " ".join(doc.split()):
        return  # called by other course code that the notebook uses (an evaluator, a training loop)
    unused = [n for n in claimed if n not in called and not _mentioned(n, name)]
    assert not unused, f"{module}.{name}: docstring names notebook(s) {unused}, which never mention {name}"


@cache
def _notebook_text(number: str) -> str:
    return next(p for p in NOTEBOOKS if p.name.startswith(number)).read_text()


def _mentioned(number: str, name: str) -> bool:
    return re.search(rf"\b{re.escape(name)}\b", _notebook_text(number)) is not None


def test_the_usage_finder_sees_aliases_and_from_imports():
    used = _calls_by_notebook()
    from course_utils import regularizers
    from course_utils.exercises import use_learner_or_reference

    assert any(m == "course_utils.regularizers" and a == "layer_spectral_norms" for m, a in used["09"]), (
        "09 calls R.layer_spectral_norms (an alias of an imported module)")
    assert "09" in _notebooks_calling(regularizers.layer_spectral_norms)
    assert "05" in _notebooks_calling(use_learner_or_reference), "05 imports it with 'from ... import'"
