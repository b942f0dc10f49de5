"""The exercise record and the registry that collects one record per module of this package."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Literal

from ..checks.core import CheckResult, mark_reference

__all__ = ["Exercise", "EXERCISES", "REFERENCES", "exercise_modules", "get", "names", "variant"]

#: Modules of this package that are not exercises.
_NOT_EXERCISES = {"registry", "fallback"}


@dataclass(frozen=True)
class Exercise:
    """One checked exercise: everything the course, the grader and the tests need to know about it.

    ``name`` is the function the learner writes (and the ``grade_id`` of its solution cell),
    ``notebook`` the two-digit number of the notebook that teaches it, ``reference`` the course's
    implementation, ``check(fn)`` its self-check (a :class:`~course_utils.checks.CheckResult`),
    ``spec`` its contract as written in ``docs/CONTRACT.md``. ``shared_bugs`` are the ids of catalog
    entries written for several exercises that apply to this one too (the entries every exercise
    has, such as ``not-implemented``, apply without being named). A "fixed" variant of another
    exercise (notebook 06) names that exercise in ``follows`` and shares its reference and check.
    ``graded`` says how the instructor's grader scores it: ``"by probes"`` (the grader's probes in
    ``course_tools/grading/probes.py``, required by the tests) or ``"by hand"`` (the grader leaves the
    row at 0 points and says so).
    """

    name: str
    notebook: str
    reference: Callable
    check: Callable[[Callable], CheckResult]
    spec: str
    shared_bugs: tuple[str, ...] = ()
    follows: str | None = None
    graded: Literal["by probes", "by hand"] = "by probes"

    def __post_init__(self) -> None:
        if not (len(self.notebook) == 2 and self.notebook.isdigit()):
            raise ValueError(f"Exercise {self.name!r}: notebook must be two digits such as '05', got {self.notebook!r}")
        if self.graded not in ("by probes", "by hand"):
            raise ValueError(f"Exercise {self.name!r}: graded must be 'by probes' or 'by hand', got {self.graded!r}")
        if self.follows is None:
            object.__setattr__(self, "reference", mark_reference(self.reference, self.name))

    @property
    def contract(self) -> str:
        """The exercise whose contract this one implements (itself, unless it is a variant)."""
        return self.follows or self.name

    @property
    def bugs(self) -> tuple[str, ...]:
        """The catalog ids its self-check can report (every entry of its contract a CPU check can see)."""
        from .. import bugs  # the catalog collects entries from the exercise modules, so it is read on use

        return tuple(bug.id for bug in bugs.catalog(self.contract).values() if not bug.not_checked)


def variant(name: str, follows: str, notebook: str, spec: str) -> Exercise:
    """A "fixed" variant of exercise ``follows`` (notebook 06): its reference and check, another name.
    Not called in a notebook.
    """
    base = importlib.import_module(f"{__package__}.{follows}").EXERCISE
    return Exercise(name, notebook, base.reference, base.check, spec, follows=follows)


def exercise_modules() -> list[ModuleType]:
    """Every module of :mod:`course_utils.exercises` that defines one exercise (``EXERCISE``).

    Modules whose name starts with ``_`` are helpers, not exercises. Not called in a notebook.
    """
    package = importlib.import_module(__package__)
    found = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name in _NOT_EXERCISES or info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"{__package__}.{info.name}")
        except Exception as error:
            raise ImportError(
                f"course_utils/exercises/{info.name}.py could not be imported ({type(error).__name__}: {error}). "
                "An exercise module may import the checks, the catalog's Bug and the course's modules, but must "
                "not use the catalog (course_utils.bugs.BUGS, get_bug, catalog) or the registry while it is "
                "imported: the catalog is assembled from the exercise modules."
            ) from error
        record = getattr(module, "EXERCISE", None)
        if not isinstance(record, Exercise) or record.name != info.name:
            raise TypeError(f"course_utils/exercises/{info.name}.py must define EXERCISE = Exercise({info.name!r}, ...)")
        found.append(module)
    return found


def _collect() -> dict[str, Exercise]:
    records = sorted((module.EXERCISE for module in exercise_modules()), key=lambda r: (r.notebook, r.name))
    return {record.name: record for record in records}


#: Every exercise of the course, by name (by notebook, then alphabetically within a notebook).
EXERCISES: dict[str, Exercise] = _collect()

#: name -> reference implementation (a view of the registry, kept for the grader's guards).
REFERENCES: dict[str, Callable] = {name: ex.reference for name, ex in EXERCISES.items()}


def get(name: str) -> Exercise:
    """The record of exercise ``name`` (KeyError listing the known names otherwise). Not called in a notebook."""
    try:
        return EXERCISES[name]
    except KeyError:
        raise KeyError(f"No exercise called {name!r}; known: {', '.join(EXERCISES)}") from None


def names(notebook: str | None = None) -> list[str]:
    """The exercise names, all of them or those of one notebook (``"05"``). Not called in a notebook."""
    return [n for n, ex in EXERCISES.items() if notebook is None or ex.notebook == notebook]
