"""Self-checks of the penalties of notebook 09: one_sided_penalty and r1_penalty.

Both use linear probe critics, whose input gradient is the same known vector ``w`` at every
point, so the right value does not depend on the points the learner draws: ``max(0, s - 1)^2``
for the one-sided penalty and ``s^2`` for R1, with ``s = ||w||``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from .core import CheckResult, Finding, as_number, call_learner, close, fmt, run_check
from .penalties import check_differentiable, diagnose_points
from .probes import LinearProbe, ProbeCritic, TanhProbe, make_pair

__all__ = ["check_one_sided_penalty", "check_r1_penalty"]

_DIRECTION = torch.tensor([2.0, -1.0, 0.5, 1.5, -0.25])


def _linear(slope: float, dim: int = 5) -> LinearProbe:
    direction = _DIRECTION if dim == 5 else torch.linspace(-1.0, 1.0, dim) + 0.5
    return LinearProbe(direction / direction.norm() * slope)


def _explain(value: float, correct: float, candidates: list[tuple[str, float, str]], setting: str) -> None:
    """Raise the finding whose value matches (a whole multiple of the correct value: lambda inside)."""
    if close(value, correct):
        return
    for bug_id, target, formula in candidates:
        if close(value, target):
            raise Finding(bug_id, f"{setting}: the penalty should be {fmt(correct)}, but yours is {fmt(value)} = {formula}.")
    if correct > 1e-3 and value / correct >= 1.5 and abs(value / correct - round(value / correct)) < 1e-3:
        raise Finding(
            "lambda-inside-penalty",
            f"{setting}: the penalty should be {fmt(correct)}, but yours is {value / correct:.4g} times that "
            "(the weight already applied?).",
        )
    raise Finding("wrong-value", f"{setting}: the penalty should be {fmt(correct)}, but yours is {fmt(value)}.")


# ---------------------------------------------------------------------------- one_sided_penalty


def _one_sided_reference(critic: ProbeCritic, points: torch.Tensor) -> torch.Tensor:
    g = critic.input_gradients(points, create_graph=True)
    return (torch.relu(g.norm(dim=1) - 1) ** 2).mean()


def _one_sided_body(fn: Callable) -> str:
    name = "one_sided_penalty"
    gen = torch.Generator().manual_seed(21)
    batch = 7
    real, fake = make_pair(gen, batch, (5,))
    for slope in (3.0, 0.5):
        critic = _linear(slope)
        result = call_learner(name, fn, critic, real.clone(), fake.clone())
        value = as_number(name, result)
        w = critic.weight.detach().double().flatten()
        setting = f"With a linear critic whose gradient has norm {slope:g} everywhere (batch {batch}, 5 features)"
        correct = max(0.0, slope - 1) ** 2
        _explain(
            value,
            correct,
            [
                ("two-sided-penalty", (slope - 1) ** 2, "(||g|| - 1)^2, which also punishes slopes below 1"),
                ("one-sided-wrong-side", max(0.0, 1 - slope) ** 2, "max(0, 1 - ||g||)^2, the wrong side"),
                ("absolute-deviation", max(0.0, slope - 1), "max(0, ||g|| - 1), not squared"),
                ("per-element-norm", float((torch.relu(w.abs() - 1) ** 2).mean()), "a penalty on single gradient entries"),
                ("squared-norm", max(0.0, slope**2 - 1) ** 2, "max(0, ||g||^2 - 1)^2"),
                ("sum-instead-of-mean", batch * correct, "the sum over the batch"),
                ("negated-penalty", -correct, "minus the penalty"),
            ],
            setting,
        )
        points = critic.points(batch)
        if points is not None:
            diagnose_points((points - fake) / (real - fake), "Linear critic")
        if slope > 1:
            check_differentiable(result, critic, _one_sided_reference(critic, real), "Linear critic")
    # images: the norm must run over every non-batch dimension
    real, fake = make_pair(gen, 4, (1, 28, 28))
    critic = _linear(3.0, 28 * 28)
    value = as_number(name, call_learner(name, fn, critic, real.clone(), fake.clone()))
    w = critic.weight.detach().double().flatten()
    _explain(
        value,
        4.0,
        [("per-element-norm", float((torch.relu(w.abs() - 1) ** 2).mean()), "a penalty on single gradient entries")],
        "With a linear critic of gradient norm 3 on images of shape (4, 1, 28, 28)",
    )
    return "Your one_sided_penalty is mean(max(0, ||grad|| - 1)^2) on interpolates, and differentiable in the critic."


def check_one_sided_penalty(fn: Callable) -> CheckResult:
    """Check ``one_sided_penalty(critic, real, fake)``; name the bug if there is one. Used in notebook 09."""
    return run_check(
        "one_sided_penalty",
        fn,
        _one_sided_body,
        [
            "linear critics of slope 3 and 0.5 give (3 - 1)^2 = 4 and 0",
            "points lie on the segments between real and fake",
            "differentiable in the critic's parameters, with the reference's gradient",
            "images (B, 1, 28, 28): one norm per image",
        ],
    )


# ---------------------------------------------------------------------------- r1_penalty


def _r1_reference(critic: ProbeCritic, points: torch.Tensor) -> torch.Tensor:
    g = critic.input_gradients(points, create_graph=True)
    return g.pow(2).sum(dim=1).mean()


def _r1_at(fn: Callable, critic: ProbeCritic, real: torch.Tensor) -> tuple[Any, float]:
    result = call_learner("r1_penalty", fn, critic, real.clone())
    return result, as_number("r1_penalty", result)


def _r1_points(critic: ProbeCritic, real: torch.Tensor, where: str) -> None:
    batch = real.shape[0]
    points = critic.points(batch)
    flat = real.reshape(batch, -1)
    if points is not None and not torch.allclose(points, flat, atol=1e-6):
        raise Finding(
            "r1-not-at-real",
            f"{where}: the critic was differentiated at points that are not the real samples (largest distance "
            f"{float((points - flat).norm(dim=1).max()):.3g}); R1 takes the gradient at the real data itself.",
        )


def _r1_body(fn: Callable) -> str:
    gen = torch.Generator().manual_seed(31)
    batch = 7
    real, _ = make_pair(gen, batch, (5,))
    critic = _linear(3.0)
    result, value = _r1_at(fn, critic, real)
    setting = f"With a linear critic whose gradient has norm 3 everywhere (batch {batch}, 5 features)"
    w = critic.weight.detach().double().flatten()
    candidates = [
        ("r1-norm-not-squared", 3.0, "mean(||g||), the norm without the square"),
        ("r1-target-one", 4.0, "mean((||g|| - 1)^2), the WGAN-GP target of 1"),
        ("per-element-norm", float((w**2).mean()), "the mean of squared single gradient entries"),
        ("mean-before-gradient", 9.0 / batch**2, "gradients of the averaged scores (B times too small)"),
        ("sum-instead-of-mean", 9.0 * batch, "the sum over the batch"),
        ("negated-penalty", -9.0, "minus the penalty"),
    ]
    if not close(value, 9.0):
        _, half = _r1_at(fn, _linear(0.5), real)
        if close(value / 9.0, half / 0.25) and value / 9.0 >= 1.5:
            raise Finding(
                "lambda-inside-penalty",
                f"{setting}: the penalty should be 9, but yours is {value / 9.0:.4g} times that (gamma / 2 applied?).",
            )
    _explain(value, 9.0, candidates, setting)
    _r1_points(critic, real, "Linear critic")
    check_differentiable(result, critic, _r1_reference(critic, real), "Linear critic")
    # images, with a critic whose gradient changes from point to point
    shape = (1, 28, 28)
    real, _ = make_pair(gen, 5, shape)
    flat = real.reshape(5, -1)
    critic = TanhProbe(28 * 28, 8, gen, x_scale=1.0)
    critic.calibrate(flat)
    result, value = _r1_at(fn, critic, real)
    where = "Tanh critic on images of shape (5, 1, 28, 28)"
    _r1_points(critic, real, where)
    g = critic.input_gradients(flat).double()
    correct = float(g.pow(2).sum(dim=1).mean())
    per_pixel = float(g.reshape(5, 1, -1).norm(dim=1).pow(2).mean())
    _explain(
        value,
        correct,
        [
            ("per-element-norm", float(g.pow(2).mean()), "the mean of squared single gradient entries"),
            ("unflattened-norm", per_pixel, "a norm over dim=1 only (one per pixel)"),
        ],
        where,
    )
    check_differentiable(result, critic, _r1_reference(critic, flat), where)
    return "Your r1_penalty is mean(||grad D(real)||^2) at the real samples, and differentiable in the critic."


def check_r1_penalty(fn: Callable) -> CheckResult:
    """Check ``r1_penalty(critic, real)``; name the bug if there is one. Used in notebook 09."""
    return run_check(
        "r1_penalty",
        fn,
        _r1_body,
        [
            "a linear critic of gradient norm 3 gives 3^2 = 9",
            "the critic is differentiated at the real samples themselves",
            "images (B, 1, 28, 28): one squared norm per image, matching the reference",
            "differentiable in the critic's parameters, with the reference's gradient",
        ],
    )
