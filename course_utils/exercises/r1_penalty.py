"""Exercise ``r1_penalty`` (notebook 09): the R1 penalty. Its reference is in :mod:`course_utils.losses`,
its check in :mod:`course_utils.checks` and its catalog entries in :mod:`course_utils.bugs`."""

from __future__ import annotations

from .. import checks, losses
from .registry import Exercise

__all__ = ["EXERCISE"]

EXERCISE = Exercise(
    "r1_penalty",
    notebook="09",
    reference=losses.r1_penalty,
    check=checks.check_r1_penalty,
    spec="""`r1_penalty(critic, real) -> torch.Tensor` (notebook 09): a scalar, the batch mean of
`||grad_x critic(x)||_2 ** 2` at the real samples themselves (no interpolation, no
target of 1), per-sample norms over all non-batch dimensions, differentiable with
respect to the critic's parameters, **not** multiplied by gamma / 2.""",
)
