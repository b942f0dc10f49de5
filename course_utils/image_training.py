"""WGAN-GP on 28 x 28 images: the training loop, mixed precision done right, checkpoints.

Defaults are the paper's (Gulrajani et al., 2017): lambda = 10, n_critic = 5, Adam with
learning rate 1e-4. Adam's betas are **(0.5, 0.9)**, as in the authors' scripts for MNIST
and for DCGAN-sized CIFAR-10 models (``gan_mnist.py``, ``gan_cifar.py``) and for the toy data
(``gan_toy.py``); the paper's Algorithm 1 and its larger image models (``gan_64x64.py``,
``gan_cifar_resnet.py``) use (0, 0.9). Pass ``--betas 0 0.9`` to follow Algorithm 1.

Mixed precision (``amp``) lives in :mod:`course_utils.image_precision`, sample grids in
:mod:`course_utils.image_plots`.

The training command::

    python -m course_utils.image_training train --steps 2000 --out runs/fashion
    python -m course_utils.image_training train --resume runs/fashion/checkpoint.pt --steps 500
    python -m course_utils.image_training export runs/fashion/checkpoint.pt data/wgan_gp_fashion.pt
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import torch
from torch import nn
from tqdm.auto import tqdm

from . import image_data
from .env import get_device
from .image_models import DCGANCritic, DCGANGenerator
from .image_plots import save_grid, show_grid
from .image_precision import Amp, amp_gradient_penalty, autocast, backward_and_step, make_scaler, resolve_amp
from .losses import critic_loss, generator_loss
from .training import History

__all__ = ["PRETRAINED", "ImageHistory", "ImageTrainConfig", "ImageWGANGP", "amp_gradient_penalty",
           "export_pretrained", "hardware_summary", "load_pretrained", "main", "seconds_until_utc", "show_grid",
           "update_ema"]

PRETRAINED = image_data.REPO_DATA / "wgan_gp_fashion.pt"


@dataclass
class ImageTrainConfig:
    """Hyper-parameters of an image WGAN-GP run (defaults: the paper's, see module docstring). Used in notebook 08."""

    n_steps: int = 2000
    batch_size: int = 64
    n_critic: int = 5
    lambda_gp: float = 10.0
    lr: float = 1e-4
    betas: tuple[float, float] = (0.5, 0.9)
    latent_dim: int = 64
    g_width: int = 16
    c_width: int = 32
    g_upsample: Literal["transposed", "nearest"] = "transposed"
    g_batchnorm: bool = True
    ema_decay: float = 0.0
    lr_decay: tuple[int, int] | None = None
    critic_norm: Literal["none", "layernorm"] = "none"
    g_top_k: float = 1.0
    amp: Amp = "auto"
    data: Literal["subset", "full"] = "subset"
    seed: int = 0
    log_every: int = 10
    eval_every: int = 100
    eval_size: int = 1000
    sample_every: int = 250
    checkpoint_every: int = 250
    keep_checkpoints: bool = False
    time_budget_s: float | None = None

    def __post_init__(self) -> None:
        self.betas = tuple(self.betas)
        if self.n_steps < 0 or self.n_critic < 1 or self.batch_size < 2:
            raise ValueError("n_steps must be >= 0, n_critic >= 1 and batch_size >= 2")
        if not 0.0 <= self.ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in [0, 1) (0 turns the average off), got {self.ema_decay}")
        if self.lr_decay is not None:
            self.lr_decay = tuple(int(s) for s in self.lr_decay)
            if len(self.lr_decay) != 2 or not 0 <= self.lr_decay[0] < self.lr_decay[1]:
                raise ValueError(f"lr_decay must be (first_step, last_step) with 0 <= first < last, got {self.lr_decay}")
        if not 0.0 < self.g_top_k <= 1.0:
            raise ValueError(f"g_top_k is the fraction of each batch the generator learns from, in (0, 1], got {self.g_top_k}")
        if self.amp not in ("auto", "off", "bf16", "fp16"):
            raise ValueError(f"amp must be 'auto', 'off', 'bf16' or 'fp16', got {self.amp!r}")

    def learning_rate(self, step: int) -> float:
        """``lr``, or with ``lr_decay = (a, b)`` a linear fall from ``lr`` at step ``a`` to 0 at step ``b``
        (the authors' ResNet script for CIFAR-10, ``gan_cifar_resnet.py``, decays linearly to 0 over its whole run;
        their MNIST and DCGAN scripts keep the rate constant)."""
        if self.lr_decay is None or step <= self.lr_decay[0]:
            return self.lr
        a, b = self.lr_decay
        return self.lr * max(0.0, (b - step) / (b - a))

    def models(self) -> tuple[DCGANGenerator, DCGANCritic]:
        return (DCGANGenerator(self.latent_dim, self.g_width, batchnorm=self.g_batchnorm, upsample=self.g_upsample),
                DCGANCritic(self.c_width, norm=self.critic_norm))


@dataclass
class ImageHistory(History):
    """The toy loop's :class:`~course_utils.training.History` (every ``log_every`` steps) plus the
    held-out Wasserstein estimate every ``eval_every`` steps. Used in notebook 08."""

    eval_step: list[int] = field(default_factory=list)
    heldout_w: list[float] = field(default_factory=list)


@torch.no_grad()
def update_ema(average: nn.Module, model: nn.Module, decay: float, step: int = 10**9) -> None:
    """Move ``average``'s weights towards ``model``'s: ``avg <- d * avg + (1 - d) * w``; buffers are copied.

    ``d = min(decay, (1 + step) / (10 + step))`` so that the average forgets its random start
    quickly in the first steps. Used in notebook 08.
    """
    d = min(decay, (1.0 + step) / (10.0 + step))
    for pa, pm in zip(average.parameters(), model.parameters(), strict=True):
        pa.lerp_(pm.detach(), 1.0 - d)
    for ba, bm in zip(average.buffers(), model.buffers(), strict=True):
        ba.copy_(bm)


# ----------------------------------------------------------------------------- trainer
class ImageWGANGP:
    """Holds the models, optimizers, scalers, data and history of one run; ``train()`` continues it.

    Used in notebook 08.
    """

    def __init__(self, config: ImageTrainConfig | None = None, device: torch.device | str | None = None,
                 train_images: torch.Tensor | None = None, heldout_images: torch.Tensor | None = None,
                 out_dir: str | Path | None = None):
        self.config = config = config or ImageTrainConfig()
        self.device = torch.device(device) if device is not None else get_device()
        self.mode = resolve_amp(config.amp, self.device)
        torch.manual_seed(config.seed)
        self.generator, self.critic = (m.to(self.device) for m in config.models())
        # exponential moving average of the generator's weights (Yazici et al., 2019): sampled, never trained
        self.ema = copy.deepcopy(self.generator).requires_grad_(False) if config.ema_decay > 0 else None
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=config.lr, betas=config.betas)
        self.opt_c = torch.optim.Adam(self.critic.parameters(), lr=config.lr, betas=config.betas)
        self.scaler_g = make_scaler(self.device, self.mode)
        self.scaler_c = make_scaler(self.device, self.mode)
        if train_images is None or heldout_images is None:
            full = config.data == "full"
            train_images = image_data.load_images("train", full=full).tensor() if train_images is None else train_images
            heldout_images = image_data.load_images("test", full=full).tensor() if heldout_images is None else heldout_images
        self.sampler = image_data.RealSampler(train_images.to(self.device), seed=config.seed)
        self.heldout = heldout_images[: config.eval_size].to(self.device)
        self.fixed_noise = torch.randn(64, config.latent_dim, generator=torch.Generator().manual_seed(1234))
        self.history = ImageHistory()
        self.step = 0
        self.seconds = 0.0
        self.grids: dict[int, torch.Tensor] = {}
        self.out_dir = Path(out_dir) if out_dir is not None else None

    # one critic update -------------------------------------------------------------
    def critic_step(self) -> dict[str, torch.Tensor]:
        cfg, dev = self.config, self.device
        real = self.sampler(cfg.batch_size)
        with torch.no_grad(), autocast(dev, self.mode):
            fake = self.generator(self.generator.sample_latent(cfg.batch_size))
        fake = fake.float()
        with autocast(dev, self.mode):
            real_scores = self.critic(real).float()
            fake_scores = self.critic(fake).float()
        penalty, norms = amp_gradient_penalty(self.critic, real, fake, mode=self.mode, scaler=self.scaler_c)
        loss = critic_loss(real_scores, fake_scores, penalty, cfg.lambda_gp)
        backward_and_step(loss, self.opt_c, self.scaler_c)
        return {"loss": loss.detach(), "w": (real_scores.mean() - fake_scores.mean()).detach(),
                "penalty": penalty.detach(), "grad_norm": norms.mean()}

    # one generator update ----------------------------------------------------------
    def generator_step(self) -> torch.Tensor:
        cfg, dev = self.config, self.device
        self.critic.requires_grad_(False)
        with autocast(dev, self.mode):
            fake = self.generator(self.generator.sample_latent(cfg.batch_size))
            scores = self.critic(fake).float().flatten()
        if cfg.g_top_k < 1.0:
            # top-k training (Sinha et al., 2020): learn only from the fakes the critic scores highest
            scores = scores.topk(max(1, round(cfg.g_top_k * cfg.batch_size))).values
        loss = generator_loss(scores)
        backward_and_step(loss, self.opt_g, self.scaler_g)
        self.critic.requires_grad_(True)
        if self.ema is not None:
            update_ema(self.ema, self.generator, self.config.ema_decay, self.step)
        return loss.detach()

    @property
    def sampler_generator(self) -> nn.Module:
        """The generator to sample and evaluate: the weight average when there is one."""
        return self.ema if self.ema is not None else self.generator

    @torch.no_grad()
    def heldout_wasserstein(self) -> float:
        """``mean D(held-out real) - mean D(fresh fakes)``: the critic's W estimate on images it never trained on."""
        # fixed noise: evaluations do not consume the training random stream (resume stays exact)
        fake = self.sampler_generator.sample(len(self.heldout), generator=torch.Generator().manual_seed(4321)).to(self.device)
        self.critic.eval()
        with autocast(self.device, self.mode):
            w = self.critic(self.heldout).float().mean() - self.critic(fake).float().mean()
        self.critic.train()
        return float(w)

    @torch.no_grad()
    def sample_grid(self) -> torch.Tensor:
        """64 images from the fixed noise, in ``[0, 1]`` on the CPU, shape ``(64, 1, 28, 28)``."""
        g = self.sampler_generator
        was = g.training
        g.eval()
        out = g(self.fixed_noise.to(self.device))
        g.train(was)
        return image_data.from_unit_range(out).cpu()

    def train(self, n_steps: int | None = None, progress: bool = True, time_budget_s: float | None = None) -> ImageHistory:
        """Run ``n_steps`` more generator steps (default ``config.n_steps``), each after ``n_critic`` critic steps."""
        cfg = self.config
        n_steps = cfg.n_steps if n_steps is None else n_steps
        budget = cfg.time_budget_s if time_budget_s is None else time_budget_s
        self.generator.train()
        self.critic.train()
        t0, s0 = time.perf_counter(), self.seconds
        end = self.step + n_steps
        bar = tqdm(total=n_steps, desc=f"WGAN-GP images ({self.device.type}, {self.mode})", disable=not progress,
                   mininterval=2.0)
        while self.step < end:
            lr = cfg.learning_rate(self.step)
            for group in (*self.opt_c.param_groups, *self.opt_g.param_groups):
                group["lr"] = lr
            for _ in range(cfg.n_critic):
                stats = self.critic_step()
            loss_g = self.generator_step()
            self.step += 1
            self.seconds = s0 + time.perf_counter() - t0
            out_of_time = budget is not None and self.seconds - s0 >= budget
            last = self.step == end or out_of_time
            if self.step % cfg.log_every == 0 or last:
                h = self.history
                h.step.append(self.step)
                h.critic_loss.append(float(stats["loss"]))
                h.generator_loss.append(float(loss_g))
                h.w_estimate.append(float(stats["w"]))
                h.penalty.append(float(stats["penalty"]))
                h.grad_norm.append(float(stats["grad_norm"]))
                h.seconds.append(self.seconds)
                bar.set_postfix(W=f"{h.w_estimate[-1]:.2f}", gnorm=f"{h.grad_norm[-1]:.2f}", refresh=False)
            if cfg.eval_every and (self.step % cfg.eval_every == 0 or last):
                self.history.eval_step.append(self.step)
                self.history.heldout_w.append(self.heldout_wasserstein())
            if cfg.sample_every and (self.step % cfg.sample_every == 0 or last):
                self.grids[self.step] = self.sample_grid()
                if self.out_dir is not None:
                    save_grid(self.grids[self.step], self.out_dir / "samples" / f"step_{self.step:06d}.png",
                              title=f"step {self.step}")
            if self.out_dir is not None and cfg.checkpoint_every and (self.step % cfg.checkpoint_every == 0 or last):
                self.save(self.out_dir / "checkpoint.pt")
                if cfg.keep_checkpoints:
                    self.save(self.out_dir / "checkpoints" / f"step_{self.step:06d}.pt")
            bar.update(1)
            if out_of_time:
                break
        bar.close()
        return self.history

    # checkpoints -------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            "format": "wgan-course-image-checkpoint/1",
            "config": asdict(self.config),
            "step": self.step,
            "seconds": self.seconds,
            "generator": self.generator.state_dict(),
            "critic": self.critic.state_dict(),
            "ema": self.ema.state_dict() if self.ema is not None else None,
            "opt_g": self.opt_g.state_dict(),
            "opt_c": self.opt_c.state_dict(),
            "scaler_g": self.scaler_g.state_dict() if self.scaler_g is not None else None,
            "scaler_c": self.scaler_c.state_dict() if self.scaler_c is not None else None,
            "sampler": self.sampler.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
            "mps_rng": torch.mps.get_rng_state() if self.device.type == "mps" else None,
            "history": self.history.as_dict(),
        }

    def load_state_dict(self, state: dict) -> None:
        if state.get("format") != "wgan-course-image-checkpoint/1":
            raise ValueError("Not a training checkpoint of course_utils.image_training (no optimizer states).")
        self.generator.load_state_dict(state["generator"])
        self.critic.load_state_dict(state["critic"])
        if self.ema is not None:
            self.ema.load_state_dict(state["ema"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_c.load_state_dict(state["opt_c"])
        for scaler, key in ((self.scaler_g, "scaler_g"), (self.scaler_c, "scaler_c")):
            if scaler is not None and state.get(key) is not None:
                scaler.load_state_dict(state[key])
        self.sampler.load_state_dict(state["sampler"])
        torch.set_rng_state(state["torch_rng"])
        if state.get("cuda_rng") is not None and torch.cuda.is_available() and self.device.type == "cuda":
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        if state.get("mps_rng") is not None and self.device.type == "mps":
            torch.mps.set_rng_state(state["mps_rng"])
        self.step = state["step"]
        self.seconds = state["seconds"]
        self.history = ImageHistory(**state["history"])

    def save(self, path: str | Path) -> Path:
        """Write a resumable checkpoint atomically (a crash mid-write leaves the old one intact)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        torch.save(self.state_dict(), tmp)
        os.replace(tmp, path)
        return path

    @classmethod
    def resume(cls, path: str | Path, device: torch.device | str | None = None, **kwargs) -> ImageWGANGP:
        """A trainer restored from a checkpoint written by :meth:`save` (same config, step, optimizers, RNGs)."""
        state = torch.load(path, map_location="cpu", weights_only=False)
        config = ImageTrainConfig(**state["config"])
        trainer = cls(config, device=device, **kwargs)
        trainer.load_state_dict(state)
        return trainer


# ----------------------------------------------------------------------------- release files
def export_pretrained(checkpoint: str | Path, out: str | Path, extra: dict | None = None) -> Path:
    """Write a small file with the generator and critic weights, config, history and ``extra`` info.

    Not called in a notebook (used by the package and its commands).
    """
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    release = {
        "format": "wgan-course-image-pretrained/1",
        "config": state["config"],
        "step": state["step"],
        "seconds": state["seconds"],
        # the weight average when the run kept one: it is the generator worth sampling
        "generator": state["ema"] if state.get("ema") is not None else state["generator"],
        "generator_weights": "ema" if state.get("ema") is not None else "raw",
        "critic": state["critic"],
        "history": state["history"],
        "info": extra or {},
    }
    out = Path(out)
    torch.save(release, out)
    return out


def load_pretrained(path: str | Path = PRETRAINED, device: torch.device | str | None = None):
    """``(generator, critic, info)`` from an exported file; ``info`` holds config, step, history and metrics.

    Used in notebook 08.
    """
    state = image_data.load_shipped(
        path, "train one with `python -m course_utils.image_training train` and export it.")
    if state.get("format") == "wgan-course-image-checkpoint/1":
        state = {**state, "info": {}}
    config = ImageTrainConfig(**state["config"])
    generator, critic = config.models()
    generator.load_state_dict(state["generator"])
    critic.load_state_dict(state["critic"])
    device = torch.device(device) if device is not None else get_device()
    generator.to(device).eval()
    critic.to(device).eval()
    info = {k: state[k] for k in ("config", "step", "seconds", "history", "info")}
    return generator, critic, info


def hardware_summary(device: torch.device) -> str:
    """The hardware line recorded beside a trained generator.

    Not called in a notebook (used by the package and its commands).
    """
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} (CUDA)"
    return f"CPU {platform.processor() or platform.machine()}, {torch.get_num_threads()} torch thread(s), {os.cpu_count()} cores"


def seconds_until_utc(hhmm: str) -> float:
    """Seconds from now until the next ``HH:MM`` UTC (0 if the string names the current minute).

    Not called in a notebook (used by the package and its commands).
    """
    import datetime as dt

    try:
        hour, minute = (int(x) for x in hhmm.split(":"))
    except ValueError:
        raise ValueError(f"--stop-at wants HH:MM in UTC, got {hhmm!r}") from None
    now = dt.datetime.now(dt.UTC)
    stop = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if stop <= now - dt.timedelta(minutes=1):
        stop += dt.timedelta(days=1)
    return max(0.0, (stop - now).total_seconds())


# ----------------------------------------------------------------------------- command line
def main(argv: list[str] | None = None) -> int:
    """The command line. Not called in a notebook (used by the package and its commands)."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.image_training", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("train", help="train (or resume) a WGAN-GP on Fashion-MNIST")
    defaults = ImageTrainConfig()
    tr.add_argument("--out", type=Path, default=Path("runs/fashion"), help="folder for checkpoint.pt, samples/, metrics")
    tr.add_argument("--resume", type=Path, help="continue from this checkpoint (its config is used)")
    tr.add_argument("--steps", type=int, default=defaults.n_steps, help="generator steps to run (more, when resuming)")
    tr.add_argument("--time-budget", type=float, help="stop after this many seconds (a checkpoint is written)")
    tr.add_argument("--stop-at", help="stop at this UTC time, HH:MM (a checkpoint is written); for background runs")
    tr.add_argument("--keep-checkpoints", action="store_true", help="also keep checkpoints/step_NNNNNN.pt")
    tr.add_argument("--batch-size", type=int, default=defaults.batch_size)
    tr.add_argument("--n-critic", type=int, default=defaults.n_critic)
    tr.add_argument("--lambda-gp", type=float, default=defaults.lambda_gp)
    tr.add_argument("--lr", type=float, default=defaults.lr)
    tr.add_argument("--betas", type=float, nargs=2, default=defaults.betas)
    tr.add_argument("--latent-dim", type=int, default=defaults.latent_dim)
    tr.add_argument("--g-width", type=int, default=defaults.g_width)
    tr.add_argument("--c-width", type=int, default=defaults.c_width)
    tr.add_argument("--g-upsample", choices=["transposed", "nearest"], default=defaults.g_upsample)
    tr.add_argument("--no-g-batchnorm", action="store_true", help="generator without BatchNorm")
    tr.add_argument("--ema-decay", type=float, default=defaults.ema_decay, help="0 turns the weight average off")
    tr.add_argument("--lr-decay", type=int, nargs=2, metavar=("FIRST", "LAST"),
                    help="fall linearly from --lr at step FIRST to 0 at step LAST (also when resuming)")
    tr.add_argument("--g-top-k", type=float, default=None, metavar="F", help="generator steps learn from the "
                    f"best-scored fraction F of each batch (default {defaults.g_top_k}; also when resuming)")
    tr.add_argument("--critic-norm", choices=["none", "layernorm"], default=defaults.critic_norm)
    tr.add_argument("--amp", choices=["auto", "off", "bf16", "fp16"], default=defaults.amp)
    tr.add_argument("--data", choices=["subset", "full"], default=defaults.data)
    tr.add_argument("--seed", type=int, default=defaults.seed)
    tr.add_argument("--device", default=None, help="cpu, cuda, mps (default: the best available)")
    tr.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    tr.add_argument("--checkpoint-every", type=int, default=defaults.checkpoint_every)
    tr.add_argument("--sample-every", type=int, default=defaults.sample_every)
    tr.add_argument("--eval-every", type=int, default=defaults.eval_every)
    ex = sub.add_parser("export", help="write generator + critic weights (no optimizer states) to a small file")
    ex.add_argument("checkpoint", type=Path)
    ex.add_argument("out", type=Path)
    ex.add_argument("--info", type=Path, help="a JSON file whose content is stored as the export's 'info'")
    args = parser.parse_args(argv)

    if args.command == "export":
        extra = json.loads(args.info.read_text()) if args.info else None
        print(export_pretrained(args.checkpoint, args.out, extra))
        return 0

    if args.threads:
        torch.set_num_threads(args.threads)
    device = get_device(args.device)
    if args.resume:
        trainer = ImageWGANGP.resume(args.resume, device=device, out_dir=args.out)
        print(f"resumed from {args.resume} at step {trainer.step}")
    else:
        config = ImageTrainConfig(
            n_steps=args.steps, batch_size=args.batch_size, n_critic=args.n_critic, lambda_gp=args.lambda_gp,
            lr=args.lr, betas=tuple(args.betas), latent_dim=args.latent_dim, g_width=args.g_width,
            c_width=args.c_width, g_upsample=args.g_upsample, g_batchnorm=not args.no_g_batchnorm,
            ema_decay=args.ema_decay, lr_decay=args.lr_decay, critic_norm=args.critic_norm,
            g_top_k=defaults.g_top_k if args.g_top_k is None else args.g_top_k, amp=args.amp, data=args.data, seed=args.seed,
            checkpoint_every=args.checkpoint_every, sample_every=args.sample_every, eval_every=args.eval_every,
        )
        trainer = ImageWGANGP(config, device=device, out_dir=args.out)
    print(f"device {device} ({hardware_summary(device)}), precision {trainer.mode}, data {trainer.config.data}")
    budget = args.time_budget
    if args.stop_at:
        budget = min(budget or float("inf"), seconds_until_utc(args.stop_at))
    if args.keep_checkpoints:
        trainer.config.keep_checkpoints = True
    if args.resume and args.lr_decay:
        trainer.config.lr_decay = tuple(args.lr_decay)
        print(f"learning rate: {trainer.config.lr:g} until step {args.lr_decay[0]}, then linearly to 0 at {args.lr_decay[1]}")
    if args.resume and args.g_top_k is not None:
        trainer.config = dataclasses.replace(trainer.config, g_top_k=args.g_top_k)
    if trainer.config.g_top_k < 1.0:
        print(f"generator steps learn from the best-scored {trainer.config.g_top_k:.0%} of each batch")
    trainer.train(args.steps, time_budget_s=budget)
    path = trainer.save(args.out / "checkpoint.pt")
    summary = {"step": trainer.step, "seconds": round(trainer.seconds, 1), "hardware": hardware_summary(device),
               "precision": trainer.mode, "heldout_w_last": trainer.history.heldout_w[-1:]}
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"saved {path}: {json.dumps(summary)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

