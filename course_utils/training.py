"""One training loop for WGAN with weight clipping and WGAN-GP, and a critic-only loop.

Defaults follow the papers:

* clipping (Arjovsky et al., 2017): RMSProp, learning rate 5e-5, c = 0.01, n_critic = 5;
* gradient penalty (Gulrajani et al., 2017, Algorithm 1): Adam, learning rate 1e-4,
  betas (0, 0.9), lambda = 10, n_critic = 5. (Their toy code uses betas (0.5, 0.9) and
  lambda = 0.1; pass those to reproduce it.)

The loss and constraint functions are arguments, so the notebooks can plug in the
learner's own ``gradient_penalty``, ``critic_loss``, ``generator_loss`` and
``clip_weights_``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal

import torch
from torch import nn
from tqdm.auto import tqdm

from . import losses
from .losses import input_gradient_norms, interpolate

__all__ = [
    "Method", "Sampler", "TrainConfig", "History", "train_wgan", "train_critic", "sample_latent", "model_device"
]

Method = Literal["gp", "clip", "none"]
Sampler = Callable[[int], torch.Tensor]


@dataclass
class TrainConfig:
    """Hyper-parameters of a WGAN run. ``None`` fields take the method's paper default.

    Used in notebooks 00, 02, 03, 05, 06 and 07.
    """

    method: Method = "gp"
    n_steps: int = 1000
    n_critic: int = 5
    batch_size: int = 256
    lambda_gp: float = 10.0
    clip_value: float = 0.01
    lr: float | None = None
    betas: tuple[float, float] | None = None
    log_every: int = 10
    time_budget_s: float | None = None

    def __post_init__(self) -> None:
        if self.method not in ("gp", "clip", "none"):
            raise ValueError(f"method must be 'gp', 'clip' or 'none', got {self.method!r}")
        if self.n_steps < 0 or self.n_critic < 1 or self.batch_size < 1:
            raise ValueError("n_steps must be >= 0, and n_critic and batch_size >= 1")
        if self.lr is None:
            self.lr = 5e-5 if self.method == "clip" else 1e-4
        if self.betas is None:
            self.betas = (0.0, 0.9)

    def make_optimizer(self, params) -> torch.optim.Optimizer:
        """RMSProp for clipping (the WGAN paper), Adam otherwise."""
        if self.method == "clip":
            return torch.optim.RMSprop(params, lr=self.lr)
        return torch.optim.Adam(params, lr=self.lr, betas=self.betas)


@dataclass
class History:
    """What happened during training, one entry per logged generator step. Used in notebook 03."""

    step: list[int] = field(default_factory=list)
    critic_loss: list[float] = field(default_factory=list)
    generator_loss: list[float] = field(default_factory=list)
    w_estimate: list[float] = field(default_factory=list)
    penalty: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def append(self, **values: float) -> None:
        for key, value in values.items():
            getattr(self, key).append(value)

    def last(self, key: str, n: int = 1) -> float:
        """Mean of the last ``n`` logged values of ``key``."""
        values = getattr(self, key)[-n:]
        if not values:
            raise ValueError(f"History has no values for {key!r} yet.")
        return sum(values) / len(values)

    def as_dict(self) -> dict[str, list[float]]:
        return asdict(self)


def sample_latent(generator: nn.Module, n: int, device: torch.device) -> torch.Tensor:
    """``n`` standard-normal noise vectors shaped for ``generator`` (its ``latent_dim``).

    Not called in a notebook (used by the training loops).
    """
    latent_dim = getattr(generator, "latent_dim", None)
    if latent_dim is None:
        raise AttributeError("The generator needs a 'latent_dim' attribute (the size of its noise input).")
    shape = (n, *latent_dim) if isinstance(latent_dim, tuple) else (n, latent_dim)
    return torch.randn(shape, device=device)


def model_device(model: nn.Module) -> torch.device:
    """The device of ``model``'s first parameter. Not called in a notebook (used by the training loops)."""
    return next(model.parameters()).device


@torch.no_grad()
def _log_grad_norm(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> float:
    with torch.enable_grad():
        norms = input_gradient_norms(critic, interpolate(real, fake))
    return float(norms.mean())


def train_wgan(
    generator: nn.Module,
    critic: nn.Module,
    sample_real: Sampler,
    config: TrainConfig | None = None,
    *,
    gradient_penalty: Callable = losses.gradient_penalty,
    critic_loss: Callable = losses.critic_loss,
    generator_loss: Callable = losses.generator_loss,
    clip_weights_: Callable = losses.clip_weights_,
    optimizers: tuple[torch.optim.Optimizer, torch.optim.Optimizer] | None = None,
    history: History | None = None,
    callback: Callable[[int, History], None] | None = None,
    callback_every: int = 0,
    progress: bool = True,
    desc: str | None = None,
) -> History:
    """Train ``generator`` against ``critic`` with weight clipping or the gradient penalty.

    ``sample_real(n)`` returns ``n`` real samples on the models' device. Each of
    ``config.n_steps`` generator steps follows ``config.n_critic`` critic steps.
    ``callback(step, history)`` runs every ``callback_every`` steps (use it to plot).
    Pass ``optimizers=(opt_generator, opt_critic)`` and ``history`` to continue a run.
    Returns the :class:`History`.

    Used in notebooks 00 and 09.
    """
    config = config or TrainConfig()
    device = model_device(critic)
    if model_device(generator) != device:
        raise ValueError(f"generator is on {model_device(generator)} but critic is on {device}; move both.")
    opt_g, opt_c = optimizers or (config.make_optimizer(generator.parameters()), config.make_optimizer(critic.parameters()))
    history = history or History()
    start_step = history.step[-1] + 1 if history.step else 0
    offset_s = history.seconds[-1] if history.seconds else 0.0
    batch = config.batch_size
    generator.train()
    critic.train()
    t0 = time.perf_counter()
    bar = tqdm(range(start_step, start_step + config.n_steps), desc=desc or f"WGAN ({config.method})",
               disable=not progress, mininterval=1.0)
    for step in bar:
        # 1. critic updates: n_critic of them per generator update
        for _ in range(config.n_critic):
            real = sample_real(batch)
            with torch.no_grad():
                fake = generator(sample_latent(generator, batch, device))
            real_scores, fake_scores = critic(real), critic(fake)
            if config.method == "gp":
                penalty = gradient_penalty(critic, real, fake)
                loss_c = critic_loss(real_scores, fake_scores, penalty, config.lambda_gp)
            else:
                penalty = torch.zeros((), device=device)
                loss_c = critic_loss(real_scores, fake_scores, penalty, 0.0)
            opt_c.zero_grad(set_to_none=True)
            loss_c.backward()
            opt_c.step()
            if config.method == "clip":
                clip_weights_(critic, config.clip_value)

        # 2. one generator update
        for p in critic.parameters():
            p.requires_grad_(False)
        fake = generator(sample_latent(generator, batch, device))
        loss_g = generator_loss(critic(fake))
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        for p in critic.parameters():
            p.requires_grad_(True)

        elapsed = offset_s + time.perf_counter() - t0
        last = step == start_step + config.n_steps - 1
        out_of_time = config.time_budget_s is not None and elapsed - offset_s >= config.time_budget_s
        if step % config.log_every == 0 or last or out_of_time:
            w = float(real_scores.detach().mean() - fake_scores.detach().mean())
            history.append(
                step=step,
                critic_loss=float(loss_c.detach()),
                generator_loss=float(loss_g.detach()),
                w_estimate=w,
                penalty=float(penalty.detach()),
                grad_norm=_log_grad_norm(critic, real, fake.detach()),
                seconds=elapsed,
            )
            bar.set_postfix(W=f"{w:.3f}", grad=f"{history.grad_norm[-1]:.2f}", refresh=False)
        if callback is not None and callback_every and (step + 1) % callback_every == 0:
            callback(step + 1, history)
        if out_of_time:
            break
    bar.close()
    return history


def train_critic(
    critic: nn.Module,
    sample_real: Sampler,
    sample_fake: Sampler,
    config: TrainConfig | None = None,
    *,
    gradient_penalty: Callable = losses.gradient_penalty,
    critic_loss: Callable = losses.critic_loss,
    clip_weights_: Callable = losses.clip_weights_,
    progress: bool = True,
    desc: str | None = None,
) -> History:
    """Train only the critic, against a fixed distribution ``sample_fake``.

    ``config.n_steps`` critic updates (``n_critic`` is ignored). This is how the
    notebooks estimate the Wasserstein distance between two fixed distributions and
    study the critic the constraint produces.

    Used in notebooks 02, 03, 05, 06, 07 and 09.
    """
    config = config or TrainConfig()
    opt = config.make_optimizer(critic.parameters())
    history = History()
    device = model_device(critic)
    critic.train()
    t0 = time.perf_counter()
    bar = tqdm(range(config.n_steps), desc=desc or f"critic ({config.method})", disable=not progress, mininterval=1.0)
    for step in bar:
        real, fake = sample_real(config.batch_size), sample_fake(config.batch_size)
        real_scores, fake_scores = critic(real), critic(fake)
        if config.method == "gp":
            penalty = gradient_penalty(critic, real, fake)
            loss = critic_loss(real_scores, fake_scores, penalty, config.lambda_gp)
        else:
            penalty = torch.zeros((), device=device)
            loss = critic_loss(real_scores, fake_scores, penalty, 0.0)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if config.method == "clip":
            clip_weights_(critic, config.clip_value)
        elapsed = time.perf_counter() - t0
        last = step == config.n_steps - 1
        out_of_time = config.time_budget_s is not None and elapsed >= config.time_budget_s
        if step % config.log_every == 0 or last or out_of_time:
            w = float(real_scores.detach().mean() - fake_scores.detach().mean())
            history.append(step=step, critic_loss=float(loss.detach()), generator_loss=float("nan"), w_estimate=w,
                           penalty=float(penalty.detach()), grad_norm=_log_grad_norm(critic, real, fake), seconds=elapsed)
            bar.set_postfix(W=f"{w:.3f}", refresh=False)
        if out_of_time:
            break
    bar.close()
    return history
