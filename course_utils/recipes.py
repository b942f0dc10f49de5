"""Named training recipes for the 2-D toy problems: model sizes plus a :class:`TrainConfig`.

Notebook 7 chose these for *quality per CPU second* (the measurements are in that notebook
and in ``recipe_sweep.csv`` beside this module, see :func:`load_sweep`); notebook 9 and the benchmark reuse them, so a comparison
between regularisers changes one thing at a time.

Use::

    from course_utils.recipes import get_recipe, train_recipe
    run = train_recipe(get_recipe("gp-fast"), "8gaussians", time_budget_s=60)
    run.generator, run.critic, run.history, run.trace[-1]   # trace: modes / hq over time

A recipe's learning rate decays linearly to ``min_lr_factor`` of its value over the last
``decay_fraction`` of the run, measured in steps or, with a time budget, in seconds,
whichever is further along. Without that decay the samples keep jittering around the modes
with the step size of Adam, and the share of high-quality samples stays below half.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch
from torch import nn

from . import toy_data
from .metrics import ModeStats, exact_w1, mode_coverage
from .models import MLPCritic, MLPGenerator
from .training import History, TrainConfig, train_wgan


@dataclass(frozen=True)
class ToyRecipe:
    """Everything needed to train a toy WGAN: sizes, optimiser settings and schedule."""

    name: str
    method: str = "gp"
    generator_width: int = 64
    generator_depth: int = 3
    critic_width: int = 64
    critic_depth: int = 3
    latent_dim: int = 2
    n_critic: int = 2
    batch_size: int = 256
    lambda_gp: float = 0.1
    clip_value: float = 0.01
    lr: float = 2e-3
    betas: tuple[float, float] = (0.5, 0.9)
    n_steps: int = 2400
    decay_fraction: float = 0.3
    min_lr_factor: float = 0.05
    log_every: int = 25
    description: str = ""

    def config(self, **overrides) -> TrainConfig:
        """The :class:`TrainConfig` of this recipe (``overrides`` replace fields, e.g. ``n_steps``)."""
        values = dict(method=self.method, n_steps=self.n_steps, n_critic=self.n_critic, batch_size=self.batch_size,
                      lambda_gp=self.lambda_gp, clip_value=self.clip_value, lr=self.lr,
                      betas=self.betas if self.method != "clip" else None, log_every=self.log_every)
        values.update(overrides)
        return TrainConfig(**values)

    def make_models(self, device: torch.device | str = "cpu") -> tuple[MLPGenerator, MLPCritic]:
        """A fresh generator and critic of this recipe's sizes, on ``device``."""
        generator = MLPGenerator(latent_dim=self.latent_dim, width=self.generator_width, depth=self.generator_depth)
        critic = MLPCritic(width=self.critic_width, depth=self.critic_depth)
        return generator.to(device), critic.to(device)

    def with_(self, **changes) -> ToyRecipe:
        """A copy with some fields changed (``recipe.with_(lambda_gp=10)``)."""
        return replace(self, **changes)


RECIPES: dict[str, ToyRecipe] = {}


def _register(recipe: ToyRecipe) -> ToyRecipe:
    RECIPES[recipe.name] = recipe
    return recipe


#: The course's choice for WGAN-GP on the toy data (see notebook 7).
GP_FAST = _register(ToyRecipe(
    name="gp-fast",
    description="WGAN-GP tuned for quality per CPU second: width 64, Adam lr 2e-3 for both networks, "
                "betas (0.5, 0.9), lambda 0.1, batch 256, 2 critic steps per generator step, "
                "linear learning-rate decay over the last 30% of the run.",
))

#: The settings of the paper's official toy code (width 512, lambda 0.1, Adam 1e-4, betas (0.5, 0.9)).
GP_OFFICIAL = _register(ToyRecipe(
    name="gp-official",
    generator_width=512, critic_width=512, n_critic=5, batch_size=256, lambda_gp=0.1, lr=1e-4,
    n_steps=100_000, decay_fraction=0.0,
    description="The official WGAN-GP toy settings: width 512, lambda 0.1, Adam lr 1e-4, betas (0.5, 0.9), "
                "5 critic steps, batch 256, no decay.",
))

#: Weight clipping with the WGAN paper's settings on the ``gp-fast`` networks (untuned; see ``CLIP_TUNED``).
CLIP_FAST = _register(ToyRecipe(
    name="clip-fast",
    method="clip", clip_value=0.01, n_critic=5, lr=5e-5, decay_fraction=0.0,
    description="WGAN with weight clipping and the WGAN paper's settings (c = 0.01, RMSProp lr 5e-5, "
                "5 critic steps, batch 256) on the gp-fast networks.",
))


#: Weight clipping tuned with the same effort as ``gp-fast`` in the race of notebook 7: the best of the same
#: six-run grid (learning rate 1e-4 / 5e-4 / 2e-3, 2 or 5 critic steps; see :func:`race_tuning_table`).
CLIP_TUNED = _register(ToyRecipe(
    name="clip-tuned",
    method="clip", clip_value=0.01, n_critic=2, lr=5e-4,
    description="WGAN with weight clipping (c = 0.01, RMSProp as in the WGAN paper), tuned on the same grid as "
                "gp-fast: lr 5e-4, 2 critic steps per generator step, batch 256, width 64, "
                "linear learning-rate decay over the last 30% of the run.",
))


def get_recipe(name: str) -> ToyRecipe:
    """Look up a recipe by name: one of :data:`RECIPES`. Not called in a notebook."""
    if name not in RECIPES:
        raise ValueError(f"Unknown recipe {name!r}; choose one of {sorted(RECIPES)}.")
    return RECIPES[name]


@dataclass
class TracePoint:
    """Quality of the generator at one moment of a run."""

    step: int
    seconds: float
    modes_captured: int | None = None
    n_modes: int | None = None
    hq_fraction: float | None = None
    w1: float | None = None


@dataclass
class RecipeRun:
    """The result of :func:`train_recipe`."""

    recipe: ToyRecipe
    dataset: str
    generator: MLPGenerator
    critic: MLPCritic
    history: History
    trace: list[TracePoint] = field(default_factory=list)
    seconds: float = 0.0
    optimizers: tuple[torch.optim.Optimizer, torch.optim.Optimizer] | None = None  # (generator, critic)

    @property
    def steps(self) -> int:
        return self.history.step[-1] + 1 if self.history.step else 0

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds if self.seconds > 0 else float("nan")

    def final_modes(self, n: int = 5000) -> ModeStats:
        """Mode coverage of ``n`` fresh samples (only for the Gaussian mixtures)."""
        ds = toy_data.get_dataset(self.dataset)
        if ds.centers is None:
            raise ValueError(f"{self.dataset} has no modes; use final_w1 instead.")
        return mode_coverage(self.generator.sample(n).cpu(), ds.centers, ds.std)

    def final_w1(self, n: int = 1000) -> float:
        """Exact empirical W1 between ``n`` generated and ``n`` real samples."""
        ds = toy_data.get_dataset(self.dataset)
        return exact_w1(self.generator.sample(n).cpu(), ds.sample(n))


def evaluate(generator: nn.Module, dataset: str, n: int = 2000, w1_points: int = 0) -> dict:
    """Modes and high-quality fraction (mixtures) and, if ``w1_points``, the exact W1 to real data.
    Not called in a notebook.
    """
    ds = toy_data.get_dataset(dataset)
    with torch.no_grad():
        fake = generator.sample(max(n, w1_points)).cpu()
    out: dict = {}
    if ds.centers is not None:
        stats = mode_coverage(fake[:n], ds.centers, ds.std)
        out.update(modes_captured=stats.modes_captured, n_modes=stats.n_modes, hq_fraction=stats.hq_fraction)
    if w1_points:
        out["w1"] = exact_w1(fake[:w1_points], ds.sample(w1_points))
    return out


def train_recipe(
    recipe: ToyRecipe | str,
    dataset: str,
    *,
    device: torch.device | str = "cpu",
    n_steps: int | None = None,
    time_budget_s: float | None = None,
    eval_every: int = 100,
    eval_samples: int = 2000,
    w1_points: int = 0,
    seed: int | None = None,
    callback: Callable[[int, History], None] | None = None,
    callback_every: int = 0,
    progress: bool = False,
    **loss_functions: Callable,
) -> RecipeRun:
    """Train ``recipe`` on the toy ``dataset`` for ``n_steps`` steps or ``time_budget_s`` seconds.

    With a time budget the run stops at the budget (``n_steps`` then only caps it) and the
    learning-rate decay follows the clock. Every ``eval_every`` steps the generator is evaluated
    (modes and high-quality fraction on the mixtures, exact W1 on ``w1_points`` points if given)
    into ``run.trace``; that evaluation takes a few milliseconds and counts against the budget.
    ``loss_functions`` (``gradient_penalty=...``, ``critic_loss=...``, ...) go to
    :func:`course_utils.training.train_wgan`.

    Used in notebook 07.
    """
    recipe = get_recipe(recipe) if isinstance(recipe, str) else recipe
    if seed is not None:
        torch.manual_seed(seed)
    if n_steps is None:
        n_steps = recipe.n_steps if time_budget_s is None else 10**9
    config = recipe.config(n_steps=n_steps, time_budget_s=time_budget_s)
    generator, critic = recipe.make_models(device)
    opt_g, opt_c = config.make_optimizer(generator.parameters()), config.make_optimizer(critic.parameters())
    history = History()
    run = RecipeRun(recipe, dataset, generator, critic, history, optimizers=(opt_g, opt_c))
    t0 = time.perf_counter()

    def record(step: int) -> None:
        point = TracePoint(step=step, seconds=time.perf_counter() - t0)
        for key, value in evaluate(generator, dataset, eval_samples, w1_points).items():
            setattr(point, key, value)
        run.trace.append(point)

    def hook(step: int, hist: History) -> None:  # step = generator steps done so far
        if recipe.decay_fraction > 0:
            progress_ = step / n_steps
            if time_budget_s:
                progress_ = max(progress_, (time.perf_counter() - t0) / time_budget_s)
            start = 1.0 - recipe.decay_fraction
            factor = 1.0 if progress_ < start else max(recipe.min_lr_factor, (1.0 - progress_) / recipe.decay_fraction)
            for opt in (opt_g, opt_c):
                for group in opt.param_groups:
                    group["lr"] = recipe.lr * factor
        if eval_every and step % eval_every == 0:
            record(step)
        if callback is not None and callback_every and step % callback_every == 0:
            callback(step, hist)

    record(0)
    train_wgan(generator, critic, toy_data.get_sampler(dataset, device), config,
               optimizers=(opt_g, opt_c), history=history, callback=hook, callback_every=1,
               progress=progress, desc=f"{recipe.name} on {dataset}", **loss_functions)
    run.seconds = history.seconds[-1] if history.seconds else time.perf_counter() - t0
    if not run.trace or run.trace[-1].step != run.steps:
        record(run.steps)
    return run


SWEEP_FILE = Path(__file__).with_name("recipe_sweep.csv")
_SWEEP_COLUMNS = [("run", 30, "s"), ("width", 5, "d"), ("lr", 7, "s"), ("betas", 10, "s"), ("lambda_gp", 6, "g"),
                  ("batch", 5, "d"), ("n_critic", 6, "d"), ("decay", 5, "s"), ("steps", 6, "d"), ("cpu_s", 6, ".1f"),
                  ("steps_per_s", 7, ".1f"), ("modes", 6, "s"), ("hq", 6, "s")]


def load_sweep(path: Path | str = SWEEP_FILE) -> list[dict]:
    """The recorded sweep behind ``gp-fast`` (``recipe_sweep.csv``), one dict per run, numbers parsed.

    Recorded data, printed by notebook 7 (section 5); the notebook does not re-run it.
    Not called in a notebook.
    Used in notebook 07.
    """
    with open(path, newline="") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    ints, floats = ("width", "batch", "n_critic", "steps", "modes_captured", "n_modes"), \
        ("lr", "beta1", "beta2", "lambda_gp", "decay", "cpu_s", "steps_per_s", "hq_fraction")
    for row in rows:
        row.update({k: int(row[k]) for k in ints})
        row.update({k: float(row[k]) for k in floats})
    return rows


RACE_TUNING_FILE = Path(__file__).with_name("race_tuning.csv")


def race_tuning_table(path: Path | str = RACE_TUNING_FILE) -> str:
    """The grid that tuned both methods of notebook 7's race (``race_tuning.csv``) as a text table.

    Used in notebook 07.
    """
    with open(path, newline="") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    lines = [f"{'method':9s} {'optimiser':16s} {'lr':>7s} {'n_critic':>8s} {'steps':>6s} {'CPU s':>6s} "
             f"{'modes':>6s} {'in 3sd':>7s} {'W1':>6s}"]
    best = {m: max((r for r in rows if r["method"] == m), key=lambda r: float(r["hq_fraction"])) for m in
            {r["method"] for r in rows}}
    for r in rows:
        mark = "  <- chosen" if r is best[r["method"]] else ""
        lines.append(f"{r['method']:9s} {r['optimizer']:16s} {float(r['lr']):7.0e} {r['n_critic']:>8s} {r['steps']:>6s} "
                     f"{float(r['cpu_s']):6.1f} {r['modes_captured'] + '/' + r['n_modes']:>6s} "
                     f"{100 * float(r['hq_fraction']):6.1f}% {float(r['w1']):6.3f}{mark}")
    return "\n".join(lines)


def sweep_table(rows: list[dict] | None = None) -> str:
    """The sweep as a fixed-width text table. Used in notebook 07."""
    rows = load_sweep() if rows is None else rows
    header = " ".join(f"{name:>{w}}" if i else f"{name:<{w}}" for i, (name, w, _) in enumerate(_SWEEP_COLUMNS))
    lines = [header, "-" * len(header)]
    for r in rows:
        cells = dict(r, lr=f"{r['lr']:.0e}", betas=f"({r['beta1']:g}, {r['beta2']:g})",
                     decay=f"{100 * r['decay']:.0f}%" if r["decay"] else "-",
                     modes=f"{r['modes_captured']}/{r['n_modes']}", hq=f"{100 * r['hq_fraction']:.0f}%")
        lines.append(" ".join(f"{cells[n]:<{w}{fmt}}" if i == 0 else f"{cells[n]:>{w}{fmt}}"
                              for i, (n, w, fmt) in enumerate(_SWEEP_COLUMNS)))
    lines.append("Indented runs change one thing from the unindented run above them; hq: share within 3 sigma of a mode.")
    return "\n".join(lines)


__all__ = ["ToyRecipe", "RECIPES", "GP_FAST", "GP_OFFICIAL", "CLIP_FAST", "CLIP_TUNED", "get_recipe", "train_recipe",
           "RecipeRun", "TracePoint", "evaluate", "SWEEP_FILE", "load_sweep", "sweep_table",
           "RACE_TUNING_FILE", "race_tuning_table"]
