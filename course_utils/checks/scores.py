"""Self-checks of the losses on critic scores: critic_loss and generator_loss (notebooks 03 and 05)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F

from .core import CheckResult, Finding, as_number, call_learner, close, fmt, grads_of, require_graph, run_check

__all__ = ["check_critic_loss", "check_generator_loss"]


# ---------------------------------------------------------------------------- critic_loss, generator_loss


def _gan_losses(real: torch.Tensor | None, fake: torch.Tensor) -> list[tuple[float, str]]:
    """Values of common GAN (log / BCE) losses on these scores, treated as logits or as probabilities."""
    fake = fake.double()
    if real is None:  # generator losses
        forms = [
            (F.softplus(-fake).mean(), "BCE-with-logits against label 1 (-log sigmoid(fake))"),
            (-F.softplus(fake).mean(), "log(1 - sigmoid(fake))"),
            (-torch.log(fake).mean(), "-log(fake)"),
            (torch.log(1 - fake).mean(), "log(1 - fake)"),
        ]
    else:
        real = real.double()
        logits = F.softplus(-real).mean() + F.softplus(fake).mean()
        probs = -torch.log(real).mean() - torch.log(1 - fake).mean()
        forms = [
            (logits, "BCE-with-logits (real labelled 1, fake 0)"),
            (logits / 2, "BCE-with-logits (real labelled 1, fake 0), halved"),
            (-logits, "log sigmoid(real) + log(1 - sigmoid(fake))"),
            (probs, "-log(real) - log(1 - fake)"),
            (probs / 2, "-log(real) - log(1 - fake), halved"),
            (-probs, "log(real) + log(1 - fake)"),
        ]
    return [(float(v), text) for v, text in forms if math.isfinite(float(v))]


def _check_score_gradients(
    result: Any, inputs: Sequence[torch.Tensor], expected: Sequence[float], names: Sequence[str], what: str
) -> None:
    """The loss must be a tensor whose gradient w.r.t. each input is the constant in ``expected``."""
    require_graph(result, what)
    if not result.requires_grad:
        raise Finding(
            "result-detached",
            f"{what}: the value is right, but the result carries no graph back to the scores "
            "(.detach() or a NumPy round trip?), so backward() cannot train anything.",
        )
    got = grads_of(result.reshape(()), inputs)
    for g, x, want, label in zip(got, inputs, expected, names, strict=True):
        if not torch.allclose(g.double(), torch.full_like(x, want, dtype=torch.float64), rtol=1e-4, atol=1e-6):
            raise Finding(
                "wrong-gradient",
                f"{what}: the value is right, but its gradient with respect to {label} is "
                f"{[round(v, 4) for v in g.flatten()[:3].tolist()]}..., expected {want:.4g} for every entry "
                "(part of the computation is detached?).",
            )


def _critic_loss_body(fn: Callable) -> str:
    name = "critic_loss"
    probes = [
        # real scores, fake scores, penalty, lambda
        (
            torch.tensor([[1.5], [2.0], [0.7], [1.2], [0.9], [1.5]]),
            torch.tensor([[-0.4], [0.1], [-1.0], [-0.2], [0.3], [-1.2]]),
            0.35,
            10.0,
        ),
        (torch.tensor([0.4, -1.1, 2.3, 0.2, 0.8]), torch.tensor([-0.3, 0.6, -2.0, -0.5, 1.1]), 0.8, 2.5),
    ]
    for real0, fake0, p, lam in probes:
        real = real0.clone().requires_grad_(True)
        fake = fake0.clone().requires_grad_(True)
        penalty = torch.tensor(p, requires_grad=True)
        result = call_learner(name, fn, real, fake, penalty, lam)
        value = as_number(name, result)
        a, b, batch = float(real0.mean()), float(fake0.mean()), len(real0)
        setting = f"With mean(real_scores) = {a:.4g}, mean(fake_scores) = {b:.4g}, penalty = {p:g}, lambda_gp = {lam:g}"
        correct = b - a + lam * p
        if not math.isfinite(value):
            raise Finding("gan-loss", f"{setting}, critic_loss returned {value}: a log of a negative score?")
        candidates: list[tuple[str | None, float, str]] = [
            (None, correct, ""),
            ("penalty-sign", b - a - lam * p, "mean(fake) - mean(real) - lambda * penalty"),
            ("real-fake-swapped", a - b + lam * p, "mean(real) - mean(fake) + lambda * penalty"),
            ("loss-negated", a - b - lam * p, "mean(real) - mean(fake) - lambda * penalty"),
            ("lambda-missing", b - a + p, "mean(fake) - mean(real) + penalty"),
            ("lambda-wrong-term", lam * (b - a) + p, "lambda * (mean(fake) - mean(real)) + penalty"),
            ("lambda-wrong-term", lam * (b - a + p), "lambda * (mean(fake) - mean(real) + penalty)"),
            ("penalty-missing", b - a, "mean(fake) - mean(real)"),
            ("sum-instead-of-mean", batch * (b - a) + lam * p, "sum(fake) - sum(real) + lambda * penalty"),
        ]
        if lam != 10.0:
            candidates.append(("lambda-ignored", b - a + 10.0 * p, "mean(fake) - mean(real) + 10 * penalty"))
        for gan, text in _gan_losses(real0, fake0):
            for term, term_text in (
                (lam * p, "lambda * penalty"),
                (p, "penalty"),
                (0.0, ""),
                (-lam * p, "-lambda * penalty"),
            ):
                candidates.append(("gan-loss", gan + term, f"{text} {'+ ' + term_text if term_text else ''}".strip()))
        for bug_id, target, formula in candidates:
            if close(value, target):
                if bug_id is None:
                    break
                raise Finding(
                    bug_id, f"{setting}, the loss should be {fmt(correct)}, but yours is {fmt(value)} = {formula}."
                )
        else:
            raise Finding("wrong-value", f"{setting}, the loss should be {fmt(correct)}, but yours is {fmt(value)}.")
        _check_score_gradients(
            result,
            [real, fake, penalty],
            [-1 / batch, 1 / batch, lam],
            ["real_scores", "fake_scores", "penalty"],
            setting,
        )
    return "Your critic_loss is mean(fake) - mean(real) + lambda_gp * penalty, and differentiable in all three."


def check_critic_loss(fn: Callable) -> CheckResult:
    """Check ``critic_loss(real_scores, fake_scores, penalty, lambda_gp)``; name the bug if there is one.

    Used in notebooks 03, 05 and 06.
    """
    return run_check(
        "critic_loss",
        fn,
        _critic_loss_body,
        [
            "value equals mean(fake) - mean(real) + lambda_gp * penalty (scores of shape (B, 1) and (B,))",
            "lambda_gp is taken from the argument (10 and 2.5 tried)",
            "gradients: -1/B per real score, +1/B per fake score, lambda_gp for the penalty",
        ],
    )


def _generator_loss_body(fn: Callable) -> str:
    name = "generator_loss"
    for scores0 in (torch.tensor([[0.5], [-1.5], [2.0], [0.3], [-0.1]]), torch.tensor([1.2, -0.7, 0.4, 2.5])):
        scores = scores0.clone().requires_grad_(True)
        result = call_learner(name, fn, scores)
        value = as_number(name, result)
        m, batch = float(scores0.mean()), len(scores0)
        setting = f"With fake_scores of mean {m:.4g} (shape {tuple(scores0.shape)})"
        if not math.isfinite(value):
            raise Finding("gan-loss", f"{setting}, generator_loss returned {value}: a log of a negative score?")
        if not close(value, -m):
            found = [
                ("generator-loss-sign", m, "mean(fake_scores)"),
                ("sum-instead-of-mean", -batch * m, "-sum(fake_scores)"),
            ]
            found += [("gan-loss", v, text) for v, text in _gan_losses(None, scores0)]
            for bug_id, target, formula in found:
                if close(value, target):
                    raise Finding(
                        bug_id, f"{setting}, the loss should be {fmt(-m)}, but yours is {fmt(value)} = {formula}."
                    )
            raise Finding("wrong-value", f"{setting}, the loss should be {fmt(-m)}, but yours is {fmt(value)}.")
        _check_score_gradients(result, [scores], [-1 / batch], ["fake_scores"], setting)
    return "Your generator_loss is -mean(fake_scores), and differentiable in the scores."


def check_generator_loss(fn: Callable) -> CheckResult:
    """Check ``generator_loss(fake_scores)``; name the bug if there is one. Used in notebooks 00, 03, 05 and 06."""
    return run_check(
        "generator_loss",
        fn,
        _generator_loss_body,
        ["value equals -mean(fake_scores) for shapes (B, 1) and (B,)", "gradient is -1/B for every score"],
    )
