"""Exercise ``per_sample_grad_norms`` (notebook 04): per-sample input-gradient norms. Its reference is in :mod:`course_utils.losses`,
its check in :mod:`course_utils.checks` and its catalog entries in :mod:`course_utils.bugs`."""

from __future__ import annotations

from .. import checks, losses
from .registry import Exercise

__all__ = ["EXERCISE"]

EXERCISE = Exercise(
    "per_sample_grad_norms",
    notebook="04",
    reference=losses.input_gradient_norms,
    check=checks.check_per_sample_grad_norms,
    spec="""`per_sample_grad_norms(critic, x, create_graph=False) -> torch.Tensor` (notebook 04): the
L2 norm of `d critic(x) / d x` for each sample, shape `(B,)`, the norm taken over all
non-batch dimensions, for any input shape `(B, ...)`; `x` is left unchanged; with
`create_graph=True` the norms are differentiable with respect to the critic's parameters.""",
)
