"""Reference implementations of the course's exercise functions.

These are the functions learners write themselves in the notebooks (see the
contracts in ``docs/CONTRACT.md``). The notebooks fall back to these versions when a
learner's exercise is unfinished, and the self-checks compare against them.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = [
    "interpolate",
    "input_gradients",
    "input_gradient_norms",
    "gradient_penalty",
    "one_sided_penalty",
    "r1_penalty",
    "critic_loss",
    "generator_loss",
    "clip_weights_",
    "wasserstein_estimate",
]


def interpolate(real: torch.Tensor, fake: torch.Tensor, alpha: torch.Tensor | None = None) -> torch.Tensor:
    """Random points on the segments between paired real and fake samples.

    One ``alpha ~ U(0, 1)`` is drawn per sample and broadcast over every other
    dimension, so ``xhat_i = alpha_i * real_i + (1 - alpha_i) * fake_i``. Used in notebooks 05, 07, 08 and 09.
    """
    if real.shape != fake.shape:
        raise ValueError(
            f"real and fake must have the same shape, got {tuple(real.shape)} and {tuple(fake.shape)}."
        )
    if alpha is None:
        alpha = torch.rand(real.shape[0], device=real.device, dtype=real.dtype)
    alpha = alpha.reshape(-1, *([1] * (real.dim() - 1)))
    return alpha * real + (1 - alpha) * fake


def input_gradients(critic: nn.Module, x: torch.Tensor, create_graph: bool = False) -> torch.Tensor:
    """``d critic(x) / d x`` for each sample, flattened to shape ``(B, D)``.

    ``x`` is detached first, so the gradient is with respect to the points only. With
    ``create_graph=True`` the result can be differentiated again with respect to the
    critic's parameters (what every gradient penalty needs). Used in notebooks 04 and 09 (through the package).
    """
    x = x.detach().requires_grad_(True)
    scores = critic(x)
    (grads,) = torch.autograd.grad(scores.sum(), x, create_graph=create_graph)
    return grads.flatten(start_dim=1)


def input_gradient_norms(critic: nn.Module, x: torch.Tensor, create_graph: bool = False) -> torch.Tensor:
    """Per-sample L2 norms of ``d critic(x) / d x``, shape ``(B,)``.

    ``x`` may have any shape ``(B, ...)``; the norm is taken over all dimensions
    but the batch dimension. With ``create_graph=True`` the result can itself be
    differentiated (that is what the gradient penalty needs). The reference of the
    ``per_sample_grad_norms`` exercise. Used in notebooks 05, 06, 07 and 09.
    """
    return input_gradients(critic, x, create_graph=create_graph).norm(2, dim=1)


def gradient_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Two-sided gradient penalty of WGAN-GP (Gulrajani et al., 2017), *not* times lambda.

    Returns the scalar ``mean_i (||grad critic(xhat_i)||_2 - 1) ** 2`` over random
    interpolates ``xhat_i`` between ``real_i`` and ``fake_i``. It stays
    differentiable with respect to the critic's parameters. Used in notebooks 02, 03, 05, 06 and 07.
    """
    xhat = interpolate(real.detach(), fake.detach())
    norms = input_gradient_norms(critic, xhat, create_graph=True)
    return ((norms - 1) ** 2).mean()


def one_sided_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """One-sided penalty ``mean_i max(0, ||grad critic(xhat_i)||_2 - 1) ** 2`` on interpolates, *not* times lambda.

    Same contract as :func:`gradient_penalty`, but gradients flatter than 1 cost nothing (the
    Lipschitz penalty of Petzka et al., 2018). Used in notebook 09.
    """
    xhat = interpolate(real.detach(), fake.detach())
    norms = input_gradient_norms(critic, xhat, create_graph=True)
    return (torch.relu(norms - 1) ** 2).mean()


def r1_penalty(critic: nn.Module, real: torch.Tensor) -> torch.Tensor:
    """R1 (Mescheder et al., 2018): ``mean_i ||grad_x critic(real_i)||_2 ** 2`` at the real samples.

    Per-sample norms over all non-batch dimensions, no interpolation, no target of 1;
    differentiable with respect to the critic's parameters; *not* multiplied by ``gamma / 2``.
    Used in notebook 09.
    """
    grads = input_gradients(critic, real, create_graph=True)
    return grads.pow(2).sum(dim=1).mean()


def critic_loss(
    real_scores: torch.Tensor, fake_scores: torch.Tensor, penalty: torch.Tensor | float, lambda_gp: float
) -> torch.Tensor:
    """Critic loss to minimise: ``mean(fake) - mean(real) + lambda_gp * penalty``. Used in notebooks 03, 05 and 06."""
    return fake_scores.mean() - real_scores.mean() + lambda_gp * penalty


def generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """Generator loss to minimise: ``-mean(fake_scores)``. Used in notebooks 00, 03 and 05."""
    return -fake_scores.mean()


@torch.no_grad()
def clip_weights_(critic: nn.Module, c: float) -> None:
    """Clamp every parameter of ``critic`` to ``[-c, c]`` in place (the WGAN constraint). Used in notebook 03."""
    if c <= 0:
        raise ValueError(f"The clipping bound c must be positive, got {c}.")
    for p in critic.parameters():
        p.clamp_(-c, c)


def wasserstein_estimate(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> float:
    """The critic's estimate of W1: ``mean(real) - mean(fake)`` as a Python float.

    Used in notebook 03 (through the package).
    """
    return float(real_scores.mean() - fake_scores.mean())
