"""The exercises: one module per exercise, one record per module, and the fallback that keeps a lesson running.

Every checked exercise of the course is a module of this package, ``<name>.py``, that defines
``EXERCISE = Exercise(...)``: the function's name (the ``grade_id`` of its solution cell), the
notebook that teaches it, the course's reference, its self-check and its contract (``spec``,
the text of ``docs/CONTRACT.md``). The module may also hold what belongs to this exercise
alone: its check (``frechet_distance.py`` shows how), its catalog entries (``BUGS``) and the
correct and buggy examples the tests run its check on (``CORRECT``, ``BUGGY``). The registry
finds the modules by itself; the grader, the student-version tools, the catalog, the tests and
:func:`use_learner_or_reference` read only :data:`EXERCISES`. CONTRIBUTING.md shows how to add one.

After each exercise a notebook calls, for example::

    gradient_penalty = use_learner_or_reference(gradient_penalty, "gradient_penalty")

If the learner's function passes its self-check it is returned unchanged; if it is still
the stub (``NotImplementedError``) or fails its check, the reference is returned with a
visible note, so the rest of the notebook still runs. References are marked, so a later
self-check says plainly that it was given the course's reference, never "yours looks right".
"""

from __future__ import annotations

from .fallback import use_learner_or_reference
from .registry import EXERCISES, REFERENCES, Exercise, exercise_modules, get, names, variant

__all__ = ["Exercise", "EXERCISES", "REFERENCES", "exercise_modules", "get", "names", "use_learner_or_reference",
           "variant"]
