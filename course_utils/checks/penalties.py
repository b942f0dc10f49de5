"""Self-checks of the gradient penalties (notebooks 05, 06 and 09)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from .core import (
    KS_C,
    CheckResult,
    Finding,
    as_number,
    call_learner,
    close,
    fmt,
    grads_of,
    require_graph,
    run_check,
    uniform_ks,
)
from .probes import LinearProbe, ProbeCritic, TanhProbe, make_pair

__all__ = ["check_gradient_penalty", "diagnose_points", "check_differentiable"]


# ---------------------------------------------------------------------------- gradient_penalty


def _penalty_candidates(g: torch.Tensor, channels: int | None) -> list[tuple[str | None, float]]:
    """Values of the correct penalty (id None) and of catalogued mistakes, from input gradients ``g`` (B, D)."""
    g = g.double()
    batch = len(g)
    n = g.norm(dim=1)
    correct = float(((n - 1) ** 2).mean())
    per_element = float(((g.abs() - 1) ** 2).mean())
    candidates: list[tuple[str | None, float]] = [(None, correct)]
    if channels is not None:  # images: a norm over part of each sample's dimensions, without flattening first
        per_pixel = g.reshape(batch, channels, -1).norm(dim=1)  # over dim=1 (the channels) only
        per_channel = g.reshape(batch, channels, -1).norm(dim=2)  # over each channel's pixels
        candidates.append(("unflattened-norm", float(((per_pixel - 1) ** 2).mean())))
        candidates.append(("unflattened-norm", float(((per_channel - 1) ** 2).mean())))
    candidates += [
        ("per-element-norm", per_element),
        ("norm-over-whole-batch", float((g.norm() - 1) ** 2)),
        ("norm-over-batch-dim", float(((g.norm(dim=0) - 1) ** 2).mean())),
        ("mean-before-gradient", float(((n / batch - 1) ** 2).mean())),
        ("squared-norm", float(((n**2 - 1) ** 2).mean())),
        ("absolute-deviation", float((n - 1).abs().mean())),
        ("target-zero", float((n**2).mean())),
        ("one-sided-penalty", float((torch.relu(n - 1) ** 2).mean())),
        ("sum-instead-of-mean", float(((n - 1) ** 2).sum())),
        ("negated-penalty", -correct),
    ]
    return candidates


def _diagnose_penalty_value(
    value: float, candidates: list[tuple[str | None, float]], allow_multiple: bool = False
) -> str | None:
    """The id of the mistake that explains ``value`` ("wrong-value" if none), or None if it is right.

    With ``allow_multiple``, a whole multiple of the correct value is reported as
    ``lambda-inside-penalty`` (the caller confirms it on a second probe).
    """
    for bug_id, target in candidates:
        if close(value, target):
            return bug_id
    correct = candidates[0][1]
    if allow_multiple and math.isfinite(value) and correct > 1e-3:
        ratio = value / correct
        if ratio >= 1.5 and abs(ratio - round(ratio)) <= 1e-3 * ratio:
            return "lambda-inside-penalty"
    return "wrong-value"


_PENALTY_EXPLAINED = {
    "per-element-norm": "it matches the mean of (|g_ij| - 1)^2 over single gradient entries",
    "unflattened-norm": "on images it matches a norm over dim=1 (the channel) only, one per pixel",
    "norm-over-whole-batch": "it matches (||all gradients together|| - 1)^2",
    "norm-over-batch-dim": "it matches norms taken over the batch dimension (one per feature)",
    "mean-before-gradient": "it matches gradients that are B times too small (the scores were averaged first)",
    "squared-norm": "it matches (||g||^2 - 1)^2, the squared norm without the root",
    "absolute-deviation": "it matches mean(| ||g|| - 1 |)",
    "target-zero": "it matches mean(||g||^2), a penalty towards 0",
    "one-sided-penalty": "it matches mean(relu(||g|| - 1)^2), which ignores norms below 1",
    "sum-instead-of-mean": "it matches the sum over the batch, not the mean",
    "negated-penalty": "it matches minus the penalty",
    "lambda-inside-penalty": "it is a whole multiple of the correct value (lambda already applied?)",
    "wrong-value": "it matches none of the catalogued mistakes",
}


def _penalty_finding(bug_id: str, value: float, correct: float, setting: str) -> Finding:
    if bug_id == "lambda-inside-penalty":
        reason = f"it is {value / correct:.4g} times the correct value (lambda already applied?)"
    else:
        reason = _PENALTY_EXPLAINED[bug_id]
    return Finding(
        bug_id,
        f"{setting}: the penalty should be {fmt(correct)}, but your function returned {fmt(value)}; {reason}.",
    )


def diagnose_points(a: torch.Tensor, where: str) -> None:
    """Check recovered per-element alphas ``a`` (B, D) of one call; raise a finding on a mistake.
    Not called in a notebook.
    """
    tol = 1e-4
    if torch.allclose(a, torch.ones_like(a), atol=tol):
        raise Finding(
            "gradient-at-real", f"{where}: the critic was evaluated exactly at the real samples, not at interpolates."
        )
    if torch.allclose(a, torch.zeros_like(a), atol=tol):
        raise Finding(
            "gradient-at-fake", f"{where}: the critic was evaluated exactly at the fake samples, not at interpolates."
        )
    spread = float((a.max(dim=1).values - a.min(dim=1).values).max())
    inside = bool(((a >= -tol) & (a <= 1 + tol)).all())
    if spread > tol:
        if inside and uniform_ks(a) <= KS_C / math.sqrt(a.numel()):
            raise Finding(
                "alpha-per-element",
                f"{where}: within one sample, different coordinates mix real and fake in different proportions "
                f"(the recovered alphas of one sample differ by up to {spread:.3g}).",
            )
        raise Finding(
            "interpolate-off-segment",
            f"{where}: the points the critic saw are not of the form alpha * real + (1 - alpha) * fake "
            "(no single alpha per sample reproduces them).",
        )
    if not inside:
        raise Finding(
            "alpha-not-uniform",
            f"{where}: the recovered alphas range from {float(a.min()):.3g} to {float(a.max()):.3g}; they must lie in [0, 1].",
        )


def check_differentiable(
    result: torch.Tensor | float, critic: ProbeCritic, reference: torch.Tensor, where: str
) -> None:
    """The penalty must carry a graph to the critic's parameters, with the reference's gradient.
    Not called in a notebook.
    """
    require_graph(result, where)
    if not result.requires_grad:
        modes = critic.backward_grad_modes
        if modes and not any(modes):
            raise Finding(
                "create-graph-missing",
                f"{where}: the value is right, but it does not depend on the critic's parameters: the input "
                "gradients were computed without create_graph=True, so they are constants.",
            )
        raise Finding(
            "result-detached",
            f"{where}: the value is right, but the returned tensor is cut off from the graph (requires_grad is "
            "False), so the penalty cannot train the critic.",
        )
    params = list(critic.parameters())
    got = grads_of(result.reshape(()), params)
    want = grads_of(reference, params)
    for p_got, p_want in zip(got, want, strict=True):
        if not torch.allclose(p_got.double(), p_want.double(), rtol=1e-3, atol=1e-5):
            raise Finding(
                "wrong-gradient",
                f"{where}: the value is right, but its gradient with respect to the critic's parameters differs "
                "from the reference (part of the computation is detached?).",
            )


def _reference_penalty(critic: ProbeCritic, points: torch.Tensor) -> torch.Tensor:
    g = critic.input_gradients(points, create_graph=True)
    return ((g.norm(dim=1) - 1) ** 2).mean()


_PROBE_DIRECTION = torch.tensor([2.0, -1.0, 0.5, 1.5, -0.25])


def _linear_probe(fn: Callable, norm: float, real: torch.Tensor, fake: torch.Tensor) -> tuple[LinearProbe, Any, float]:
    """Call ``fn`` with a linear critic whose weight has norm ``norm``: the penalty must be (norm - 1)^2."""
    return _linear_probe_with(fn, _PROBE_DIRECTION / _PROBE_DIRECTION.norm() * norm, real, fake)


def _linear_probe_with(
    fn: Callable, weight: torch.Tensor, real: torch.Tensor, fake: torch.Tensor
) -> tuple[LinearProbe, Any, float]:
    """Call ``fn`` with the linear critic ``D(x) = weight . x + b`` (inputs flattened per sample)."""
    critic = LinearProbe(weight)
    result = call_learner("gradient_penalty", fn, critic, real.clone(), fake.clone())
    return critic, result, as_number("gradient_penalty", result)


def _require_weights_untouched(critic: torch.nn.Module, setting: str) -> None:
    """The penalty must not write into the critic's .grad (it would be added to the next update)."""
    if any(p.grad is not None for p in critic.parameters()):
        raise Finding(
            "backward-for-input-gradient",
            f"{setting}: the value is right, but after the call the critic's weights have a .grad: the input "
            "gradient was taken with .backward(), which also fills the weights' .grad. Use torch.autograd.grad.",
        )


def _gp_body(fn: Callable) -> str:
    name = "gradient_penalty"
    gen = torch.Generator().manual_seed(1234)

    # 1. A linear critic with weight norm 3: every gradient is w, so the penalty is (3 - 1)^2 = 4.
    batch, dim = 7, 5
    real, fake = make_pair(gen, batch, (dim,))
    critic, result, value = _linear_probe(fn, 3.0, real, fake)
    setting = f"With a linear critic D(x) = w.x + b whose weight has norm 3 (batch {batch}, {dim} features)"
    if not close(value, 4.0):
        g = critic.weight.detach().expand(batch, -1)
        bug_id = _diagnose_penalty_value(value, _penalty_candidates(g, None), allow_multiple=True)
        if bug_id == "lambda-inside-penalty":  # confirm: the same multiple for a weight of norm 0.5
            value_half = _linear_probe(fn, 0.5, real, fake)[2]
            if not close(value_half, value / 4.0 * 0.25):
                bug_id = "wrong-value"
        raise _penalty_finding(bug_id or "wrong-value", value, 4.0, setting)
    _require_weights_untouched(critic, setting)
    points = critic.points(batch)
    if points is not None:
        diagnose_points((points - fake) / (real - fake), "Linear critic")
    check_differentiable(result, critic, _reference_penalty(critic, real), "Linear critic")

    # 2. A tanh critic on 2-D-like points, several calls: where are the points, and is the value right there?
    batch, dim, calls = 200, 3, 4
    real, fake = make_pair(gen, batch, (dim,))
    critic = TanhProbe(dim, 16, gen, x_scale=1.3)
    critic.calibrate(torch.cat([real, fake, (real + fake) / 2]))
    alphas: list[torch.Tensor] = []
    for call in range(calls):
        critic.reset()
        result = call_learner(name, fn, critic, real.clone(), fake.clone())
        value = as_number(name, result)
        where = f"Tanh critic, batch of {batch} points with {dim} features"
        points = critic.points(batch)
        if points is None:
            continue  # the points cannot be told apart (nested transforms): the other probes still apply
        a = (points - fake) / (real - fake)
        diagnose_points(a, where)
        g = critic.input_gradients(points)
        candidates = _penalty_candidates(g, None)
        bug_id = _diagnose_penalty_value(value, candidates)
        if bug_id is not None:
            raise _penalty_finding(bug_id, value, candidates[0][1], f"{where} (evaluated at the points you chose)")
        if call == 0:
            check_differentiable(result, critic, _reference_penalty(critic, points), where)
        alphas.append(a.mean(dim=1))
    if alphas:
        _diagnose_alpha_statistics(alphas)

    # 3. Images (B, 1, 28, 28), with a fake batch that still carries the generator's graph.
    batch, shape = 6, (1, 28, 28)
    real, fake_data = make_pair(gen, batch, shape)
    generator_scale = torch.ones((), requires_grad=True)
    fake = fake_data * generator_scale
    critic = TanhProbe(int(np.prod(shape)), 8, gen, x_scale=1.0)
    critic.calibrate(torch.cat([real, fake_data, (real + fake_data) / 2]).reshape(3 * batch, -1))
    result = call_learner(name, fn, critic, real.clone(), fake)
    value = as_number(name, result)
    where = f"Tanh critic on images of shape {(batch, *shape)}"
    points = critic.points(batch)
    if points is not None:
        flat_real, flat_fake = real.reshape(batch, -1), fake_data.reshape(batch, -1)
        diagnose_points((points - flat_fake) / (flat_real - flat_fake), where)
        candidates = _penalty_candidates(critic.input_gradients(points), channels=shape[0])
        bug_id = _diagnose_penalty_value(value, candidates)
        if bug_id is not None:
            raise _penalty_finding(bug_id, value, candidates[0][1], f"{where} (evaluated at the points you chose)")
        check_differentiable(result, critic, _reference_penalty(critic, points), where)

    # 4. Three-channel images and a linear critic whose weight has norm 2: the norm runs over C, H and W together.
    batch, shape = 5, (3, 4, 4)
    real, fake = make_pair(gen, batch, shape)
    weight = torch.linspace(-1.0, 2.0, int(np.prod(shape)))  # channels of different norms
    critic, result, value = _linear_probe_with(fn, weight / weight.norm() * 2.0, real, fake)
    setting = f"With a linear critic of weight norm 2 on three-channel images of shape {(batch, *shape)}"
    if not close(value, 1.0):
        g = critic.weight.detach().expand(batch, -1)
        bug_id = _diagnose_penalty_value(value, _penalty_candidates(g, channels=shape[0]))
        raise _penalty_finding(bug_id or "wrong-value", value, 1.0, setting)

    # 5. A linear critic with weight 0: every input gradient is exactly zero, the penalty is 1, and its
    #    gradient with respect to the weights must be finite (Tensor.norm gives 0 there; a bare sqrt gives nan).
    batch, dim = 7, 5
    real, fake = make_pair(gen, batch, (dim,))
    critic, result, value = _linear_probe_with(fn, torch.zeros(dim), real, fake)
    setting = "With a linear critic whose weight is zero (every input gradient is exactly 0)"
    if not close(value, 1.0):
        raise _penalty_finding("wrong-value", value, 1.0, setting)
    if isinstance(result, torch.Tensor) and result.requires_grad:
        grads = grads_of(result.reshape(()), list(critic.parameters()))
        if not all(bool(torch.isfinite(g).all()) for g in grads):
            raise Finding(
                "sqrt-without-epsilon",
                f"{setting}: the value is right, but its gradient with respect to the critic's weights is nan: the "
                "norm was taken as a bare square root, whose derivative is infinite at 0.",
            )
    return (
        "Your gradient_penalty looks right: (||grad|| - 1)^2 averaged over the batch, at one uniform alpha per "
        "sample on the segment between real and fake, and differentiable in the critic's parameters."
    )


def _diagnose_alpha_statistics(alphas: list[torch.Tensor]) -> None:
    """One alpha per sample, and all of them together uniform on [0, 1]."""
    spreads = [float(a.max() - a.min()) for a in alphas]
    if len(alphas[0]) > 1 and max(spreads) < 1e-6:
        first = float(alphas[0][0])
        if all(abs(float(a[0]) - first) < 1e-6 for a in alphas):
            raise Finding(
                "alpha-not-uniform",
                f"Every sample of every call used the same alpha ({first:.4g}): alpha must be random, "
                "uniform on [0, 1].",
            )
        raise Finding(
            "one-alpha-for-batch",
            f"In each call all {len(alphas[0])} samples used the same alpha (calls gave "
            + ", ".join(f"{float(a[0]):.3g}" for a in alphas)
            + ").",
        )
    pooled = torch.cat(alphas)
    distance = uniform_ks(pooled)
    limit = KS_C / math.sqrt(len(pooled))
    if distance > limit:
        raise Finding(
            "alpha-not-uniform",
            f"Over {len(pooled)} samples the recovered alphas are not uniform on [0, 1]: their distribution "
            f"differs from U(0, 1) by {distance:.3f} (Kolmogorov-Smirnov distance; allowed {limit:.3f}). "
            f"Their mean is {float(pooled.mean()):.3f} (uniform: 0.5), range "
            f"[{float(pooled.min()):.3f}, {float(pooled.max()):.3f}].",
        )


def check_gradient_penalty(fn: Callable) -> CheckResult:
    """Check ``gradient_penalty(critic, real, fake)`` against the contract; name the bug if there is one.

    Used in notebooks 05 and 06.
    """
    return run_check(
        "gradient_penalty",
        fn,
        _gp_body,
        [
            "linear critic with weight norm 3 gives (3 - 1)^2 = 4",
            "points lie on the real-fake segments, one alpha per sample, uniform on [0, 1] over 4 calls",
            "value matches the reference at your own points (2-D points and (B, 1, 28, 28) images)",
            "gradients with respect to the critic's parameters match the reference",
            "three-channel images: one norm over all of a sample's channels and pixels",
            "the critic's .grad is left alone (the input gradient comes from torch.autograd.grad)",
            "a critic with zero input gradients gives penalty 1 with finite weight gradients (no bare sqrt)",
            "works when the fake batch still carries the generator's graph",
        ],
    )
