"""Grade a batch of submitted notebooks without nbgrader's infrastructure.

::

    python -m course_utils.grade SUBMISSIONS_DIR --out grades.csv \\
        [--masters notebooks/] [--jobs N] [--cell-timeout S] [--notebook-timeout S]

``SUBMISSIONS_DIR`` holds one folder per student with their notebooks; a notebook is
matched to its master by file name (``05_gradient_penalty.ipynb``; ``Copy of ...`` and
``... (1).ipynb`` are recognised and noted). The CSV has one row per student, notebook and
graded test cell (``student, notebook, grade_id, points, max_points, feedback``) and
``feedback/<student>.md`` (next to the CSV) says the same in readable form.

How a submission is graded, and why it cannot grade itself
----------------------------------------------------------
Only the *solution cells* are taken from the submission (matched by ``grade_id``, or by
the name of the function they define when the nbgrader metadata was changed); every other
cell, the tests included (hidden tests too), comes from the master notebook. Per
(student, notebook) a worker process starts a fresh kernel and runs the master notebook
top to bottom with the student's solution sources in place of the master's:

1. A static check of each solution's source (``static_findings``): only ``torch``,
   ``numpy``, ``math`` and a few more standard modules may be imported; ``exec``/``eval``,
   ``getattr``/``setattr``, private and dunder attributes, ``sys``/``os``/``builtins``,
   assigning to attributes of objects the solution does not own (``torch.allclose = ...``),
   ``global`` and the names of the course's reference code are refused with a message.
2. Before any student code runs, the kernel harness (``_kernel_harness``) replaces the
   course's reference functions (``course_utils.losses``, ``metrics``, ``regularizers``,
   ``exercises.REFERENCES``) by guards that refuse to run when a frame of the student's
   code is on the stack, unless the master's own solution uses that function; it then
   snapshots torch, numpy, builtins, sys, course_utils, the IPython shell and kernel.
3. Each solution runs with ``exec`` under the file name ``<submission:NAME>``; names of the
   notebook it rebinds are restored; a function that *is* the reference (an alias, a
   ``functools.partial``) or that was not defined in the solution cell earns nothing.
4. After every cell from then on the snapshot is compared: a changed ``torch.allclose``,
   ``builtins.AssertionError``, a self-check function, a trace hook... zeroes the exercise
   whose code was running, and the kernel is discarded. A test passes when its cell's
   execute reply is ``ok``; when it fails the course's self-check names the bug.
5. Timeouts, kernel deaths and tampering discard the kernel; the remaining exercises are
   graded in a fresh one (one kernel per exercise when the culprit is ambiguous).

This stops tampering by accident and the usual tricks; it is not a sandbox. Run the grader
as an unprivileged user (or in a container) and read the code of flagged submissions.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from .student import code_stub, is_grade, is_solution, is_test
from .student import master_paths as student_master_paths

COLUMNS = ["student", "notebook", "grade_id", "points", "max_points", "feedback"]
REPO_ROOT = Path(__file__).resolve().parents[1]
#: Seconds the first cell (which imports torch and course_utils) may take, whatever --cell-timeout says.
STARTUP_TIMEOUT = 180
DEFAULT_MASTERS = REPO_ROOT / "notebooks"
MASTER_PATTERN = re.compile(r"^(\d\d)_.+\.ipynb$")
MARK = "\x1e[wgan-grader]"
PREFIX = "<submission:"

#: Top-level modules a solution cell may import.
ALLOWED_IMPORTS = frozenset(
    {"torch", "numpy", "math", "scipy", "functools", "itertools", "typing", "collections",
     "random", "statistics", "numbers", "dataclasses", "warnings", "__future__"}
)
#: Submodules that reach the interpreter or the file system.
FORBIDDEN_SUBMODULES = ("torch.utils.cpp_extension", "torch.hub", "torch.multiprocessing", "torch.package",
                        "torch.distributed", "numpy.ctypeslib", "numpy.f2py", "numpy.distutils", "numpy.testing")
FORBIDDEN_NAMES = frozenset(
    {"exec", "eval", "compile", "__import__", "globals", "locals", "vars", "getattr", "setattr", "delattr",
     "open", "breakpoint", "get_ipython", "exit", "quit", "memoryview", "__builtins__", "__loader__",
     "__spec__", "course_utils", "use_learner_or_reference", "REFERENCES", "register_reference"}
)
FORBIDDEN_ATTRIBUTES = frozenset(
    {"sys", "os", "builtins", "gc", "ctypes", "ctypeslib", "inspect", "importlib", "subprocess",
     "shutil", "signal", "threading", "system", "popen", "kill", "environ", "f_back", "f_globals",
     "f_locals", "f_builtins", "f_code", "tb_frame", "gi_frame", "cr_frame", "ag_frame", "func_globals"}
)
ALLOWED_DUNDERS = frozenset({"__init__", "__name__", "__doc__"})
ALLOWED_DUNDER_METHODS = frozenset({"__init__", "__call__", "__repr__", "__str__", "__len__"})

#: Modules whose attributes the kernel snapshots (plus every ``course_utils`` module).
PROTECTED_MODULES = (
    "builtins", "sys", "math", "operator", "functools", "numpy", "numpy.linalg", "torch", "torch.nn",
    "torch.nn.functional", "torch.nn.init", "torch.autograd", "torch.testing", "torch.func", "torch.linalg",
)
#: Keys that change on their own between cells (ipykernel swaps ``input`` per request).
VOLATILE_KEYS = {"builtins": ["input", "raw_input", "getpass"]}
#: For these modules only the listed keys are watched.
ONLY_KEYS = {"sys": ["modules", "meta_path", "path_hooks", "path_importer_cache", "settrace", "setprofile",
                     "gettrace", "getprofile", "stdout", "stderr", "displayhook", "addaudithook", "_getframe"]}
REFERENCE_MODULES = ("course_utils.losses", "course_utils.metrics", "course_utils.regularizers")


# --------------------------------------------------------------------------- master notebooks
@dataclass
class TestCell:
    grade_id: str
    points: float
    index: int
    source: str


@dataclass
class Exercise:
    """A solution cell (``grade_id`` = function name) and the test cells that grade it."""

    name: str
    index: int
    source: str
    stub: str
    tests: list[TestCell] = field(default_factory=list)


@dataclass
class Master:
    path: Path
    cells: list[dict]
    exercises: list[Exercise]
    loose_tests: list[TestCell]
    manual: list[tuple[str, float]]

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def graded(self) -> bool:
        return any(ex.tests for ex in self.exercises) or bool(self.loose_tests) or bool(self.manual)

    def rows_template(self) -> list[tuple[str, str, float]]:
        """(exercise, grade_id, max_points) in notebook order."""
        out = [(ex.name, t.grade_id, t.points) for ex in self.exercises for t in ex.tests]
        out += [("", t.grade_id, t.points) for t in self.loose_tests]
        return out


def _stub_source(source: str, name: str) -> str:
    from .student import BEGIN_SOLUTION, END_SOLUTION, _replace_regions

    text, found = _replace_regions(source, BEGIN_SOLUTION, END_SOLUTION, code_stub(name), name)
    return text if found else "\n".join(code_stub(name))


def load_master(path: str | Path) -> Master:
    """Parse a master notebook: exercises, their test cells and points."""
    path = Path(path)
    nb = nbformat.read(str(path), as_version=4)
    cells, exercises, loose, manual = [], [], [], []
    by_name: dict[str, Exercise] = {}
    last: Exercise | None = None
    for index, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {}) or {}
        cells.append({"cell_type": cell.cell_type, "source": cell.source, "grade_id": meta.get("grade_id"),
                      "tags": list(cell.get("metadata", {}).get("tags", []))})
        gid = meta.get("grade_id") or ""
        if cell.cell_type == "code" and is_solution(cell) and not is_grade(cell):
            last = Exercise(gid, index, cell.source, _stub_source(cell.source, gid))
            exercises.append(last)
            by_name[gid] = last
        elif is_test(cell):
            test = TestCell(gid, float(meta.get("points") or 0), index, cell.source)
            owner = _owner(gid, by_name) or last
            (owner.tests if owner else loose).append(test)
        elif is_grade(cell):
            manual.append((gid, float(meta.get("points") or 0)))
    return Master(path, cells, exercises, loose, manual)


def _owner(test_id: str, by_name: dict[str, Exercise]) -> Exercise | None:
    """``test_gradient_penalty_shapes`` belongs to ``gradient_penalty`` (longest matching name)."""
    body = test_id[5:] if test_id.startswith("test_") else test_id
    matches = [n for n in by_name if body == n or body.startswith(n + "_") or body.startswith(n)]
    return by_name[max(matches, key=len)] if matches else None


def master_paths(masters: str | Path) -> list[Path]:
    masters = Path(masters)
    return [masters] if masters.is_file() else student_master_paths(masters)


# --------------------------------------------------------------------------- static checks
class _Scope:
    def __init__(self, node: ast.AST):
        self.safe: set[str] = set()
        self.imported: set[str] = set()
        self.globals: set[str] = set()
        args = getattr(node, "args", None)
        if args is not None:
            for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                if a is not None:
                    self.safe.add(a.arg)
        body = node.body if isinstance(node.body, list) else [node.body]
        for stmt in body:
            for sub in _walk_scope(stmt):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    self.safe.add(sub.id)
                elif isinstance(sub, (ast.Import, ast.ImportFrom)):
                    self.imported.update((a.asname or a.name).split(".")[0] for a in sub.names)
                elif isinstance(sub, ast.Global):
                    self.globals.update(sub.names)
                elif isinstance(sub, ast.ExceptHandler) and sub.name:
                    self.safe.add(sub.name)
                elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and sub is not stmt:
                    self.safe.add(sub.name)
        self.safe -= self.imported | self.globals


def _walk_scope(node: ast.AST):
    """Like ast.walk, but does not enter nested functions, lambdas or classes."""
    yield node
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            yield child
            continue
        yield from _walk_scope(child)


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node


def _dotted(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # noqa: BLE001 - only used in messages
        return "?"


def static_findings(source: str, name: str = "") -> list[str]:
    """Reasons a solution's source is refused by the grader (empty list when it is fine)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        hint = " (IPython magics and shell commands are not allowed in a solution cell)" if re.search(
            r"^\s*[%!]", source, re.M) else ""
        return [f"syntax error on line {err.lineno}: {err.msg}{hint}"]
    findings: list[str] = []

    def add(node: ast.AST, text: str) -> None:
        line = getattr(node, "lineno", None)
        item = f"line {line}: {text}" if line else text
        if item not in findings:
            findings.append(item)

    def visit(node: ast.AST, scope: _Scope) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            inner = _Scope(node)
            inner.safe |= scope.safe - inner.imported - inner.globals - {n for n in scope.imported}
            for child in ast.iter_child_nodes(node):
                visit(child, inner)
            return
        if isinstance(node, ast.ClassDef):
            for kw in node.keywords:
                if kw.arg == "metaclass":
                    add(node, "metaclasses are not allowed")
            for stmt in node.body:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name.startswith("__") \
                        and stmt.name not in ALLOWED_DUNDER_METHODS:
                    add(stmt, f"defining `{stmt.name}` is not allowed")
        if isinstance(node, ast.Import):
            for alias in node.names:
                _check_import(alias.name, node, add)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                add(node, "relative imports are not allowed")
            module = node.module or ""
            _check_import(module, node, add)
            for alias in node.names:
                if alias.name.startswith("_") or alias.name in FORBIDDEN_ATTRIBUTES or alias.name == "*":
                    add(node, f"importing `{alias.name}` from `{module}` is not allowed")
                else:
                    _check_import(f"{module}.{alias.name}", node, add, only_submodules=True)
        elif isinstance(node, ast.Global):
            add(node, "`global` is not allowed: return values instead")
        elif isinstance(node, ast.Name):
            if node.id in FORBIDDEN_NAMES:
                add(node, f"using `{node.id}` is not allowed in a solution")
        elif isinstance(node, ast.Attribute):
            attr = node.attr
            if attr.startswith("_") and attr not in ALLOWED_DUNDERS:
                add(node, f"accessing the private attribute `.{attr}` is not allowed")
            elif attr in FORBIDDEN_ATTRIBUTES:
                add(node, f"accessing `.{attr}` is not allowed in a solution")
        if isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            root = _root(node)
            owned = isinstance(root, ast.Name) and root.id in scope.safe
            if isinstance(root, ast.Call) and isinstance(root.func, ast.Name) and root.func.id == "type":
                owned = False
            elif isinstance(root, ast.Call):
                owned = True
            if not owned:
                verb = "deleting" if isinstance(node.ctx, ast.Del) else "assigning to"
                add(node, f"{verb} `{_dotted(node)}` changes an object your solution does not own")
        for child in ast.iter_child_nodes(node):
            visit(child, scope)

    visit(tree, _Scope(tree))
    return findings


def _check_import(module: str, node: ast.AST, add, only_submodules: bool = False) -> None:
    top = module.split(".")[0]
    if not only_submodules and top not in ALLOWED_IMPORTS:
        add(node, f"importing `{module}` is not allowed (allowed: {', '.join(sorted(ALLOWED_IMPORTS - {'__future__'}))})")
        return
    parts = module.split(".")
    if any(p.startswith("_") for p in parts[1:]):
        add(node, f"importing the private module `{module}` is not allowed")
    for bad in FORBIDDEN_SUBMODULES:
        if module == bad or module.startswith(bad + "."):
            add(node, f"importing `{module}` is not allowed")


# --------------------------------------------------------------------------- submissions
@dataclass
class Solution:
    name: str
    source: str | None
    notes: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    missing: str = ""

    @property
    def runnable(self) -> bool:
        return self.source is not None and not self.refused and not self.missing


def _definition_kind(source: str, name: str) -> int:
    """2 if ``source`` has ``def name``, 1 if it assigns ``name`` at top level, else 0."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return 2 if re.search(rf"^\s*def\s+{re.escape(name)}\s*\(", source, re.M) else 0
    best = 0
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return 2
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                best = 1
    return best


def extract_solutions(submission: nbformat.NotebookNode, master: Master, check: bool = True) -> dict[str, Solution]:
    """The submission's source for each exercise of ``master``, with notes and static findings.

    A solution cell is found by its ``grade_id``; failing that (metadata removed or changed),
    by the last code cell that defines the function, ignoring cells copied unchanged from
    the master (like ``name = use_learner_or_reference(name, "name")``).
    """
    code_cells = [c for c in submission.get("cells", []) if c.get("cell_type") == "code"]
    master_sources = {c["source"].strip() for c in master.cells
                      if c["cell_type"] == "code" and c["grade_id"] not in {ex.name for ex in master.exercises}}
    out: dict[str, Solution] = {}
    for ex in master.exercises:
        if not ex.tests:
            continue
        tagged = [c for c in code_cells
                  if (c.get("metadata", {}).get("nbgrader", {}) or {}).get("grade_id") == ex.name]
        sol = Solution(ex.name, None)
        if tagged and _definition_kind(_src(tagged[-1]), ex.name):
            sol.source = _src(tagged[-1])
            if len(tagged) > 1:
                sol.notes.append(f"Several cells have grade_id `{ex.name}`; the last one was graded.")
        else:
            candidates = [c for c in code_cells if _src(c).strip() not in master_sources]
            named = [c for c in candidates if _definition_kind(_src(c), ex.name) == 2] or \
                    [c for c in candidates if _definition_kind(_src(c), ex.name) == 1]
            if named:
                sol.source = _src(named[-1])
                sol.notes.append(
                    f"Your solution cell for `{ex.name}` was found by the function it defines "
                    "(its nbgrader metadata was changed or removed)."
                )
            elif tagged:
                sol.source = _src(tagged[-1])
            else:
                sol.missing = (
                    f"No solution for `{ex.name}`: the solution cell was deleted and no cell defines "
                    f"`def {ex.name}(...)`."
                )
        if sol.source is not None and check:
            sol.refused = static_findings(sol.source, ex.name)
        out[ex.name] = sol
    return out


def _src(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


# --------------------------------------------------------------------------- kernel harness
def _kernel_harness(config):  # pragma: no cover - runs inside the grading kernel
    """Installed as the first cell of every grading kernel; returns the harness object.

    Self-contained (the source is sent to the kernel). Everything it needs later is
    bound here, before any student code runs, so patching ``builtins``, ``sys`` or
    ``json`` afterwards does not change how it reports.
    """
    import ast as _ast
    import builtins
    import functools
    import importlib
    import json
    import linecache
    import sys
    import threading
    import traceback
    import types

    import numpy  # noqa: F401 - snapshot
    import torch

    from course_utils import checks, exercises  # noqa: F401

    shell = get_ipython()  # noqa: F821 - the kernel's shell
    ns = shell.user_ns
    out = sys.stdout
    getframe, gettrace, getprofile = sys._getframe, sys.gettrace, sys.getprofile
    modules = sys.modules
    _vars, _id, _isinstance, _type, _callable = vars, id, isinstance, type, callable
    dumps = json.dumps
    FunctionType, ModuleType = types.FunctionType, types.ModuleType
    enumerate_threads = threading.enumerate
    partial = functools.partial
    prefix = config["prefix"]
    mark = config["mark"]
    exercise_names = set(config["exercises"])
    missing = object()

    for name in config["reference_modules"]:
        try:
            importlib.import_module(name)
        except ImportError:
            pass

    # ---- guards on the reference implementations
    originals = {}
    for name in config["reference_modules"]:
        mod = modules.get(name)
        if mod is None:
            continue
        for key, value in list(_vars(mod).items()):
            if _isinstance(value, FunctionType) and value.__module__ == mod.__name__ and not key.startswith("_"):
                originals[_id(value)] = (value, f"{name}.{key}")
    for key, value in list(exercises.REFERENCES.items()):
        originals.setdefault(_id(value), (value, f"{getattr(value, '__module__', '?')}.{key}"))
    originals.setdefault(_id(exercises.use_learner_or_reference),
                         (exercises.use_learner_or_reference, "course_utils.exercises.use_learner_or_reference"))
    calls, allowed, guards = [], {}, {}

    def make_guard(orig, label):
        def guard(*args, **kwargs):
            frame = getframe(1)
            while frame is not None:
                filename = frame.f_code.co_filename
                if filename.startswith(prefix):
                    exercise = filename[len(prefix):-1]
                    if _id(guard) not in allowed.get(exercise, ()):
                        calls.append([exercise, label])
                        raise RuntimeError(
                            f"`{label}` is the course's reference code; the grader does not accept a solution "
                            "that calls it. Write it yourself."
                        )
                frame = frame.f_back
            return orig(*args, **kwargs)

        functools.update_wrapper(guard, orig)
        guard.__dict__.pop("__wrapped__", None)
        return guard

    for key, (orig, label) in originals.items():
        guards[key] = make_guard(orig, label)
    guard_ids = {_id(g) for g in guards.values()}
    guard_code = next(iter(guards.values())).__code__ if guards else None
    reference_codes = {_id(o.__code__) for o, _ in originals.values() if hasattr(o, "__code__")}
    for mod_name, mod in list(modules.items()):
        if mod_name == "course_utils" or mod_name.startswith("course_utils."):
            for key, value in list(_vars(mod).items()):
                if _id(value) in guards and value is originals[_id(value)][0]:
                    setattr(mod, key, guards[_id(value)])
    for key, value in list(exercises.REFERENCES.items()):
        if _id(value) in guards:
            exercises.REFERENCES[key] = guards[_id(value)]
    check_for = exercises._check_for

    # ---- the snapshot of everything a test relies on
    watched = list(config["protected_modules"])
    watched += sorted(n for n in modules if n == "course_utils" or n.startswith("course_utils."))
    classes = [torch.Tensor, torch._C.TensorBase, torch.nn.Module, torch.nn.Parameter, torch.nn.Linear]
    for n in watched:
        mod = modules.get(n)
        if n.startswith("course_utils") and mod is not None:
            classes += [v for v in _vars(mod).values()
                        if _isinstance(v, _type) and getattr(v, "__module__", "").startswith("course_utils")]
    kernel = getattr(shell, "kernel", None)
    session = getattr(kernel, "session", None)
    instances = [(label, obj) for label, obj in (("shell", shell), ("kernel", kernel), ("session", session))
                 if obj is not None]
    for _label, obj in instances:
        classes += [c for c in _type(obj).__mro__
                    if c.__module__.split(".")[0] in ("IPython", "ipykernel", "jupyter_client")]
    method_names = {label: {k for c in _type(obj).__mro__ for k, v in _vars(c).items() if _callable(v)}
                    for label, obj in instances}

    volatile = {k: set(v) for k, v in config["volatile"].items()}
    only = {k: set(v) for k, v in config["only"].items()}

    def take():
        snap = {}
        for n in watched:
            mod = modules.get(n)
            if mod is not None:
                view = dict(_vars(mod))
                for k in volatile.get(n, ()):
                    view.pop(k, None)
                if n in only:
                    view = {k: v for k, v in view.items() if k in only[n]}
                snap["module " + n] = ("module", view)
        for cls in classes:
            snap["class " + cls.__module__ + "." + cls.__qualname__] = ("class", dict(_vars(cls)))
        fixed = {"sys.gettrace()": gettrace(), "sys.getprofile()": getprofile(),
                 "threading trace hook": threading.__dict__.get("_trace_hook"),
                 "threading profile hook": threading.__dict__.get("_profile_hook"),
                 "__builtins__ of the notebook": ns.get("__builtins__")}
        for n in watched:
            fixed["sys.modules[" + repr(n) + "]"] = modules.get(n)
        for label, obj in instances:
            for k, v in _vars(obj).items():
                if k in method_names[label]:
                    fixed[f"{label}.{k}"] = v
        for event, callbacks in shell.events.callbacks.items():
            fixed["shell event " + event] = tuple(callbacks)
        fixed["shell.ast_transformers"] = tuple(shell.ast_transformers)
        fixed["shell.input_transformers_post"] = tuple(shell.input_transformers_post)
        fixed["shell.custom_exceptions"] = tuple(shell.custom_exceptions)
        fixed["shell.CustomTB"] = shell.__dict__.get("CustomTB")
        snap["fixed"] = ("fixed", fixed)
        return snap

    def same(a, b):
        if _type(a) is tuple and _type(b) is tuple:
            return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))
        return a is b

    def diff(base, now):
        changes = []
        for label, (kind, old) in base.items():
            new = now.get(label, (kind, {}))[1]
            for key, value in old.items():
                cur = new.get(key, missing)
                if same(cur, value):
                    continue
                if kind == "module":
                    interesting = not key.startswith("_") or _callable(value) or _isinstance(value, ModuleType)
                    if not interesting:
                        continue
                where = label.split(" ", 1)[-1]
                changes.append(f"{where}.{key}" if kind != "fixed" else where)
            for key, value in new.items():
                if key in old:
                    continue
                if kind == "module" and (key.startswith("_") or _isinstance(value, ModuleType)):
                    continue
                if kind == "fixed":
                    changes.append(label)
                    continue
                changes.append(f"{label.split(' ', 1)[-1]}.{key} (added)")
        return changes

    def report(payload):
        out.write(mark + dumps(payload, default=str) + "\n")
        out.flush()

    def fmt(exc):
        text = "".join(traceback.format_exception_only(_type(exc), exc)).strip()
        tb, line = exc.__traceback__, None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename.startswith(prefix):
                line = tb.tb_lineno
            tb = tb.tb_next
        return text + (f" (line {line} of your solution)" if line else "")

    def own(value):
        code = getattr(value, "__code__", None) if _isinstance(value, FunctionType) else None
        return code is not None and code.co_filename.startswith(prefix)

    def resolve(node):
        if _isinstance(node, _ast.Name):
            if node.id in ns:
                return ns[node.id]
            return getattr(builtins, node.id, missing)
        if _isinstance(node, _ast.Attribute):
            base = resolve(node.value)
            if base is missing:
                return missing
            try:
                return getattr(base, node.attr)
            except Exception:  # noqa: BLE001
                return missing
        return missing

    class Harness:
        baseline_taken = False

        def baseline(self):
            self.base = take()
            self.threads = {_id(t) for t in enumerate_threads()}
            self.reported_calls = 0
            self.baseline_taken = True
            report({"baseline": True})

        def run_solution(self, name, source, master_source):
            allowed_ids = set()
            try:
                for node in _ast.walk(_ast.parse(master_source)):
                    if _isinstance(node, (_ast.Name, _ast.Attribute)):
                        obj = resolve(node)
                        if _id(obj) in guard_ids:
                            allowed_ids.add(_id(obj))
            except SyntaxError:
                pass
            allowed[name] = allowed_ids
            before = {k: v for k, v in ns.items() if not k.startswith("_") and k not in ("In", "Out")}
            filename = prefix + name + ">"
            linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
            error = None
            try:
                exec(compile(source, filename, "exec"), ns)  # noqa: S102 - this is the point
            except BaseException as exc:  # noqa: BLE001 - report everything, even SystemExit
                error = fmt(exc)
            restored = []
            for k, v in before.items():
                if k in exercise_names or own(v):
                    continue
                if ns.get(k, missing) is not v:
                    ns[k] = v
                    restored.append(k)
            shadowing = [k for k in list(ns) if k not in before and not k.startswith("_")
                         and hasattr(builtins, k) and k not in exercise_names]
            for k in shadowing:
                del ns[k]
            report({"error": error, "restored": restored, "shadowing": shadowing, "problem": self.identity(name)})

        def identity(self, name):
            fn = ns.get(name, missing)
            if fn is missing:
                return f"your solution cell does not define `{name}`"
            chain, target = [], fn
            while target is not None and len(chain) < 20:
                chain.append(target)
                target = target.func if _isinstance(target, partial) else target.__dict__.get("__wrapped__") \
                    if hasattr(target, "__dict__") and _isinstance(target.__dict__, dict) else None
            for obj in chain:
                code = getattr(obj, "__code__", None)
                if _id(obj) in guard_ids or _id(obj) in originals or (
                        code is not None and (code is guard_code or _id(code) in reference_codes)):
                    return f"`{name}` is the course's reference implementation, not your own code"
            code = getattr(chain[-1], "__code__", None)
            if code is not None and not code.co_filename.startswith(prefix):
                where = getattr(chain[-1], "__module__", None) or "elsewhere"
                return f"`{name}` is not defined in your solution cell (it comes from {where})"
            return None

        def verify(self):
            changes = diff(self.base, take()) if self.baseline_taken else []
            for t in enumerate_threads():
                if _id(t) in self.threads:
                    continue
                target = t.__dict__.get("_target")
                run = _type(t).__dict__.get("run")
                codes = [getattr(target, "__code__", None), getattr(run, "__code__", None)]
                if any(c is not None and c.co_filename.startswith(prefix) for c in codes):
                    changes.append("a thread started by your code")
            new_calls = calls[self.reported_calls:]
            self.reported_calls = len(calls)
            report({"changes": changes, "calls": new_calls})

        def diagnose(self, name):
            check = check_for(name)
            if check is None:
                report({"available": False})
                return
            try:
                result = check(ns.get(name))
                report({"available": True, "passed": bool(result.passed), "bug": result.bug,
                        "message": str(result.message)})
            except BaseException as exc:  # noqa: BLE001
                report({"available": False, "error": fmt(exc)})

    return Harness()


# --------------------------------------------------------------------------- running one notebook
@dataclass
class Outcome:
    status: str  # ok | error | timeout | dead | budget
    ename: str = ""
    evalue: str = ""
    traceback: str = ""
    report: dict | None = None


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class _Kernel:
    """One kernel driven cell by cell through nbclient, with per-cell and overall deadlines."""

    def __init__(self, cwd: Path, env: dict, cell_timeout: float, deadline: float, on_pid=None):
        from nbclient import NotebookClient

        self.nb = nbformat.v4.new_notebook()
        self.nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        self.client = NotebookClient(
            self.nb, timeout=int(cell_timeout), kernel_name="python3", allow_errors=False,
            resources={"metadata": {"path": str(cwd)}}, shutdown_kernel="immediate", record_timing=False,
            startup_timeout=120, iopub_timeout=10,
        )
        self.env, self.cwd, self.cell_timeout, self.deadline = env, cwd, cell_timeout, deadline
        self.on_pid = on_pid
        self._ctx = None
        self.alive = False

    def __enter__(self):
        last = None
        for _attempt in range(2):
            try:
                self._ctx = self.client.setup_kernel(env=self.env, cwd=str(self.cwd))
                self._ctx.__enter__()
                self.alive = True
                break
            except Exception as err:  # noqa: BLE001 - a port race or a broken environment
                last = err
                self._ctx = None
                self.client.km = None
                self.client.kc = None
        if not self.alive:
            raise RuntimeError(f"could not start a Python kernel: {last!r}")
        try:
            pid = self.client.km.provisioner.process.pid
            if self.on_pid:
                self.on_pid(pid)
        except Exception:  # noqa: BLE001 - the pid is only a safety net
            pass
        return self

    def __exit__(self, *exc):
        self.alive = False
        if self._ctx is not None:
            try:
                self._ctx.__exit__(None, None, None)
            except Exception:  # noqa: BLE001 - the kernel may already be gone
                try:
                    self.client.km.shutdown_kernel(now=True)
                except Exception:  # noqa: BLE001
                    pass
        return False

    def run(self, source: str, min_timeout: float = 0) -> Outcome:
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

        if not self.alive:
            return Outcome("dead", evalue="the kernel is not running")
        left = self.deadline - time.monotonic()
        if left < 1:
            return Outcome("budget")
        limit = max(self.cell_timeout, min_timeout)
        bounded = left < limit
        self.client.timeout = max(1, int(min(limit, left)))
        cell = nbformat.v4.new_code_cell(source)
        self.nb.cells.append(cell)
        try:
            self.client.execute_cell(cell, len(self.nb.cells) - 1)
            outcome = Outcome("ok")
        except CellTimeoutError:
            self.alive = False
            outcome = Outcome("budget" if bounded else "timeout", evalue=str(self.client.timeout))
        except DeadKernelError as err:
            self.alive = False
            outcome = Outcome("dead", evalue=str(err))
        except CellExecutionError as err:
            outcome = Outcome("error", err.ename, _ANSI.sub("", str(err.evalue)), _ANSI.sub("", err.traceback))
        except Exception as err:  # noqa: BLE001 - zmq trouble and the like: treat as a dead kernel
            self.alive = False
            outcome = Outcome("dead", evalue=f"{type(err).__name__}: {err}")
        text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
        for line in text.split("\n"):  # not splitlines(): it splits at the \x1e of MARK
            if line.startswith(MARK):
                try:
                    outcome.report = json.loads(line[len(MARK):])
                except ValueError:
                    pass
        cell.outputs = []
        return outcome


@dataclass
class Result:
    """The grade of one exercise (all its test cells)."""

    name: str
    status: str = "pending"  # passed | failed | refused | missing | timeout | dead | tampered | reference | budget | error
    passed: dict[str, bool] = field(default_factory=dict)
    detail: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def final(self) -> bool:
        return self.status != "pending"


@dataclass
class Options:
    cell_timeout: float = 120.0
    notebook_timeout: float = 600.0
    quick: bool = True
    static_checks: bool = True


def _kernel_env(options: Options) -> dict:
    env = dict(os.environ)
    env["WGAN_COURSE_QUICK"] = "1" if options.quick else "0"
    env.setdefault("MPLBACKEND", "Agg")
    env.setdefault("WGAN_COURSE_THREADS", "1")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH", "")]))
    return env


def _harness_source(master: Master) -> str:
    import inspect

    config = {
        "prefix": PREFIX, "mark": MARK, "exercises": [ex.name for ex in master.exercises],
        "protected_modules": list(PROTECTED_MODULES), "reference_modules": list(REFERENCE_MODULES),
        "volatile": VOLATILE_KEYS, "only": ONLY_KEYS,
    }
    return inspect.getsource(_kernel_harness) + f"\n__wgan_grader__ = _kernel_harness({config!r})\ndel _kernel_harness\n"


class _Plan:
    """Run the master notebook once in a fresh kernel, grading the exercises in ``names``."""

    def __init__(self, master: Master, solutions: dict[str, Solution], results: dict[str, Result],
                 names: list[str], options: Options, deadline: float, on_pid=None, on_final=None):
        self.master, self.solutions, self.results = master, solutions, results
        self.on_final = on_final or (lambda: None)
        self.names = names
        self.options, self.deadline, self.on_pid = options, deadline, on_pid
        self.live: list[str] = []
        self.event: tuple[str, str, str] | None = None  # (status, exercise, message)
        self.context_notes: list[str] = []
        self.ambiguous = False
        self.stubbed = False  # a stub (an exercise that is not run) may make later notebook cells fail

    def _stop_index(self) -> int:
        exercises = {ex.name: ex for ex in self.master.exercises}
        idx = [t.index for n in self.names for t in exercises[n].tests] if self.names else []
        return max(idx, default=-1)

    def run(self) -> None:
        stop = self._stop_index()
        if stop < 0:
            return
        solution_at = {ex.index: ex for ex in self.master.exercises}
        test_at = {t.index: ex for ex in self.master.exercises for t in ex.tests}
        test_cells = {t.index: t for ex in self.master.exercises for t in ex.tests}
        with _Kernel(self.master.path.parent, _kernel_env(self.options), self.options.cell_timeout,
                     self.deadline, self.on_pid) as kernel:
            init = kernel.run(_harness_source(self.master), min_timeout=STARTUP_TIMEOUT)
            if init.status != "ok":
                self._abort(init, None, where="the grading harness")
                return
            baseline = False
            for index, cell in enumerate(self.master.cells[: stop + 1]):
                if cell["cell_type"] != "code":
                    continue
                current = None
                if index in solution_at:
                    ex = solution_at[index]
                    sol = self.solutions.get(ex.name)
                    if ex.name in self.names and sol is not None and sol.runnable and not self.results[ex.name].final:
                        if not baseline:
                            if not self._call(kernel, "__wgan_grader__.baseline()", None):
                                return
                            baseline = True
                        current = ex.name
                        src = (f"__wgan_grader__.run_solution({ex.name!r}, {sol.source!r}, {ex.source!r})")
                        outcome = kernel.run(src)
                        if outcome.status != "ok" or outcome.report is None:
                            self._abort(outcome, ex.name, where="your solution cell", attribute=True)
                            return
                        self.live.append(ex.name)
                        self._solution_report(ex.name, outcome.report)
                        if not self._verify(kernel, ex.name, attribute=True):
                            return
                        continue
                    elif ex.name in self.names:
                        self.stubbed = True
                        outcome = kernel.run(ex.stub)
                        if not self._context(outcome, index):
                            return
                        continue
                    else:
                        outcome = kernel.run(cell["source"])
                        if not self._context(outcome, index):
                            return
                elif index in test_at:
                    ex = test_at[index]
                    result = self.results[ex.name]
                    if ex.name not in self.names or result.final or ex.name not in self.live:
                        continue
                    current = ex.name
                    outcome = kernel.run(test_cells[index].source)
                    if outcome.status in ("timeout", "dead", "budget"):
                        self._abort(outcome, ex.name, where=f"the tests ({test_cells[index].grade_id})")
                        return
                    grade_id = test_cells[index].grade_id
                    result.passed[grade_id] = outcome.status == "ok"
                    if not self._verify(kernel, ex.name):
                        return
                    if outcome.status == "error":
                        found = ""
                        diag = kernel.run(f"__wgan_grader__.diagnose({ex.name!r})")
                        if diag.status in ("timeout", "dead", "budget"):
                            self._abort(diag, ex.name, where="the self-check")
                            return
                        if diag.report and diag.report.get("available") and not diag.report.get("passed"):
                            bug = diag.report.get("bug")
                            msg = _short(diag.report.get("message", ""), 600)
                            found = f" The self-check found {'bug `' + bug + '`' if bug else 'a problem'}: {msg}"
                        result.detail.append(_describe_failure(grade_id, outcome, found))
                        if not self._verify(kernel, ex.name):
                            return
                    if all(t.grade_id in result.passed for t in ex.tests) and result.status == "pending":
                        result.status = "passed" if all(result.passed.values()) else "failed"
                        result.notes.extend(self.context_notes)
                        self.on_final()
                    continue
                else:
                    outcome = kernel.run(cell["source"])
                    if not self._context(outcome, index):
                        return
                if self.live and not self._verify(kernel, current):
                    return

    # -- helpers
    def _call(self, kernel: _Kernel, source: str, exercise: str | None) -> bool:
        outcome = kernel.run(source)
        if outcome.status != "ok" or outcome.report is None:
            self._abort(outcome, exercise, where="the grading harness")
            return False
        return True

    def _context(self, outcome: Outcome, index: int) -> bool:
        if outcome.status == "ok":
            return True
        if outcome.status == "error":
            if not self.live and not self.stubbed:
                self.event = ("error", None, f"Grader error: the course notebook itself failed at cell {index} "
                                             f"before any student code ran: {outcome.ename}: "
                                             f"{_short(outcome.evalue, 300)}")
                return False
            self.context_notes.append(
                f"A cell of the notebook (cell {index}, not yours) failed after your solutions ran: "
                f"{outcome.ename}: {_short(outcome.evalue, 300)}"
            )
            return True
        where = f"notebook cell {index} (it calls your code)" if self.live else f"notebook cell {index}"
        self._abort(outcome, None, where=where)
        return False

    def _solution_report(self, name: str, report: dict) -> None:
        result = self.results[name]
        if report.get("error"):
            result.notes.append(f"Running your solution cell raised {report['error']}.")
        if report.get("restored"):
            names = ", ".join(f"`{n}`" for n in report["restored"])
            result.notes.append(f"Your solution cell rebinds {names}, which the notebook defines; "
                                "the grader put the notebook's values back.")
        if report.get("shadowing"):
            names = ", ".join(f"`{n}`" for n in report["shadowing"])
            result.notes.append(f"Your solution cell defines {names}, hiding Python's built-ins; the grader "
                                "removed them.")
        if report.get("problem"):
            result.status = "reference"
            result.detail.append(f"Not graded: {report['problem']}.")

    def _verify(self, kernel: _Kernel, exercise: str | None, attribute: bool = False) -> bool:
        outcome = kernel.run("__wgan_grader__.verify()")
        if outcome.status != "ok" or outcome.report is None:
            message = "the grader could not check the kernel's state after your code ran"
            if outcome.status == "error":
                message += f" ({outcome.ename}: {_short(outcome.evalue, 200)})"
            self._abort(Outcome("tampered", evalue=message) if outcome.status == "error" else outcome,
                        exercise, where="the state check", attribute=attribute)
            return False
        for exercise_name, label in outcome.report.get("calls", []):
            result = self.results.get(exercise_name)
            if result is not None and result.status != "reference":
                result.status = "reference"
                result.detail.append(
                    f"Not graded: your code calls `{label}`, the course's reference implementation. "
                    "Write the function yourself."
                )
        changes = outcome.report.get("changes", [])
        if changes:
            listed = ", ".join(f"`{c}`" for c in changes[:8]) + (" ..." if len(changes) > 8 else "")
            self._abort(Outcome("tampered", evalue=f"while your code ran, it changed {listed}"), exercise,
                        where="the state check", attribute=attribute)
            return False
        return True

    def _abort(self, outcome: Outcome, exercise: str | None, where: str, attribute: bool = False) -> None:
        """Stop this kernel; blame the exercise whose code was running when that is certain."""
        status = outcome.status if outcome.status in ("timeout", "dead", "budget", "tampered") else "error"
        if status == "error" and not outcome.evalue and not outcome.ename:
            message = f"Grader error: {where} did not report back"
        else:
            message = _event_message(status, outcome, where, self.options)
        culprit = None
        if status != "budget":
            if attribute and exercise:
                culprit = exercise  # only this solution cell's own code was running
            elif len(self.live) == 1:
                culprit = self.live[0]
        self.ambiguous = len(self.live) > 1 and culprit is None
        self.event = (status, culprit, message)


def _event_message(status: str, outcome: Outcome, where: str, options: Options) -> str:
    if status == "timeout":
        return (f"Timed out: {where} ran longer than {options.cell_timeout:g} s (an infinite loop, or far too much "
                "work?). The grader stopped it.")
    if status == "budget":
        return f"Not graded: the time limit for this notebook ({options.notebook_timeout:g} s) ran out."
    if status == "dead":
        return (f"The Python kernel died while running {where} (os._exit, a crash in compiled code, or "
                "running out of memory).")
    if status == "tampered":
        return (f"Not graded: {outcome.evalue}. A solution may not modify torch, numpy, builtins, "
                "course_utils or the notebook's state.")
    return f"Grader error in {where}: {outcome.ename}: {_short(outcome.evalue, 300)}"


def _short(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 3] + "..."


def _describe_failure(grade_id: str, outcome: Outcome, found: str = "") -> str:
    evalue = outcome.evalue.strip()
    line = ""
    for match in re.finditer(rf"{re.escape(PREFIX)}([^>]+)>:(\d+)", outcome.traceback):
        line = f" (in your `{match.group(1)}`, line {match.group(2)})"
    error = f"{outcome.ename}: {evalue}" if evalue else outcome.ename
    text = f"{grade_id} failed.{found}\nThe test said: {_short(error, 300 if found else 1200)}{line}"
    if outcome.ename == "NameError":
        text += ("\nNote: the grader runs only your solution cells; helper code must be inside the solution "
                 "cell.")
    return text


def grade_notebook(master: Master, submission: Path | None, options: Options, note: str = "",
                   on_pid=None, on_result=None) -> dict[str, Result]:
    """Grade one submitted notebook against its master; never raises for bad submissions.

    ``on_result(result)`` is called as soon as an exercise's grade is final (the worker
    streams them, so a grade survives even if a later exercise kills the worker).
    """
    deadline = time.monotonic() + options.notebook_timeout
    names = [ex.name for ex in master.exercises if ex.tests]
    results = {n: Result(n) for n in names}
    sent: set[str] = set()

    def flush() -> None:
        for n in names:
            if results[n].final and n not in sent:
                sent.add(n)
                if on_result:
                    on_result(results[n])

    def finish(name: str, status: str, message: str) -> None:
        r = results[name]
        r.status = status
        if message and message not in r.detail:
            r.detail.append(message)

    for r in results.values():
        if note:
            r.notes.append(note)
    if submission is None:
        for n in names:
            finish(n, "missing", "Not submitted.")
        flush()
        return results
    try:
        nb = nbformat.read(str(submission), as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("it has no list of cells")
    except Exception as err:  # noqa: BLE001 - malformed JSON, wrong format, binary file...
        for n in names:
            finish(n, "error", f"Could not read {submission.name} as a notebook ({type(err).__name__}: "
                               f"{_short(err, 200)}). Nothing in it was graded.")
        flush()
        return results
    solutions = extract_solutions(nb, master, check=options.static_checks)
    for name, sol in solutions.items():
        results[name].notes.extend(sol.notes)
        if sol.missing:
            finish(name, "missing", sol.missing)
        elif sol.refused:
            finish(name, "refused", "Not graded: " + "; ".join(sol.refused[:5])
                   + ". Ask your instructor if you think this is a mistake.")
    flush()
    isolate = False
    pending = [n for n in names if not results[n].final]
    while pending:
        if time.monotonic() > deadline - 1:
            for n in pending:
                finish(n, "budget", f"Not graded: the time limit for this notebook ({options.notebook_timeout:g} s) "
                                    "ran out.")
            break
        batch = pending[:1] if isolate else pending
        plan = _Plan(master, solutions, results, batch, options, deadline, on_pid, on_final=flush)
        try:
            plan.run()
        except Exception as err:  # noqa: BLE001 - e.g. no kernel could be started
            plan.event = ("error", None, f"Grader error: {type(err).__name__}: {_short(err, 300)}")
        if plan.event:
            status, culprit, message = plan.event
            if culprit:
                finish(culprit, status, message)
            elif status == "budget":
                for n in batch:
                    if not results[n].final:
                        finish(n, "budget", message)
            elif plan.ambiguous and not isolate:
                isolate = True  # someone's code misbehaved: grade each exercise in its own kernel
                if status == "tampered":
                    for n in names:
                        results[n].notes.append(
                            "Warning: code from this notebook changed the grading environment; every "
                            "exercise was then graded in its own kernel."
                        )
            else:  # the course notebook or the grader failed, not the student
                for n in batch:
                    if not results[n].final:
                        finish(n, "error", message if message.startswith("Grader error") else
                               f"Grader error: {message}")
        else:
            for n in batch:
                if not results[n].final:
                    finish(n, "error", "Grader error: the tests for this exercise did not run.")
        flush()
        pending = [n for n in names if not results[n].final]
    if any(r.status == "tampered" for r in results.values()):  # the culprit was found: no vague warning
        for r in results.values():
            r.notes = [n for n in r.notes if not n.startswith("Warning: code from this notebook changed")]
    flush()
    return results


# --------------------------------------------------------------------------- rows and feedback
def result_rows(student: str, master: Master, results: dict[str, Result]) -> list[dict]:
    rows = []
    for ex in master.exercises:
        r = results.get(ex.name) or Result(ex.name, "error", detail=["Grader error: no result."])
        for test in ex.tests:
            ok = r.status == "passed" or (r.status == "failed" and r.passed.get(test.grade_id, False))
            points = test.points if ok else 0
            rows.append({"student": student, "notebook": master.name, "grade_id": test.grade_id,
                         "points": _num(points), "max_points": _num(test.points),
                         "feedback": _feedback_text(r, test.grade_id, ok)})
    for test in master.loose_tests:
        rows.append({"student": student, "notebook": master.name, "grade_id": test.grade_id, "points": 0,
                     "max_points": _num(test.points),
                     "feedback": "Not graded automatically: this test cell belongs to no exercise."})
    for gid, pts in master.manual:
        rows.append({"student": student, "notebook": master.name, "grade_id": gid, "points": "",
                     "max_points": _num(pts), "feedback": "Graded by hand (not by course_utils.grade)."})
    return rows


def _feedback_text(r: Result, grade_id: str, ok: bool) -> str:
    if ok:
        head = "Passed."
        detail = []
    else:
        head = ""
        detail = [d for d in r.detail if not d.startswith("test_") or d.startswith(grade_id + " ")] or r.detail
    parts = [head, *detail, *r.notes]
    return "\n".join(p for p in parts if p).strip()


def _num(x: float):
    return int(x) if float(x).is_integer() else round(float(x), 3)


def write_feedback(path: Path, student: str, rows: list[dict]) -> None:
    total = sum(float(r["points"] or 0) for r in rows)
    possible = sum(float(r["max_points"] or 0) for r in rows)
    lines = [f"# Feedback for {student}", "", f"**Total: {_num(total)} / {_num(possible)} points**", ""]
    notebooks: dict[str, list[dict]] = {}
    for r in rows:
        notebooks.setdefault(r["notebook"], []).append(r)
    for nb_name, nb_rows in notebooks.items():
        got = sum(float(r["points"] or 0) for r in nb_rows)
        best = sum(float(r["max_points"] or 0) for r in nb_rows)
        lines += [f"## {nb_name}: {_num(got)} / {_num(best)}", ""]
        for r in nb_rows:
            title = r["grade_id"] or "(whole notebook)"
            lines += [f"### {title}: {r['points'] if r['points'] != '' else '-'} / {r['max_points']}", ""]
            lines += ["> " + line if line else ">" for line in str(r["feedback"]).splitlines()] or ["> -"]
            lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


# --------------------------------------------------------------------------- finding submissions
@dataclass
class Job:
    student: str
    master: str
    submission: str | None
    note: str = ""


def _key(name: str) -> str:
    stem = name[:-6] if name.lower().endswith(".ipynb") else name
    stem = stem.lower()
    stem = re.sub(r"^copy of\s+", "", stem)
    stem = re.sub(r"[\s_-]*(\(\d+\)|copy\d*|-checkpoint|\d+)$", "", stem)
    return re.sub(r"[^a-z0-9]", "", stem)


def _notebooks_in(folder: Path) -> list[Path]:
    found = []
    for p in sorted(folder.rglob("*.ipynb")):
        rel = p.relative_to(folder).parts
        if any(part.startswith(".") or part == "__MACOSX" for part in rel):
            continue
        found.append(p)
    return found


def discover(submissions: Path, masters: list[Master]) -> tuple[list[Job], list[dict]]:
    """Match every student's notebooks to the masters; rows for what cannot be matched."""
    jobs, rows = [], []
    graded = [m for m in masters if m.graded]
    for entry in sorted(submissions.iterdir()):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir():
            rows.append({"student": "", "notebook": entry.name, "grade_id": "", "points": 0, "max_points": 0,
                         "feedback": "Ignored: submissions go in one folder per student "
                                     f"({submissions.name}/<student>/<notebook>.ipynb)."})
            continue
        student = entry.name
        files = _notebooks_in(entry)
        used: set[Path] = set()
        for m in graded:
            path, note = _match(m.name, files, used)
            if path is None:
                why = "The folder is empty." if not files else f"No notebook named {m.name} was found."
                jobs.append(Job(student, str(m.path), None, why))
            else:
                used.add(path)
                jobs.append(Job(student, str(m.path), str(path), note))
        for f in files:
            if f in used or any(f.name == m.name for m in masters if not m.graded):
                continue
            twin = next((m for m in graded if _key(m.name) == _key(f.name) or f.name == m.name), None)
            why = (f"another file was graded as {twin.name}; this one looks like a second copy of it" if twin
                   else "this file matches none of the course notebooks (" + ", ".join(m.name for m in graded) + ")")
            rows.append({"student": student, "notebook": str(f.relative_to(entry)), "grade_id": "",
                         "points": 0, "max_points": 0, "feedback": f"Not graded: {why}."})
    return jobs, rows


def _match(name: str, files: list[Path], used: set[Path]) -> tuple[Path | None, str]:
    free = [f for f in files if f not in used]
    exact = [f for f in free if f.name == name]
    if exact:
        best = sorted(exact, key=lambda p: (len(p.parts), -p.stat().st_mtime))[0]
        note = f"Several files are named {name}; graded {best.name} in {best.parent}." if len(exact) > 1 else ""
        return best, note
    key = _key(name)
    for pick in (
        [f for f in free if _key(f.name) == key],
        [f for f in free if MASTER_PATTERN.match(name) and f.name[:3] == name[:3]],
        [f for f in free if key and key in _key(f.name)],
    ):
        if len(pick) == 1:
            return pick[0], f"Graded your file {pick[0].name} as {name} (the file name differs)."
    return None, ""


# --------------------------------------------------------------------------- batch
def _worker_main() -> int:
    """``python -m course_utils.grade --worker``: grade one job read from stdin, stream JSON lines."""
    job = json.loads(sys.stdin.read())
    options = Options(**job["options"])
    master = load_master(job["master"])

    def emit(payload):
        sys.stdout.write(json.dumps(payload) + "\n")
        sys.stdout.flush()

    results = grade_notebook(master, Path(job["submission"]) if job["submission"] else None, options,
                             note=job.get("note", ""), on_pid=lambda pid: emit({"kernel_pid": pid}),
                             on_result=lambda r: emit({"result": asdict(r)}))
    for r in results.values():  # the final word (notes may have changed after a result was streamed)
        emit({"result": asdict(r)})
    emit({"done": True})
    return 0


#: Starts a worker without running course_utils/__init__.py (which imports torch: seconds per worker
#: that the worker does not need; the kernels import it themselves).
_WORKER_BOOT = (
    "import sys, types; pkg = types.ModuleType('course_utils'); pkg.__path__ = [{path!r}]; "
    "sys.modules['course_utils'] = pkg; from course_utils import grade; sys.exit(grade._worker_main())"
)


def _run_job(job: Job, options: Options, master: Master) -> list[dict]:
    """Run one job in a worker process (so a submission that kills its parent kills only the worker)."""
    payload = json.dumps({"master": job.master, "submission": job.submission, "note": job.note,
                          "options": asdict(options)})
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH", "")]))
    proc = subprocess.Popen([sys.executable, "-c", _WORKER_BOOT.format(path=str(Path(__file__).parent))],
                            stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(payload, timeout=options.notebook_timeout + 120)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        stdout, stderr = proc.communicate()
    results: dict[str, Result] = {}
    pids = []
    for line in stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if "kernel_pid" in msg:
            pids.append(msg["kernel_pid"])
        elif "result" in msg:
            r = msg["result"]
            results[r["name"]] = Result(**{k: v for k, v in r.items() if k in Result.__dataclass_fields__})
    for pid in pids:  # kernels live in their own session; make sure none outlives its worker
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    lines = stderr.strip().splitlines()
    tail = _short(lines[-1], 300) if lines else ""
    for ex in master.exercises:
        if ex.tests and ex.name not in results:
            results[ex.name] = Result(ex.name, "error", detail=[
                f"Grader error: the grading process stopped (exit code {proc.returncode}) before this exercise "
                f"was graded; the code in this notebook may have killed it. {tail}".strip()])
    return result_rows(job.student, master, results)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def grade_batch(submissions: Path, masters: Iterable[Path], jobs: int = 1, options: Options | None = None,
                progress: bool = True) -> list[dict]:
    """Grade every student folder in ``submissions``; return the CSV rows."""
    from tqdm.auto import tqdm

    options = options or Options()
    loaded = [load_master(p) for p in masters]
    by_path = {str(m.path): m for m in loaded}
    work, rows = discover(submissions, loaded)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(_run_job, job, options, by_path[job.master]): job for job in work}
        bar = tqdm(total=len(futures), desc="grading", unit="notebook", disable=not progress)
        for future in as_completed(futures):
            job = futures[future]
            try:
                rows.extend(future.result())
            except Exception as err:  # noqa: BLE001 - never lose a student's rows
                master = by_path[job.master]
                results = {ex.name: Result(ex.name, "error", detail=[f"Grader error: {err!r}"])
                           for ex in master.exercises if ex.tests}
                rows.extend(result_rows(job.student, master, results))
            bar.update(1)
        bar.close()
    return _sorted_rows(rows, loaded)


def _sorted_rows(rows: list[dict], masters: list[Master]) -> list[dict]:
    nb_order = {m.name: i for i, m in enumerate(masters)}
    cell_order = {(m.name, gid): i for m in masters for i, (_, gid, _) in enumerate(m.rows_template())}
    return sorted(rows, key=lambda r: (r["student"], nb_order.get(r["notebook"], 999), r["notebook"],
                                       cell_order.get((r["notebook"], r["grade_id"]), 999)))


def write_csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in COLUMNS})


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._@-]+", "_", name).strip("._") or "student"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--worker"]:
        return _worker_main()
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.grade",
        description="Grade submitted notebooks against the master notebooks (no nbgrader needed).",
        epilog=textwrap.dedent("""\
            SUBMISSIONS_DIR holds one folder per student, each with that student's notebooks.
            Writes the CSV and feedback/<student>.md next to it."""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("submissions", type=Path, metavar="SUBMISSIONS_DIR")
    parser.add_argument("--out", type=Path, default=Path("grades.csv"), help="CSV to write (default grades.csv)")
    parser.add_argument("--masters", type=Path, default=None,
                        help="folder of master notebooks NN_*.ipynb, or one notebook (default: notebooks/ in the "
                             "current folder, else in the repository)")
    parser.add_argument("--feedback-dir", type=Path, default=None, help="default: feedback/ next to the CSV")
    parser.add_argument("--jobs", "-j", type=int, default=max(1, min(4, (os.cpu_count() or 2) // 2)),
                        help="notebooks graded at the same time (one kernel each)")
    parser.add_argument("--cell-timeout", type=float, default=120, help="seconds per cell (default 120)")
    parser.add_argument("--notebook-timeout", type=float, default=600,
                        help="seconds per submitted notebook, all its exercises together (default 600)")
    parser.add_argument("--full", action="store_true", help="run the notebooks in full mode, not quick mode")
    parser.add_argument("--no-static-checks", action="store_true",
                        help="do not refuse solutions for what their source contains (runtime checks stay)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        parser.error(f"{args.submissions} is not a folder")
    if args.masters is None:
        args.masters = Path("notebooks") if master_paths(Path("notebooks")) else DEFAULT_MASTERS
    masters = master_paths(args.masters)
    if not masters:
        parser.error(f"no master notebooks NN_*.ipynb in {args.masters}")
    options = Options(cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout, quick=not args.full,
                      static_checks=not args.no_static_checks)
    start = time.monotonic()
    rows = grade_batch(args.submissions, masters, jobs=args.jobs, options=options, progress=not args.quiet)
    write_csv(args.out, rows)
    feedback_dir = args.feedback_dir or args.out.parent / "feedback"
    students: dict[str, list[dict]] = {}
    for row in rows:
        if row["student"]:
            students.setdefault(row["student"], []).append(row)
    for student, student_rows in students.items():
        write_feedback(feedback_dir / f"{_safe_name(student)}.md", student, student_rows)
    elapsed = time.monotonic() - start
    errors = sum(1 for r in rows if str(r["feedback"]).startswith("Grader error"))
    print(f"Graded {len(students)} student(s): {len(rows)} rows in {args.out}, feedback in {feedback_dir}/ "
          f"({elapsed:.1f} s).")
    if errors:
        print(f"WARNING: {errors} row(s) say 'Grader error'; look at them first.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
