"""From a submitted notebook to the learner's definitions, without running the notebook.

Magics are turned into plain Python by IPython's ``TransformerManager`` (no kernel); a
cell magic that only times or captures its body (``%%time``, ``%%timeit``, ``%%capture``)
is replaced by its body. From every code cell, in notebook order, only the statements a
function can depend on are kept: imports, ``def``, ``class``, assignments without a
call (constants), and assignments with a call whose name a kept definition reads
(``LOG2 = math.log(2.0)`` above a function that uses it). Training loops, plots and the fallback
``name = use_learner_or_reference(name, ...)`` are dropped. A stub left in place
(its body only raises ``NotImplementedError``) does not hide a finished definition of
the same name elsewhere in the notebook. An exercise's name bound by an import
(``from course_utils.losses import gradient_penalty``) is recorded as ``"imported"``: the
sandbox then reports whose function it is; such an import is dropped where the notebook
also has a finished definition of that name (the learner's work is what gets graded).

Used by ``course_tools.grading.pipeline``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

__all__ = ["BODY_MAGICS", "Extracted", "extract", "is_stub"]

#: Cell magics whose body is ordinary Python that runs once (or is timed).
BODY_MAGICS = frozenset({"time", "timeit", "capture", "prun"})


@dataclass
class Extracted:
    chunks: list[dict] = field(default_factory=list)   # {"cell": index, "source": code}
    defined: dict[str, str] = field(default_factory=dict)   # name -> "finished" | "stub" | "assigned" | "imported"
    notes: list[str] = field(default_factory=list)


def _python_of(source: str) -> str | None:
    from IPython.core.inputtransformer2 import TransformerManager

    lines = source.lstrip().splitlines()
    if lines and lines[0].startswith("%%"):
        magic = lines[0][2:].split()[0] if lines[0][2:].split() else ""
        if magic not in BODY_MAGICS:
            return None
        source = "\n".join(lines[1:])
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - an unparsable cell is skipped and noted
        return source


def _has_call(node: ast.AST) -> bool:
    return any(isinstance(n, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)) for n in ast.walk(node))


def is_stub(node: ast.AST) -> bool:
    """A function whose body (after its docstring) only raises NotImplementedError, or is pass/..."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    body = list(node.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        body = body[1:]
    if not body:
        return True
    for stmt in body:
        if isinstance(stmt, ast.Pass) or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
            continue
        if isinstance(stmt, ast.Raise) and "NotImplementedError" in ast.unparse(stmt):
            continue
        return False
    return True


def _kept(stmt: ast.stmt) -> bool:
    if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
        return not _has_call(stmt.value)
    return False


def _targets(stmt: ast.Assign | ast.AnnAssign) -> list[ast.expr]:
    return stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]


def _global_with_call(stmt: ast.stmt, names: set[str]) -> bool:
    """``NAME = <expression with a call>`` at the top of a cell, not rebinding an exercise (a candidate)."""
    if not isinstance(stmt, (ast.Assign, ast.AnnAssign)) or stmt.value is None or not _has_call(stmt.value):
        return False
    return all(isinstance(t, ast.Name) and t.id not in names for t in _targets(stmt))


def _free_names(node: ast.AST) -> set[str]:
    """Names a function or class reads that it does not bind itself (the globals it may need)."""
    loads = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    stores = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    params = {a.arg for n in ast.walk(node) if isinstance(n, ast.arguments)
              for a in (*n.posonlyargs, *n.args, *n.kwonlyargs, n.vararg, n.kwarg) if a is not None}
    return loads - stores - params


def _needed_only(kept: list[tuple[int, ast.stmt]]) -> list[tuple[int, ast.stmt]]:
    """Drop the ``NAME = <call>`` statements that no kept function or class reads.

    A learner's ``LOG2 = math.log(2.0)`` above a function that uses it is kept, so the honest
    learner's function works in the sandbox; ``history = train(...)`` is dropped, since no
    definition needs it (a training loop run while grading would only cost time).
    """
    pending = {id(s): s for _, s in kept if not _kept(s)}  # the NAME = <call> candidates
    needed: set[str] = set()
    for _, s in kept:
        if id(s) not in pending:
            needed |= _free_names(s.value if isinstance(s, (ast.Assign, ast.AnnAssign)) else s)
    chosen: set[int] = set()
    grown = True
    while grown:  # a needed constant may itself need another one: LOG2 = log(TWO)
        grown = False
        for key, s in pending.items():
            if key not in chosen and any(t.id in needed for t in _targets(s)):
                chosen.add(key)
                needed |= _free_names(s.value)
                grown = True
    return [(i, s) for i, s in kept if id(s) not in pending or id(s) in chosen]


def extract(cells: list[tuple[int, str]], names: set[str] | None = None) -> Extracted:
    """Keep the definitions of ``cells`` ((index, source) of code cells, in notebook order)."""
    out = Extracted()
    kept: list[tuple[int, ast.stmt]] = []
    for index, source in cells:
        python = _python_of(source)
        if python is None:
            continue
        try:
            tree = ast.parse(python)
        except SyntaxError as exc:
            out.notes.append(f"cell {index} is not valid Python ({exc.msg}, line {exc.lineno}); it was skipped")
            continue
        kept += [(index, s) for s in tree.body if _kept(s) or _global_with_call(s, names or set())]
    kept = _needed_only(kept)
    finished = {s.name for _, s in kept if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and not is_stub(s)}
    for index, stmt in kept:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if is_stub(stmt) and stmt.name in finished:
                continue  # an old stub never hides the finished definition
            out.defined[stmt.name] = "stub" if is_stub(stmt) else "finished"
        elif isinstance(stmt, ast.ClassDef):
            out.defined[stmt.name] = "finished"
        elif names and isinstance(stmt, (ast.Import, ast.ImportFrom)):
            kept_aliases = []
            for alias in stmt.names:
                bound = alias.asname or alias.name.split(".")[0]
                if bound in names and bound in finished:
                    continue  # an import of the same name never hides the learner's finished definition
                if bound in names:
                    out.defined[bound] = "imported"  # the sandbox says whose function it is
                kept_aliases.append(alias)
            if not kept_aliases:
                continue
            stmt.names = kept_aliases
        elif names and isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = _targets(stmt)
            if any(isinstance(t, ast.Name) and t.id in names for t in targets):
                out.defined[ast.unparse(targets[0])] = "assigned"
        out.chunks.append({"cell": index, "source": ast.unparse(stmt)})
    return out
