"""Self-check of clip_weights_ (notebook 03)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from .core import CheckResult, Finding, call_learner, run_check

__all__ = ["check_clip_weights"]


# ---------------------------------------------------------------------------- clip_weights_


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and torch.allclose(a, b, rtol=0.0, atol=1e-7)


def _is_positive_multiple(a: torch.Tensor, b: torch.Tensor) -> bool:
    """True if ``a == k * b`` for some factor ``k > 0`` (least squares fit, relative tolerance)."""
    k = float((a * b).sum() / (b * b).sum())
    return k > 0 and torch.allclose(a, k * b, rtol=1e-4, atol=1e-7)


def _clip_probe(gen: torch.Generator, c: float) -> nn.Module:
    """A critic with nested layers whose every parameter has values inside, above and below [-c, c]."""
    critic = nn.Sequential(
        nn.Linear(3, 6), nn.LeakyReLU(0.2), nn.Sequential(nn.Linear(6, 6), nn.LeakyReLU(0.2)), nn.Linear(6, 1)
    )
    with torch.no_grad():
        for p in critic.parameters():
            flat = p.view(-1)
            values = (torch.rand(flat.numel(), generator=gen) * 2 - 1) * 3 * c
            values[0], values[-1] = 2.5 * c + 1.5, -(2.5 * c + 1.5)  # beyond c and beyond 1
            if flat.numel() > 2:
                values[1] = 0.5 * c  # inside the box
            flat.copy_(values)
            p.grad = torch.full_like(p, 5.0)
            p.grad.view(-1)[::2] = -5.0
    return critic


def _clip_body(fn: Callable) -> str:
    name = "clip_weights_"
    gen = torch.Generator().manual_seed(99)
    for c in (0.05, 0.3):
        critic = _clip_probe(gen, c)
        names = [n for n, _ in critic.named_parameters()]
        before = [p.detach().clone() for p in critic.parameters()]
        grads_before = [p.grad.clone() for p in critic.parameters()]
        objects = [id(p) for p in critic.parameters()]
        returned = call_learner(name, fn, critic, c)
        params = list(critic.parameters())
        setting = f"With c = {c:g}"
        if [id(p) for p in params] != objects:
            raise Finding(
                "clip-not-in-place",
                f"{setting}, the critic's parameters were replaced by new tensors; an optimiser created before "
                "the call would keep updating the old ones.",
            )
        after = [p.detach() for p in params]
        expected = [b.clamp(-c, c) for b in before]
        ok = [_same(a, e) for a, e in zip(after, expected, strict=True)]
        if all(ok):
            if returned is not None:
                raise Finding(
                    "clip-returns-value",
                    f"{setting}, every parameter was clipped in place, but {name} returned a "
                    f"{type(returned).__name__} instead of None.",
                )
            continue
        unchanged = [_same(a, b) for a, b in zip(after, before, strict=True)]
        if all(unchanged):
            grads_changed = any(
                not _same(p.grad, g) for p, g in zip(params, grads_before, strict=True) if p.grad is not None
            )
            if grads_changed:
                raise Finding(
                    "clip-gradients",
                    f"{setting}, the parameters did not change but their .grad did: the gradients were clipped.",
                )
            raise Finding(
                "clip-not-in-place",
                f"{setting}, no parameter of the critic changed (values up to {2.5 * c + 1.5:g} are still there): "
                "the clipped values never reached the model.",
            )
        if all(o or u for o, u in zip(ok, unchanged, strict=True)):
            missed = [n for n, o in zip(names, ok, strict=True) if not o]
            bug_id = "clip-only-weights" if all(n.endswith("bias") for n in missed) else "clip-misses-parameters"
            raise Finding(bug_id, f"{setting}, these parameters were not clipped: {', '.join(missed)}.")
        bound = max(float(a.abs().max()) for a in after)
        boxes: list[tuple[str, float | None, float | None, str]] = [
            ("clip-to-zero-c", 0.0, c, "clamped to [0, c]"),
            ("clip-one-sided", None, c, "clamped from above only"),
            ("clip-one-sided", -c, None, "clamped from below only"),
            ("clip-wrong-bound", -bound, bound, f"clamped to [-{bound:.4g}, {bound:.4g}]"),
        ]
        for bug_id, low, high, what in boxes:
            if all(_same(a, b.clamp(min=low, max=high)) for a, b in zip(after, before, strict=True)):
                raise Finding(bug_id, f"{setting}, the parameters were {what} instead of [-{c:g}, {c:g}].")
        if all(_is_positive_multiple(a, b) for a, b in zip(after, before, strict=True)):
            raise Finding(
                "clip-scales",
                f"{setting}, every parameter was multiplied by a factor (values already inside [-{c:g}, {c:g}] "
                "changed too): they were scaled, not clipped.",
            )
        raise Finding("wrong-value", f"{setting}, the parameters are not those of clamp(p, -{c:g}, {c:g}).")
    return "Your clip_weights_ clamps every parameter (weights and biases, nested layers included) to [-c, c] in place."


def check_clip_weights(fn: Callable) -> CheckResult:
    """Check ``clip_weights_(critic, c)``; name the bug if there is one. Used in notebook 03."""
    return run_check(
        "clip_weights_",
        fn,
        _clip_body,
        [
            "every parameter equals clamp(p, -c, c) afterwards, for c = 0.05 and c = 0.3",
            "the same parameter objects are modified in place (the optimiser still sees them)",
            "values already inside [-c, c] are left alone; nested layers and biases are clipped",
            "returns None",
        ],
    )
