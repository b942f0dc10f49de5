"""Exercise ``wasserstein_1d`` (notebook 02): W1 between two 1-D samples. Its reference is in :mod:`course_utils.metrics`,
its check in :mod:`course_utils.checks` and its catalog entries in :mod:`course_utils.bugs`."""

from __future__ import annotations

from .. import checks, metrics
from .registry import Exercise

__all__ = ["EXERCISE"]

EXERCISE = Exercise(
    "wasserstein_1d",
    notebook="02",
    reference=metrics.wasserstein_1d,
    check=checks.check_wasserstein_1d,
    spec="""`wasserstein_1d(x, y) -> torch.Tensor` (notebook 02): the exact W1 distance between two
1-D empirical distributions with the same number of points, the mean absolute difference of
the sorted samples; samples of shape `(n,)` or `(n, 1)`; a 0-d tensor; the inputs are not
changed; samples of different sizes raise `ValueError`.""",
)
