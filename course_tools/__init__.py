"""The instructor and maintainer toolkit of the WGAN course (not imported by any notebook).

It imports :mod:`course_utils` (the learner package), never the reverse, and nothing heavy
at import time: each tool is loaded when its command runs. One command-line home::

    python -m course_tools student [--check]          # master notebooks -> notebooks/student/
    python -m course_tools nb normalize|check PATHS   # notebook hygiene and authoring
    python -m course_tools bench [--quick]            # benchmarks
    python -m course_tools grade SUBMISSIONS OUT.csv  # grade submitted notebooks
    python -m course_tools contract [--check]         # docs/CONTRACT.md's part written from the registry

Modules:

* :mod:`course_tools.paths` - where things are in the repository (the one place)
* :mod:`course_tools.cli` - what every command's main shares (parser, error exit, problem report)
* :mod:`course_tools.student` - generate the student versions of the master notebooks
* :mod:`course_tools.nb` - build and normalise notebooks (setup cell, nbgrader metadata)
* :mod:`course_tools.bench` - side-by-side benchmarks (imports torch); notebook timing in :mod:`course_tools.bench_notebooks`
* :mod:`course_tools.grading` - the grader (a subpackage)
* :mod:`course_tools.contract` - the part of ``docs/CONTRACT.md`` written from the exercise registry
"""

from __future__ import annotations

__all__ = ["paths", "cli", "student", "nb", "bench", "grading", "contract", "COMMANDS"]

#: Subcommand -> (module, function) run by ``python -m course_tools``; imported only when used.
COMMANDS: dict[str, tuple[str, str]] = {
    "student": ("course_tools.student", "main"),
    "nb": ("course_tools.nb", "main"),
    "bench": ("course_tools.bench", "main"),
    "grade": ("course_tools.grading.cli", "main"),
    "contract": ("course_tools.contract", "main"),
}
