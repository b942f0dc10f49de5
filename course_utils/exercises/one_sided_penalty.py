"""Exercise ``one_sided_penalty`` (notebook 09): the one-sided penalty. Its reference is in :mod:`course_utils.losses`,
its check in :mod:`course_utils.checks` and its catalog entries in :mod:`course_utils.bugs`."""

from __future__ import annotations

from .. import checks, losses
from .registry import Exercise

__all__ = ["EXERCISE"]

EXERCISE = Exercise(
    "one_sided_penalty",
    notebook="09",
    reference=losses.one_sided_penalty,
    check=checks.check_one_sided_penalty,
    spec="""`one_sided_penalty(critic, real, fake) -> torch.Tensor` (notebook 09): the contract of
`gradient_penalty`, with `max(0, ||grad_xhat critic(xhat)||_2 - 1) ** 2` in place of the
two-sided square: gradients flatter than 1 cost nothing; **not** multiplied by lambda.""",
)
