"""Exercise ``js_divergence`` (notebook 01): the Jensen-Shannon divergence. Its reference is in :mod:`course_utils.metrics`,
its check in :mod:`course_utils.checks` and its catalog entries in :mod:`course_utils.bugs`."""

from __future__ import annotations

from .. import checks, metrics
from .registry import Exercise

__all__ = ["EXERCISE"]

EXERCISE = Exercise(
    "js_divergence",
    notebook="01",
    reference=metrics.js_divergence,
    check=checks.check_js_divergence,
    spec="""`js_divergence(p, q) -> float` (notebook 01): the Jensen-Shannon divergence of two
discrete distributions given as 1-D NumPy arrays or tensors of probabilities of the same
length, `KL(p || m) / 2 + KL(q || m) / 2` with `m = (p + q) / 2`, in natural-log units (at
most `log 2`); zero probabilities contribute nothing (`0 log 0 = 0`). Returns a Python float.""",
)
