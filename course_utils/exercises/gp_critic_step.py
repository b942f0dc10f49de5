"""Exercise ``gp_critic_step`` (notebook 07): one critic update of WGAN-GP. Its reference is in :mod:`course_utils.steps`,
its check in :mod:`course_utils.checks` and its catalog entries in :mod:`course_utils.bugs`."""

from __future__ import annotations

from .. import checks, steps
from .registry import Exercise

__all__ = ["EXERCISE"]

EXERCISE = Exercise(
    "gp_critic_step",
    notebook="07",
    reference=steps.gp_critic_step,
    check=checks.check_gp_critic_step,
    spec="""`gp_critic_step(critic, optimizer, real, fake, lambda_gp) -> float` (notebook 07): the
same for WGAN-GP: the loss adds `lambda_gp * gradient_penalty(critic, real, fake)`; no
clipping. Returns the estimate before the step, as a float.""",
)
