"""A standard (Jensen-Shannon) GAN for the toy problems of notebook 01.

The WGAN loop lives in :mod:`course_utils.training`; this module is its
counterpart for the original GAN of Goodfellow et al. (2014), so the course can
show what goes wrong *before* the Wasserstein distance fixes it:

* the discriminator is an :class:`~course_utils.models.MLPCritic` whose single
  output is read as a *logit*: ``D(x) = sigmoid(critic(x))``;
* it minimises the binary cross-entropy :func:`discriminator_loss`;
* the generator minimises either the *saturating* loss ``E[log(1 - D(G(z)))]``
  of the minimax game or the *non-saturating* loss ``-E[log D(G(z))]`` that
  Goodfellow et al. recommend in practice.

All losses are written with ``softplus`` on logits, which is the numerically
stable form of ``log(sigmoid(.))``: ``log D = -softplus(-logit)`` and
``log(1 - D) = -softplus(logit)``.

It also has the measurement of notebook 01's vanishing-gradient experiment: the
generator's gradient while the discriminator approaches optimality
(:func:`watch_generator_gradients`). Mode coverage lives in :mod:`course_utils.metrics`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from .training import model_device, sample_latent

__all__ = [
    "Sampler", "GeneratorLossName", "LOG2", "discriminator_loss", "saturating_generator_loss",
    "nonsaturating_generator_loss", "GENERATOR_LOSSES", "js_lower_bound", "GANConfig", "GANHistory", "train_gan",
    "generator_gradient_norm", "GradientWatch", "watch_generator_gradients"
]

Sampler = Callable[[int], torch.Tensor]
GeneratorLossName = Literal["nonsaturating", "saturating"]

LOG2 = math.log(2.0)


# --------------------------------------------------------------------------- losses
def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy: ``-E[log D(real)] - E[log(1 - D(fake))]``, from logits. Used in notebook 03."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def saturating_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The minimax generator loss ``E[log(1 - D(G(z)))]`` (to minimise), from logits.

    Its derivative with respect to the logit is ``-D(G(z))``: when the
    discriminator confidently rejects the fakes (``D -> 0``) the gradient vanishes.
    Not called in a notebook.
    """
    return -F.softplus(fake_logits).mean()


def nonsaturating_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The non-saturating generator loss ``-E[log D(G(z))]`` (to minimise), from logits.

    Its derivative with respect to the logit is ``-(1 - D(G(z)))``, close to -1
    exactly when the discriminator rejects the fakes.

    Used in notebook 03.
    """
    return F.softplus(-fake_logits).mean()


GENERATOR_LOSSES: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "nonsaturating": nonsaturating_generator_loss,
    "saturating": saturating_generator_loss,
}


def js_lower_bound(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> float:
    """The discriminator's lower bound on the Jensen-Shannon divergence (in nats).

    For any discriminator ``D``, ``log 2 + (E[log D(real)] + E[log(1 - D(fake))]) / 2 <= JS``,
    with equality for the optimal ``D* = p_real / (p_real + p_fake)``
    (Goodfellow et al., 2014). It equals ``log 2 - discriminator_loss / 2``.
    Not called in a notebook.
    """
    return LOG2 - 0.5 * float(discriminator_loss(real_logits, fake_logits))


# --------------------------------------------------------------------------- training
@dataclass
class GANConfig:
    """Hyper-parameters of a standard GAN run; the defaults are DCGAN's Adam settings (lr 2e-4, betas (0.5, 0.999)).

    Used in notebook 01.
    """

    n_steps: int = 2000
    batch_size: int = 256
    lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    n_disc: int = 1
    loss: GeneratorLossName = "nonsaturating"
    log_every: int = 10

    def __post_init__(self) -> None:
        if self.loss not in GENERATOR_LOSSES:
            raise ValueError(f"loss must be one of {sorted(GENERATOR_LOSSES)}, got {self.loss!r}")
        if self.n_steps < 0 or self.n_disc < 1 or self.batch_size < 1 or self.log_every < 1:
            raise ValueError("n_steps must be >= 0, and n_disc, batch_size and log_every >= 1")


@dataclass
class GANHistory:
    """One entry per logged generator step."""

    step: list[int] = field(default_factory=list)
    d_loss: list[float] = field(default_factory=list)
    g_loss: list[float] = field(default_factory=list)
    d_real: list[float] = field(default_factory=list)  # mean D(x) on real samples
    d_fake: list[float] = field(default_factory=list)  # mean D(G(z)) on generated samples

    def as_dict(self) -> dict[str, list[float]]:
        return asdict(self)


def train_gan(
    generator: nn.Module,
    discriminator: nn.Module,
    sample_real: Sampler,
    config: GANConfig | None = None,
    *,
    callback: Callable[[int, nn.Module], None] | None = None,
    callback_every: int = 0,
    progress: bool = True,
    desc: str | None = None,
) -> GANHistory:
    """Train a standard GAN: ``n_disc`` discriminator steps, then one generator step.

    ``callback(step, generator)`` runs every ``callback_every`` generator steps
    (and once before training, with step 0), e.g. to count the modes covered.

    Used in notebook 01.
    """
    config = config or GANConfig()
    device = model_device(discriminator)
    if model_device(generator) != device:
        raise ValueError(f"generator is on {model_device(generator)} but discriminator is on {device}; move both.")
    g_loss_fn = GENERATOR_LOSSES[config.loss]
    opt_g = torch.optim.Adam(generator.parameters(), lr=config.lr, betas=config.betas)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=config.lr, betas=config.betas)
    history = GANHistory()
    batch = config.batch_size
    if callback is not None and callback_every:
        callback(0, generator)
    bar = tqdm(range(config.n_steps), desc=desc or f"GAN ({config.loss})", disable=not progress, mininterval=1.0)
    for step in bar:
        for _ in range(config.n_disc):
            real = sample_real(batch)
            with torch.no_grad():
                fake = generator(sample_latent(generator, batch, device))
            real_logits, fake_logits = discriminator(real), discriminator(fake)
            loss_d = discriminator_loss(real_logits, fake_logits)
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()

        for p in discriminator.parameters():
            p.requires_grad_(False)
        fake_logits_g = discriminator(generator(sample_latent(generator, batch, device)))
        loss_g = g_loss_fn(fake_logits_g)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        for p in discriminator.parameters():
            p.requires_grad_(True)

        if step % config.log_every == 0 or step == config.n_steps - 1:
            history.step.append(step)
            history.d_loss.append(float(loss_d.detach()))
            history.g_loss.append(float(loss_g.detach()))
            history.d_real.append(float(torch.sigmoid(real_logits.detach()).mean()))
            history.d_fake.append(float(torch.sigmoid(fake_logits.detach()).mean()))
            bar.set_postfix(D_real=f"{history.d_real[-1]:.2f}", D_fake=f"{history.d_fake[-1]:.2f}", refresh=False)
        if callback is not None and callback_every and (step + 1) % callback_every == 0:
            callback(step + 1, generator)
    bar.close()
    return history


# --------------------------------------------------------------------------- measurements
def generator_gradient_norm(
    generator: nn.Module,
    discriminator: nn.Module,
    loss: GeneratorLossName | Callable[[torch.Tensor], torch.Tensor],
    z: torch.Tensor,
) -> float:
    """L2 norm of the gradient of a generator loss with respect to all generator parameters.

    ``z`` is a fixed batch of noise, so that measurements at different times are
    comparable. Neither model's ``.grad`` is touched.
    Not called in a notebook.
    """
    loss_fn = GENERATOR_LOSSES[loss] if isinstance(loss, str) else loss
    params = [p for p in generator.parameters() if p.requires_grad]
    value = loss_fn(discriminator(generator(z)))
    grads = torch.autograd.grad(value, params, allow_unused=True)
    squares = [g.pow(2).sum() for g in grads if g is not None]
    return float(torch.stack(squares).sum().sqrt()) if squares else 0.0


@dataclass
class GradientWatch:
    """What :func:`watch_generator_gradients` measured, one entry per checkpoint."""

    step: list[int] = field(default_factory=list)
    saturating: list[float] = field(default_factory=list)  # ||grad_theta E[log(1 - D(G(z)))]||
    nonsaturating: list[float] = field(default_factory=list)  # ||grad_theta -E[log D(G(z))]||
    d_real: list[float] = field(default_factory=list)
    d_fake: list[float] = field(default_factory=list)
    js_bound: list[float] = field(default_factory=list)  # the discriminator's lower bound on JS

    def as_dict(self) -> dict[str, list[float]]:
        return asdict(self)


def watch_generator_gradients(
    generator: nn.Module,
    discriminator: nn.Module,
    sample_real: Sampler,
    n_steps: int = 1000,
    every: int = 50,
    lr: float = 1e-3,
    batch_size: int = 256,
    n_eval: int = 1024,
    progress: bool = True,
) -> GradientWatch:
    """Train only the discriminator (the generator stays fixed) and watch the generator's gradient.

    This is the experiment of Arjovsky and Bottou (2017, figure 2) on a toy
    problem: as ``D`` approaches the optimal discriminator for two (nearly)
    disjoint distributions, the gradient that the saturating loss would give the
    generator shrinks towards zero. At every ``every`` steps it records both
    generator-gradient norms on a fixed noise batch, the mean ``D`` on real and
    fake samples, and the discriminator's lower bound on the JS divergence.

    Used in notebook 01.
    """
    device = model_device(discriminator)
    opt = torch.optim.Adam(discriminator.parameters(), lr=lr, betas=(0.5, 0.999))
    z_eval = sample_latent(generator, n_eval, device)
    real_eval = sample_real(n_eval)
    watch = GradientWatch()

    def record(step: int) -> None:
        watch.step.append(step)
        watch.saturating.append(generator_gradient_norm(generator, discriminator, "saturating", z_eval))
        watch.nonsaturating.append(generator_gradient_norm(generator, discriminator, "nonsaturating", z_eval))
        with torch.no_grad():
            real_logits, fake_logits = discriminator(real_eval), discriminator(generator(z_eval))
        watch.d_real.append(float(torch.sigmoid(real_logits).mean()))
        watch.d_fake.append(float(torch.sigmoid(fake_logits).mean()))
        watch.js_bound.append(js_lower_bound(real_logits, fake_logits))

    record(0)
    for step in tqdm(range(1, n_steps + 1), desc="discriminator only", disable=not progress, mininterval=1.0):
        real = sample_real(batch_size)
        with torch.no_grad():
            fake = generator(sample_latent(generator, batch_size, device))
        loss = discriminator_loss(discriminator(real), discriminator(fake))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % every == 0 or step == n_steps:
            record(step)
    return watch
