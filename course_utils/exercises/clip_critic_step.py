"""Exercise ``clip_critic_step`` (notebook 03): one critic update of the clipped WGAN. Its reference is in :mod:`course_utils.steps`,
its check in :mod:`course_utils.checks` and its catalog entries in :mod:`course_utils.bugs`."""

from __future__ import annotations

from .. import checks, steps
from .registry import Exercise

__all__ = ["EXERCISE"]

EXERCISE = Exercise(
    "clip_critic_step",
    notebook="03",
    reference=steps.clip_critic_step,
    check=checks.check_clip_critic_step,
    spec="""`clip_critic_step(critic, optimizer, real, fake, c) -> float` (notebook 03): one WGAN
critic update. Clears the critic's gradients, computes
`mean(critic(fake)) - mean(critic(real))` with `fake` treated as a constant (no gradient
reaches whatever produced it, even when `fake` still carries a generator's graph),
backpropagates, steps `optimizer`, then clamps every critic parameter to `[-c, c]` in
place. Returns the Wasserstein estimate `mean(critic(real)) - mean(critic(fake))`
computed before the step, as a Python float.""",
)
