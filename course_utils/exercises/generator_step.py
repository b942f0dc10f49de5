"""Exercise ``generator_step`` (notebook 03): one generator update. Its reference is in :mod:`course_utils.steps`,
its check in :mod:`course_utils.checks` and its catalog entries in :mod:`course_utils.bugs`."""

from __future__ import annotations

from .. import checks, steps
from .registry import Exercise

__all__ = ["EXERCISE"]

EXERCISE = Exercise(
    "generator_step",
    notebook="03",
    reference=steps.generator_step,
    check=checks.check_generator_step,
    spec="""`generator_step(generator, critic, optimizer, z) -> float` (notebooks 03 and 07): one
generator update. Clears the generator's gradients, computes `-mean(critic(generator(z)))`,
backpropagates, steps `optimizer` (which holds the generator's parameters only). The
critic is left as it was found: its parameter values and their `requires_grad` flags are
unchanged (freezing it during the step is fine if it is unfrozen afterwards). Returns the
loss as a float.""",
)
