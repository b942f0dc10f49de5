"""Exercise ``gradient_penalty`` (notebook 05): the gradient penalty of WGAN-GP. Its reference is in :mod:`course_utils.losses`,
its check in :mod:`course_utils.checks` and its catalog entries in :mod:`course_utils.bugs`."""

from __future__ import annotations

from .. import checks, losses
from .registry import Exercise

__all__ = ["EXERCISE"]

EXERCISE = Exercise(
    "gradient_penalty",
    notebook="05",
    reference=losses.gradient_penalty,
    check=checks.check_gradient_penalty,
    spec="""`gradient_penalty(critic, real, fake) -> torch.Tensor`: a scalar, the batch mean of
`(||grad_xhat critic(xhat)||_2 - 1) ** 2`, where `xhat_i = alpha_i * real_i + (1 - alpha_i)
* fake_i` with one `alpha_i ~ U(0, 1)` per sample, broadcast over all other dims; works
for any input shape `(B, ...)`; differentiable with respect to the critic's parameters;
**not** multiplied by lambda.""",
)
