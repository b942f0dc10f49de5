"""Torch-only stand-ins for the course functions that notebooks tell learners to import.

The sandbox cannot import ``course_utils`` (that is where the references live), yet the
notebooks ask learners to use some of its functions inside their exercises: notebook 07's
``gp_critic_step`` calls ``gradient_penalty`` after ``from course_utils.losses import
gradient_penalty``. :func:`install` puts small modules ``course_utils``,
``course_utils.losses`` and ``course_utils.steps`` into ``sys.modules`` with the functions
below, which mirror the course's exactly (``tests/grading/test_grading_standins.py`` compares
them on random inputs); every other ``course_utils`` name a notebook imports
(``checks``, ``models.MLPCritic``, ``setup``, ...) becomes a placeholder that imports fine
and raises :class:`NotAvailable` when used.

A stand-in never earns the points of the exercise it stands for. Each carries the attribute
``__course_standin__`` (its course name) and the contracts it would give away; the worker
reports an exercise whose function *is* a stand-in (also behind ``__wrapped__``,
``__func__`` or ``functools.partial``) without probing it, and one whose function calls a
stand-in of its own contract while its probes run (a wrapper, a lambda, a callable object).
Using a stand-in inside *another* exercise is allowed (``gradient_penalty`` inside
``gp_critic_step``, ``input_gradient_norms`` inside ``gradient_penalty``), as the notebooks teach.
Every function here that computes something is a marked stand-in, so nothing in this module
hands out a reference unmarked. This is a guard against honest shortcuts, not a wall: code
running in the same process can reset the record (and the course's source is public anyway);
the verdict is still the trusted judge's comparison with the real reference.

Used by ``course_tools.grading.worker`` (inside the sandbox). Imports torch only.
"""

from __future__ import annotations

import sys
import types

import torch
from torch import nn

__all__ = ["MARK", "NotAvailable", "Placeholder", "begin", "finish", "identify", "install"]

#: The attribute that marks a stand-in (or a placeholder): its course name, e.g. ``course_utils.losses.critic_loss``.
MARK = "__course_standin__"
_GIVES = "__course_standin_gives__"
_STATE: dict = {"active": None, "hits": []}


class NotAvailable(RuntimeError):
    """A course function the sandbox does not provide was used."""


def _used(name: str) -> None:
    """Record a stand-in's call when it gives away the contract being probed."""
    active = _STATE["active"]
    if active is not None and active in _CONTRACTS.get(name, ()) and name not in _STATE["hits"]:
        _STATE["hits"].append(name)


def begin(contract: str) -> None:
    """Start watching: calls to a stand-in that gives ``contract`` away are recorded from now on."""
    _STATE["active"], _STATE["hits"] = contract, []


def finish() -> list[str]:
    """Stop watching; the course names of the stand-ins called since :func:`begin` (that gave it away)."""
    hits = list(_STATE["hits"])
    _STATE["active"], _STATE["hits"] = None, []
    return hits


# ----------------------------------------------------------------------------- course_utils.losses
def interpolate(real: torch.Tensor, fake: torch.Tensor, alpha: torch.Tensor | None = None) -> torch.Tensor:
    """``alpha_i * real_i + (1 - alpha_i) * fake_i`` with one ``alpha ~ U(0, 1)`` per sample."""
    _used("course_utils.losses.interpolate")
    if real.shape != fake.shape:
        raise ValueError(
            f"real and fake must have the same shape, got {tuple(real.shape)} and {tuple(fake.shape)}."
        )
    if alpha is None:
        alpha = torch.rand(real.shape[0], device=real.device, dtype=real.dtype)
    alpha = alpha.reshape(-1, *([1] * (real.dim() - 1)))
    return alpha * real + (1 - alpha) * fake


def input_gradients(critic: nn.Module, x: torch.Tensor, create_graph: bool = False) -> torch.Tensor:
    """``d critic(x) / d x`` per sample, flattened to ``(B, D)`` (``x`` detached first)."""
    _used("course_utils.losses.input_gradients")
    x = x.detach().requires_grad_(True)
    scores = critic(x)
    (grads,) = torch.autograd.grad(scores.sum(), x, create_graph=create_graph)
    return grads.flatten(start_dim=1)


def input_gradient_norms(critic: nn.Module, x: torch.Tensor, create_graph: bool = False) -> torch.Tensor:
    """Per-sample L2 norms of ``d critic(x) / d x``, shape ``(B,)``."""
    _used("course_utils.losses.input_gradient_norms")
    return input_gradients(critic, x, create_graph=create_graph).norm(2, dim=1)


def gradient_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """``mean_i (||grad critic(xhat_i)||_2 - 1) ** 2`` on random interpolates, not times lambda."""
    _used("course_utils.losses.gradient_penalty")
    xhat = interpolate(real.detach(), fake.detach())
    norms = input_gradient_norms(critic, xhat, create_graph=True)
    return ((norms - 1) ** 2).mean()


def critic_loss(
    real_scores: torch.Tensor, fake_scores: torch.Tensor, penalty: torch.Tensor | float, lambda_gp: float
) -> torch.Tensor:
    """``mean(fake) - mean(real) + lambda_gp * penalty``."""
    _used("course_utils.losses.critic_loss")
    return fake_scores.mean() - real_scores.mean() + lambda_gp * penalty


def generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """``-mean(fake_scores)``."""
    _used("course_utils.losses.generator_loss")
    return -fake_scores.mean()


def clip_weights_(critic: nn.Module, c: float) -> None:
    """Clamp every parameter of ``critic`` to ``[-c, c]`` in place."""
    _used("course_utils.losses.clip_weights_")
    if c <= 0:
        raise ValueError(f"The clipping bound c must be positive, got {c}.")
    with torch.no_grad():
        for p in critic.parameters():
            p.clamp_(-c, c)


# ----------------------------------------------------------------------------- course_utils.steps
def gp_critic_step(
    critic: nn.Module, optimizer: torch.optim.Optimizer, real: torch.Tensor, fake: torch.Tensor, lambda_gp: float
) -> float:
    """One WGAN-GP critic update; returns the W1 estimate before the step (penalty not included)."""
    _used("course_utils.steps.gp_critic_step")
    critic.zero_grad(set_to_none=True)
    fake = fake.detach()
    estimate = critic(real).mean() - critic(fake).mean()
    loss = -estimate + lambda_gp * gradient_penalty(critic, real, fake)
    loss.backward()
    optimizer.step()
    return float(estimate.detach())


def generator_step(generator: nn.Module, critic: nn.Module, optimizer: torch.optim.Optimizer, z: torch.Tensor) -> float:
    """One generator update on ``-mean(critic(generator(z)))`` with the critic frozen; returns the loss."""
    _used("course_utils.steps.generator_step")
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


#: course name -> the exercise contracts its stand-in would give away (calling it while one of them
#: is probed costs the exercise its points). ``gp_critic_step`` with ``lambda_gp = 0`` is the critic
#: step of weight clipping before the clamp, so it gives that one away too. ``interpolate`` and the
#: gradient helpers are the parts the notebooks hand out: using them is not doing the exercise.
_CONTRACTS: dict[str, tuple[str, ...]] = {
    "course_utils.losses.interpolate": (),
    "course_utils.losses.input_gradients": ("per_sample_grad_norms",),
    "course_utils.losses.input_gradient_norms": ("per_sample_grad_norms",),
    "course_utils.losses.gradient_penalty": ("gradient_penalty",),
    "course_utils.losses.critic_loss": ("critic_loss",),
    "course_utils.losses.generator_loss": ("generator_loss",),
    "course_utils.losses.clip_weights_": ("clip_weights_",),
    "course_utils.steps.gp_critic_step": ("gp_critic_step", "clip_critic_step"),
    "course_utils.steps.generator_step": ("generator_step",),
}
#: module -> its stand-ins, by name.
STANDINS: dict[str, dict[str, object]] = {
    "course_utils.losses": {"interpolate": interpolate, "input_gradients": input_gradients,
                            "input_gradient_norms": input_gradient_norms, "gradient_penalty": gradient_penalty,
                            "critic_loss": critic_loss, "generator_loss": generator_loss,
                            "clip_weights_": clip_weights_},
    "course_utils.steps": {"gp_critic_step": gp_critic_step, "generator_step": generator_step},
}
for _module, _functions in STANDINS.items():
    for _name, _fn in _functions.items():
        setattr(_fn, MARK, f"{_module}.{_name}")
        setattr(_fn, _GIVES, _CONTRACTS[f"{_module}.{_name}"])


class Placeholder:
    """A course name the sandbox does not provide: importable, unusable."""

    def __init__(self, name: str) -> None:
        object.__setattr__(self, MARK, name)

    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return Placeholder(f"{getattr(self, MARK)}.{attr}")

    def __call__(self, *args, **kwargs):
        raise NotAvailable(f"{getattr(self, MARK)} is not available in the grader's sandbox; only "
                           "course_utils.losses and course_utils.steps provide a few functions there")

    def __repr__(self) -> str:
        return f"<{getattr(self, MARK)}: not available in the grader>"


class _CourseModule(types.ModuleType):
    """A ``course_utils`` module in the sandbox: its stand-ins, and a placeholder for any other name."""

    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return Placeholder(f"{self.__name__}.{attr}")


class _Finder:
    """Makes ``import course_utils.anything`` give a placeholder module."""

    @staticmethod
    def find_spec(fullname: str, path=None, target=None):
        if not fullname.startswith("course_utils."):
            return None
        from importlib.machinery import ModuleSpec

        return ModuleSpec(fullname, _Loader(), is_package=True)


class _Loader:
    @staticmethod
    def create_module(spec):
        module = _CourseModule(spec.name, "Placeholder: not available in the grader's sandbox.")
        module.__path__ = []
        return module

    @staticmethod
    def exec_module(module) -> None:
        parent, _, child = module.__name__.rpartition(".")
        setattr(sys.modules[parent], child, module)


def install() -> None:
    """Put ``course_utils`` (stand-ins and placeholders) into ``sys.modules``, replacing any real one."""
    for name in [n for n in sys.modules if n == "course_utils" or n.startswith("course_utils.")]:
        del sys.modules[name]
    package = _CourseModule("course_utils", "The grader's stand-in for the course package (see standins.py).")
    package.__path__ = []
    sys.modules["course_utils"] = package
    for name, functions in STANDINS.items():
        module = _CourseModule(name, f"The grader's stand-ins for {name}.")
        module.__path__ = []
        for attr, fn in functions.items():
            setattr(module, attr, fn)
        module.__all__ = list(functions)
        sys.modules[name] = module
        setattr(package, name.rpartition(".")[2], module)
    if not any(isinstance(f, _Finder) or f is _Finder for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder)


def identify(fn, depth: int = 8) -> str | None:
    """The course name of ``fn`` when it is a stand-in or a placeholder, also behind ``staticmethod``/
    ``classmethod`` (``__func__``), ``functools.wraps`` (``__wrapped__``), ``functools.partial``
    (``func``) or a bound method (``__func__``); otherwise None."""
    seen = 0
    todo = [fn]
    while todo and seen < 4 * depth:
        obj = todo.pop()
        seen += 1
        try:
            mark = obj.__dict__.get(MARK) if isinstance(getattr(obj, "__dict__", None), dict) else None
        except Exception:  # noqa: BLE001 - a learner's object may raise on any attribute
            mark = None
        if isinstance(mark, str):
            return mark
        for attr in ("__wrapped__", "__func__", "func"):
            try:
                inner = getattr(obj, attr, None)
            except Exception:  # noqa: BLE001
                inner = None
            if inner is not None and inner is not obj:
                todo.append(inner)
    return None
