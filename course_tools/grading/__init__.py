"""The course's grader: a verdict the submission cannot forge.

Pipeline (see :data:`PIPELINE`): ``discover`` -> ``extract`` -> ``sandbox`` -> ``judge`` ->
``report``. The learner's definitions run in a bubblewrap sandbox with limits and are
called on probes; the trusted process compares their answers with the reference's.
Nothing here imports torch at import time. Entry point: ``course_tools.grading.cli:main``.
"""

from __future__ import annotations

__all__ = ["COLUMNS", "Options", "PIPELINE", "grade_batch", "main"]


def __getattr__(name: str):
    if name in ("Options", "PIPELINE", "grade_batch"):
        from . import pipeline

        return getattr(pipeline, name)
    if name == "COLUMNS":
        from .report import COLUMNS

        return COLUMNS
    if name == "main":
        from .cli import main

        return main
    raise AttributeError(name)
