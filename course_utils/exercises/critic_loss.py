"""Exercise ``critic_loss`` (notebook 03): the critic's loss. Its reference is in :mod:`course_utils.losses`,
its check in :mod:`course_utils.checks` and its catalog entries in :mod:`course_utils.bugs`."""

from __future__ import annotations

from .. import checks, losses
from .registry import Exercise

__all__ = ["EXERCISE"]

EXERCISE = Exercise(
    "critic_loss",
    notebook="03",
    reference=losses.critic_loss,
    check=checks.check_critic_loss,
    spec="""`critic_loss(real_scores, fake_scores, penalty, lambda_gp) -> torch.Tensor`:
`mean(fake_scores) - mean(real_scores) + lambda_gp * penalty`.""",
)
