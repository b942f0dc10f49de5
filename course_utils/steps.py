"""Reference versions of the training-step exercises (one WGAN update each).

Learners write these themselves (the contracts are in ``docs/CONTRACT.md``, "Training
steps, images and beyond"); the notebooks fall back to these versions when an exercise
is unfinished, and the self-checks in :mod:`course_utils.checks` compare against them.

* :func:`clip_critic_step` - one critic update of WGAN with weight clipping (notebook 03).
* :func:`gp_critic_step` - one critic update of WGAN-GP (notebook 07).
* :func:`generator_step` - one generator update (notebooks 03 and 07).
"""

from __future__ import annotations

import torch
from torch import nn

from .losses import clip_weights_, gradient_penalty

__all__ = ["clip_critic_step", "gp_critic_step", "generator_step"]


def clip_critic_step(
    critic: nn.Module, optimizer: torch.optim.Optimizer, real: torch.Tensor, fake: torch.Tensor, c: float
) -> float:
    """One critic update of WGAN with weight clipping; returns the W1 estimate before the step.

    Clears the critic's gradients, minimises ``mean(critic(fake)) - mean(critic(real))`` with
    ``fake`` detached (no gradient reaches the generator), steps ``optimizer``, then clamps every
    critic parameter to ``[-c, c]``. Used in notebook 03.
    """
    critic.zero_grad(set_to_none=True)
    estimate = critic(real).mean() - critic(fake.detach()).mean()
    loss = -estimate
    loss.backward()
    optimizer.step()
    clip_weights_(critic, c)
    return float(estimate.detach())


def gp_critic_step(
    critic: nn.Module, optimizer: torch.optim.Optimizer, real: torch.Tensor, fake: torch.Tensor, lambda_gp: float
) -> float:
    """One critic update of WGAN-GP; returns the W1 estimate before the step (penalty not included).

    The loss is ``mean(critic(fake)) - mean(critic(real)) + lambda_gp * gradient_penalty(critic,
    real, fake)`` with ``fake`` detached; no clipping. Used in notebooks 07 and 08.
    """
    critic.zero_grad(set_to_none=True)
    fake = fake.detach()
    estimate = critic(real).mean() - critic(fake).mean()
    loss = -estimate + lambda_gp * gradient_penalty(critic, real, fake)
    loss.backward()
    optimizer.step()
    return float(estimate.detach())


def generator_step(generator: nn.Module, critic: nn.Module, optimizer: torch.optim.Optimizer, z: torch.Tensor) -> float:
    """One generator update: minimise ``-mean(critic(generator(z)))``; returns that loss as a float.

    The critic is frozen during the step (no gradient is stored on its parameters) and its
    ``requires_grad`` flags are restored afterwards, so it is left exactly as it was found.
    ``optimizer`` holds the generator's parameters only. Used in notebooks 03, 07 and 08.
    """
    flags = [p.requires_grad for p in critic.parameters()]
    for p in critic.parameters():
        p.requires_grad_(False)
    try:
        generator.zero_grad(set_to_none=True)
        loss = -critic(generator(z)).mean()
        loss.backward()
        optimizer.step()
    finally:
        for p, flag in zip(critic.parameters(), flags, strict=True):
            p.requires_grad_(flag)
    return float(loss.detach())
