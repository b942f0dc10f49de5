"""Where things are in the course repository: the one place that names its folders and files.

Used by every tool in :mod:`course_tools` (student versions, benchmark, notebook tools, grader).
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = [
    "REPO_ROOT", "NOTEBOOKS", "STUDENT_DIR", "MY_WORK", "BENCH_RESULTS", "GRADING_WORK", "ARTIFACTS",
    "PYPROJECT", "README", "CONTRACT", "MASTER_PATTERN", "master_paths",
]

REPO_ROOT = Path(__file__).resolve().parents[1]
#: The instructor (master) notebooks ``NN_name.ipynb``.
NOTEBOOKS = REPO_ROOT / "notebooks"
#: The generated student versions (committed).
STUDENT_DIR = NOTEBOOKS / "student"
#: The learners' own working copies (git-ignored, made by setup.sh, never overwritten).
MY_WORK = REPO_ROOT / "my_work"
BENCH_RESULTS = REPO_ROOT / "bench_results"
GRADING_WORK = REPO_ROOT / "grading_work"
#: Test artifacts such as the browser test's screenshot (git-ignored).
ARTIFACTS = REPO_ROOT / "artifacts"
PYPROJECT = REPO_ROOT / "pyproject.toml"
README = REPO_ROOT / "README.md"
#: The exercise contracts (section 4 of the design document, then a part generated from the registry).
CONTRACT = REPO_ROOT / "docs" / "CONTRACT.md"
#: A master notebook's file name: two digits, an underscore, a name.
MASTER_PATTERN = re.compile(r"^\d\d_.+\.ipynb$")


def master_paths(folder: str | Path = NOTEBOOKS) -> list[Path]:
    """The notebooks ``NN_*.ipynb`` directly in ``folder`` (sorted); the masters by default."""
    return sorted(p for p in Path(folder).glob("*.ipynb") if MASTER_PATTERN.match(p.name))
