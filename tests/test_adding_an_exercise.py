"""Adding an exercise takes one module in course_utils/exercises/ (plus its notebook cells): nothing else.

The test copies the learner package, drops a new exercise module into the copy, and checks in a
fresh interpreter that the registry, the catalog, the self-check, the fallback and the generated
contract section all know it, without touching another file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

NEW_EXERCISE = '''
"""Exercise ``double_it`` (notebook 00): twice its input."""

from __future__ import annotations

from ..bugs.model import PRACTICE, Bug
from ..checks.core import CheckResult, Finding, call_learner, close, run_check
from .registry import Exercise

__all__ = ["BUGGY", "BUGS", "CORRECT", "EXERCISE", "check_double_it", "double_it"]


def double_it(x: float) -> float:
    """Twice ``x``. Not called in a notebook."""
    return 2.0 * x


def _body(fn):
    value = call_learner("double_it", fn, 3.0)
    if close(value, 3.0 ** 2):
        raise Finding("squared-instead", "double_it(3) is 6, yours is 9: you squared it.")
    if not close(value, 6.0):
        raise Finding("wrong-value", f"double_it(3) is 6, yours is {value}.")
    return "Your double_it doubles."


def check_double_it(fn) -> CheckResult:
    """Check ``double_it(x)``. Not called in a notebook."""
    return run_check("double_it", fn, _body, ["x = 3"])


EXERCISE = Exercise("double_it", notebook="00", reference=double_it, check=check_double_it,
                    spec="`double_it(x) -> float`: returns `2 * x`.", shared_bugs=("returned-none",), graded="by hand")

BUGS = [Bug("squared-instead", "Squared", "x ** 2", "Doubling is not squaring.", "Use 2 * x.", PRACTICE,
            ("double_it",))]
CORRECT = {"sum": lambda x: x + x}
BUGGY = [("squared-instead", lambda x: x ** 2)]
'''

PROBE = '''
import json
from course_utils import bugs, checks, exercises
from course_tools import contract
from course_utils.exercises import double_it as module
from course_tools.grading.pipeline import contract_of, reference_functions

ex = exercises.get("double_it")
print(json.dumps({
    "names": exercises.names("00"),
    "bugs": list(ex.bugs),
    "catalog": "squared-instead" in bugs.BUGS and "double_it" in bugs.get_bug("not-implemented").exercises,
    "correct": checks.check_double_it(module.CORRECT["sum"]).passed,
    "buggy": [checks.check_double_it(fn).bug for _id, fn in module.BUGGY],
    "reference": checks.check_double_it(ex.reference).bug,
    "fallback": exercises.use_learner_or_reference(lambda x: x ** 2, "double_it", verbose=False) is ex.reference,
    "contract": "### `double_it` (notebook 00)" in contract.generated_section(),
    "grader": [ex.graded, contract_of("double_it", reference_functions())],
}))
'''


def _copy_with(tmp_path: Path, name: str, source: str) -> dict:
    shutil.copytree(ROOT / "course_utils", tmp_path / "course_utils", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "course_tools", tmp_path / "course_tools", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "docs").mkdir()
    shutil.copy(ROOT / "docs" / "CONTRACT.md", tmp_path / "docs" / "CONTRACT.md")
    (tmp_path / "course_utils" / "exercises" / f"{name}.py").write_text(textwrap.dedent(source))
    return {**os.environ, "PYTHONPATH": str(tmp_path)}


def test_one_new_module_is_a_whole_exercise(tmp_path):
    env = _copy_with(tmp_path, "double_it", NEW_EXERCISE)
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["names"] == ["double_it"]
    assert set(seen["bugs"]) >= {"not-callable", "not-implemented", "raised-exception", "returned-none",
                                 "reference-in-use", "squared-instead"}
    assert seen["catalog"] and seen["correct"] and seen["fallback"] and seen["contract"]
    assert seen["buggy"] == ["squared-instead"] and seen["reference"] == "reference-in-use"
    assert seen["grader"] == ["by hand", None], "no probes: the grader leaves it to the instructor"


def test_a_module_that_reads_the_catalog_while_importing_gets_a_clear_error(tmp_path):
    source = '''
    from course_utils import bugs

    NOT_CALLABLE = bugs.get_bug("not-callable")  # the catalog is built from the exercise modules: too early
    '''
    env = _copy_with(tmp_path, "reads_catalog", source)
    out = subprocess.run([sys.executable, "-c", "import course_utils.exercises"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert "exercises/reads_catalog.py could not be imported" in out.stderr and "must not use the catalog" in out.stderr
