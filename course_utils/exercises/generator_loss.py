"""Exercise ``generator_loss`` (notebook 03): the generator's loss. Its reference is in :mod:`course_utils.losses`,
its check in :mod:`course_utils.checks` and its catalog entries in :mod:`course_utils.bugs`."""

from __future__ import annotations

from .. import checks, losses
from .registry import Exercise

__all__ = ["EXERCISE"]

EXERCISE = Exercise(
    "generator_loss",
    notebook="03",
    reference=losses.generator_loss,
    check=checks.check_generator_loss,
    spec="""`generator_loss(fake_scores) -> torch.Tensor`: `-mean(fake_scores)`.""",
)
