"""Self-checks of the training steps: clip_critic_step, gp_critic_step (notebooks 03 and 07)
and generator_step (notebooks 03 and 07).

A step changes a model through an optimiser, so the check hands the learner a
:class:`RecordingSGD`: plain SGD that writes down the parameters and their gradients at
the moment ``step()`` is called. From that record the check tells apart the catalogued
mistakes: stale gradients (no ``zero_grad``), a wrong sign, a missing penalty, clipping before
the step, a fake batch that leaks gradients into the generator, a critic left frozen. The
probes are deterministic (a linear critic makes the gradient penalty independent of the
random interpolates), so the learner's random numbers never matter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from .core import CheckResult, Finding, call_learner, close, fmt, run_check
from .probes import LinearProbe

__all__ = ["RecordingSGD", "check_clip_critic_step", "check_gp_critic_step", "check_generator_step"]

_LR = 0.1
_STALE = 0.37  # the value of the stale gradients left on the parameters before each call
_RTOL, _ATOL = 1e-4, 1e-6


class RecordingSGD:
    """Plain SGD that records, at every ``step()``, the parameter values and their gradients (None kept).

    It offers what a training step uses of an optimiser (``param_groups``, ``zero_grad``, ``step``)
    without subclassing :class:`torch.optim.Optimizer`, whose first ``step()`` in a session imports
    ``torch._dynamo`` (about a second of CPU time), which would dominate the check's time.
    """

    def __init__(self, params: Any, lr: float = _LR):
        self.param_groups = [{"params": list(params), "lr": lr}]
        self.state: dict = {}
        self.records: list[tuple[list[torch.Tensor], list[torch.Tensor | None]]] = []

    def _params(self) -> list[torch.Tensor]:
        return [p for group in self.param_groups for p in group["params"]]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients, like :meth:`torch.optim.Optimizer.zero_grad`."""
        for p in self._params():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.detach_()
                    p.grad.zero_()

    def step(self, closure: Any = None) -> Any:
        """Record, then ``p -= lr * p.grad`` for every parameter that has a gradient."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        params = self._params()
        self.records.append(
            ([p.detach().clone() for p in params], [None if p.grad is None else p.grad.detach().clone() for p in params])
        )
        with torch.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.add_(p.grad, alpha=-group["lr"])
        return loss


def _same(a: Sequence[torch.Tensor | None], b: Sequence[torch.Tensor | None]) -> bool:
    return all(
        x is not None and y is not None and x.shape == y.shape and torch.allclose(x, y, rtol=_RTOL, atol=_ATOL)
        for x, y in zip(a, b, strict=True)
    )


def _all_zero(grads: Sequence[torch.Tensor | None]) -> bool:
    return all(g is None or not bool(g.abs().max() > 0) for g in grads)


def _as_float(name: str, result: Any) -> float:
    """The step's return value: a Python number (a tensor would keep the whole graph alive)."""
    if result is None:
        raise Finding("returned-none", f"{name} returned None: is the `return` statement missing?")
    if isinstance(result, torch.Tensor):
        raise Finding(
            "returns-tensor-not-float",
            f"{name} returned a tensor (shape {tuple(result.shape)}), not a Python float. Logging tensors keeps "
            "every step's graph in memory; return `float(...)` or `.item()`.",
        )
    if isinstance(result, bool) or not isinstance(result, (int, float, np.floating, np.integer)):
        raise Finding("wrong-type", f"{name} returned a {type(result).__name__}; it should return a Python float.")
    return float(result)


def _stale_grads(params: Sequence[nn.Parameter]) -> None:
    for p in params:
        p.grad = torch.full_like(p, _STALE)


def _one_step(name: str, optimizer: RecordingSGD) -> tuple[list[torch.Tensor], list[torch.Tensor | None]]:
    if not optimizer.records:
        raise Finding(
            "missing-optimizer-step",
            f"{name} never called optimizer.step(): the gradients were computed but nothing was updated.",
        )
    if len(optimizer.records) > 1:
        raise Finding(
            "wrong-value", f"{name} called optimizer.step() {len(optimizer.records)} times; one update is asked."
        )
    return optimizer.records[0]


def _diagnose_grads(
    name: str,
    got: Sequence[torch.Tensor | None],
    want: Sequence[torch.Tensor],
    alternatives: list[tuple[str, Sequence[torch.Tensor], str]],
) -> None:
    """Compare the gradients the optimiser saw with the expected ones; raise the matching finding."""
    if _same(got, want):
        return
    if _all_zero(got):
        raise Finding(
            "zero-grad-after-backward",
            f"When {name} called optimizer.step(), the parameters had no gradient: zero_grad() ran after "
            "backward() (or backward() was never called), so the step changed nothing.",
        )
    stale = [w + _STALE for w in want]
    if _same(got, stale):
        raise Finding(
            "missing-zero-grad",
            f"The gradients {name} stepped with are the new ones plus the {_STALE} left on the parameters before the "
            "call: the old gradients were never cleared, so they pile up from step to step.",
        )
    for bug_id, grads, what in alternatives:
        if _same(got, grads):
            raise Finding(bug_id, f"The gradients {name} stepped with are those of {what}.")
    raise Finding(
        "wrong-gradient",
        f"The gradients {name} stepped with differ from those of the loss the exercise asks for.",
    )


def _grads_of(loss: torch.Tensor, params: Sequence[nn.Parameter]) -> list[torch.Tensor]:
    grads = torch.autograd.grad(loss, list(params), allow_unused=True)
    return [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads, strict=True)]


def _fake_batch(gen: torch.Generator, batch: int) -> tuple[nn.Linear, torch.Tensor]:
    """A tiny generator and a fake batch that still carries its graph."""
    generator = nn.Linear(3, 2)
    with torch.no_grad():
        generator.weight.copy_(torch.randn(2, 3, generator=gen))
        generator.bias.copy_(torch.randn(2, generator=gen))
    z = torch.randn(batch, 3, generator=gen)
    return generator, generator(z)


def _check_fake_detached(name: str, generator: nn.Module) -> None:
    if any(p.grad is not None and bool(p.grad.abs().max() > 0) for p in generator.parameters()):
        raise Finding(
            "fake-not-detached",
            f"After {name}, the generator that produced `fake` has gradients: the critic's loss was "
            "backpropagated through the fake batch into the generator. Use fake.detach().",
        )


def _estimate(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> float:
    """mean D(real) - mean D(fake), without gradients."""
    with torch.no_grad():
        return float(critic(real).mean() - critic(fake).mean())


def _call_critic_step(
    name: str,
    fn: Callable,
    critic: nn.Module,
    real: torch.Tensor,
    fake: torch.Tensor,
    generator: nn.Module,
    arg: float,
    before_step: Sequence[tuple[str, Callable[[list[torch.Tensor]], list[torch.Tensor]], str]] = (),
) -> tuple[float, list[torch.Tensor], list[torch.Tensor | None], list[torch.Tensor]]:
    """Call ``fn(critic, optimizer, real, fake, arg)`` on stale gradients and a :class:`RecordingSGD`.

    Checks what every critic step shares: a float comes back, no gradient reaches the generator that
    made ``fake``, exactly one ``optimizer.step()``, and no parameter moved before it (each entry of
    ``before_step`` is a named way to move them, tried before the generic finding). Returns the value,
    the parameters before the call, and the gradients and the parameter values the step saw.
    """
    params = list(critic.parameters())
    before = [p.detach().clone() for p in params]
    _stale_grads(params)
    optimizer = RecordingSGD(params)
    value = _as_float(name, call_learner(name, fn, critic, optimizer, real.clone(), fake, arg))
    _check_fake_detached(name, generator)
    at_step, grads = _one_step(name, optimizer)
    if not _same(at_step, before):
        for bug_id, moved, message in before_step:
            if _same(at_step, moved(before)):
                raise Finding(bug_id, message)
        raise Finding("wrong-value", f"{name} changed the critic's parameters before calling optimizer.step().")
    return value, before, grads, [p.detach() for p in params]


def _check_estimate(
    name: str, value: float, estimate: float, after: float, extra: list[tuple[str, float, str]]
) -> None:
    if close(value, estimate, _RTOL, _ATOL):
        return
    candidates = [("returns-loss-not-estimate", -estimate, "the loss -(mean D(real) - mean D(fake))"), *extra]
    candidates.append(("value-after-step", after, "the estimate computed after the update"))
    for bug_id, target, what in candidates:
        if close(value, target, _RTOL, _ATOL):
            raise Finding(
                bug_id,
                f"{name} returned {fmt(value)}, which is {what}; the estimate before the step is {fmt(estimate)}.",
            )
    raise Finding("wrong-value", f"{name} returned {fmt(value)}; the estimate before the step is {fmt(estimate)}.")


# ---------------------------------------------------------------------------- clip_critic_step


def _clip_critic(gen: torch.Generator, c: float) -> nn.Sequential:
    """An MLP critic whose every parameter has values inside and outside [-c, c]."""
    critic = nn.Sequential(nn.Linear(2, 6), nn.LeakyReLU(0.2), nn.Linear(6, 1))
    with torch.no_grad():
        for p in critic.parameters():
            p.copy_((torch.rand(p.shape, generator=gen) * 2 - 1) * 3 * c)
            p.view(-1)[0] = 2.5 * c
    return critic


def _clip_step_body(fn: Callable) -> str:
    name, c = "clip_critic_step", 0.05
    gen = torch.Generator().manual_seed(3)
    critic = _clip_critic(gen, c)
    params = list(critic.parameters())
    names = [n for n, _ in critic.named_parameters()]
    real = torch.randn(16, 2, generator=gen) + 1.0
    generator, fake = _fake_batch(gen, 16)
    estimate = _estimate(critic, real, fake)
    want = _grads_of(critic(fake.detach()).mean() - critic(real).mean(), params)
    clip_first = (
        "clip-before-step",
        lambda before: [b.clamp(-c, c) for b in before],
        f"When {name} called optimizer.step(), the parameters were already clipped: clipping came before the "
        "update, so the step pushes them out of [-c, c] again.",
    )
    value, before, grads, after = _call_critic_step(name, fn, critic, real, fake, generator, c, [clip_first])
    _diagnose_grads(name, grads, want, [("real-fake-swapped", [-w for w in want], "mean D(real) - mean D(fake)")])
    stepped = [b - _LR * g for b, g in zip(before, want, strict=True)]
    if not _same(after, [s.clamp(-c, c) for s in stepped]):
        if _same(after, stepped):
            raise Finding(
                "clip-missing", f"After {name}, the parameters are outside [-{c:g}, {c:g}]: nothing was clipped."
            )
        ok = [_same([a], [s.clamp(-c, c)]) or _same([a], [s]) for a, s in zip(after, stepped, strict=True)]
        missed = [n for n, a, s in zip(names, after, stepped, strict=True) if not _same([a], [s.clamp(-c, c)])]
        if all(ok) and all(n.endswith("bias") for n in missed):
            raise Finding("clip-only-weights", f"After {name}, these parameters were not clipped: {', '.join(missed)}.")
        bound = max(float(a.abs().max()) for a in after)
        if _same(after, [s.clamp(-bound, bound) for s in stepped]):
            raise Finding(
                "clip-wrong-bound",
                f"After {name}, the parameters are clipped to [-{bound:.4g}, {bound:.4g}], not [-{c:g}, {c:g}].",
            )
        raise Finding("wrong-value", f"After {name}, the parameters are not clamp(p - lr * grad, -c, c).")
    _check_estimate(name, value, estimate, _estimate(critic, real, fake), [])
    return (
        "Your clip_critic_step clears the old gradients, steps on mean D(fake) - mean D(real) with the fake batch "
        "detached, clips every parameter after the step, and returns the estimate from before the step."
    )


def check_clip_critic_step(fn: Callable) -> CheckResult:
    """Check ``clip_critic_step(critic, optimizer, real, fake, c)``; name the bug if there is one.

    Used in notebooks 03 and 06.
    """
    return run_check(
        "clip_critic_step",
        fn,
        _clip_step_body,
        [
            "one optimizer.step() with the gradients of mean D(fake) - mean D(real) (stale gradients cleared)",
            "no gradient reaches the generator that produced `fake`",
            "every parameter, biases included, clamped to [-c, c] after the step",
            "returns the estimate mean D(real) - mean D(fake) from before the step, as a float",
        ],
    )


# ---------------------------------------------------------------------------- gp_critic_step


def _gp_step_body(fn: Callable) -> str:
    name, lam = "gp_critic_step", 5.0
    gen = torch.Generator().manual_seed(4)
    direction = torch.tensor([2.0, -1.0])
    critic = LinearProbe(direction / direction.norm() * 3.0)  # gradient norm 3 everywhere: penalty (3 - 1)^2 = 4
    params = list(critic.parameters())
    real = torch.randn(16, 2, generator=gen) + 1.0
    generator, fake = _fake_batch(gen, 16)
    with critic.quiet():
        estimate = _estimate(critic, real, fake)
        wasserstein = critic(fake.detach()).mean() - critic(real).mean()
        penalty = (critic.weight.norm() - 1) ** 2
        want_w, want_p = _grads_of(wasserstein, params), _grads_of(penalty, params)
    value, before, grads, after = _call_critic_step(name, fn, critic, real, fake, generator, lam)

    def mix(a: float, b: float) -> list[torch.Tensor]:
        return [a * w + b * p for w, p in zip(want_w, want_p, strict=True)]

    _diagnose_grads(
        name,
        grads,
        mix(1, lam),
        [
            (
                "penalty-sign",
                mix(1, -lam),
                "mean D(fake) - mean D(real) - lambda_gp * penalty (the penalty subtracted)",
            ),
            ("penalty-missing", mix(1, 0), "mean D(fake) - mean D(real) alone: the penalty is missing"),
            ("lambda-missing", mix(1, 1), "mean D(fake) - mean D(real) + penalty: lambda_gp is missing"),
            ("lambda-ignored", mix(1, 10), "mean D(fake) - mean D(real) + 10 * penalty: lambda_gp was ignored"),
            ("real-fake-swapped", mix(-1, lam), "mean D(real) - mean D(fake) + lambda_gp * penalty"),
        ],
    )
    if not _same(after, [b - _LR * g for b, g in zip(before, mix(1, lam), strict=True)]):
        raise Finding("wrong-value", f"After {name}, the parameters are not those of one optimizer step (clipped?).")
    with critic.quiet():
        after_estimate = _estimate(critic, real, fake)
    _check_estimate(
        name,
        value,
        estimate,
        after_estimate,
        [
            ("estimate-includes-penalty", estimate - lam * 4.0, "the estimate minus lambda_gp * penalty"),
            ("returns-loss-not-estimate", -estimate + lam * 4.0, "the critic's loss, penalty included"),
        ],
    )
    return (
        "Your gp_critic_step clears the old gradients, steps on mean D(fake) - mean D(real) + lambda_gp * penalty "
        "with the fake batch detached, and returns the estimate from before the step."
    )


def check_gp_critic_step(fn: Callable) -> CheckResult:
    """Check ``gp_critic_step(critic, optimizer, real, fake, lambda_gp)``; name the bug if there is one.

    Used in notebooks 06 and 07.
    """
    return run_check(
        "gp_critic_step",
        fn,
        _gp_step_body,
        [
            "a linear critic of slope 3 (penalty (3 - 1)^2 = 4 whatever the interpolates), lambda_gp = 5",
            "one optimizer.step() with the gradients of mean D(fake) - mean D(real) + lambda_gp * penalty",
            "no gradient reaches the generator; no clipping",
            "returns the estimate from before the step (penalty not included), as a float",
        ],
    )


# ---------------------------------------------------------------------------- generator_step


class _TracedGenerator(nn.Module):
    """A linear generator that notes whether any gradient reached its output."""

    def __init__(self, gen: torch.Generator):
        super().__init__()
        self.linear = nn.Linear(3, 2)
        with torch.no_grad():
            self.linear.weight.copy_(torch.randn(2, 3, generator=gen))
            self.linear.bias.copy_(torch.randn(2, generator=gen))
        self.reached = False

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        out = self.linear(z)
        if out.requires_grad:
            out.register_hook(self._note)
        return out

    def _note(self, grad: torch.Tensor) -> None:
        self.reached = True


def _generator_step_body(fn: Callable) -> str:
    name = "generator_step"
    gen = torch.Generator().manual_seed(5)
    generator = _TracedGenerator(gen)
    critic = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    with torch.no_grad():
        for p in critic.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
    g_params, c_params = list(generator.parameters()), list(critic.parameters())
    z = torch.randn(16, 3, generator=gen)
    loss = -critic(generator(z)).mean()
    before_loss = float(loss.detach())
    want = _grads_of(loss, g_params)
    generator.reached = False
    g_before, c_before = [p.detach().clone() for p in g_params], [p.detach().clone() for p in c_params]
    _stale_grads(g_params)
    optimizer = RecordingSGD(g_params)
    try:
        result = call_learner(name, fn, generator, critic, optimizer, z.clone())
    except Finding as finding:
        if "does not require grad" in finding.finding and not generator.reached:
            raise Finding(
                "generator-detached-fake",
                f"{finding.finding}. The loss depends on nothing that requires grad: the fake batch was detached "
                "(and the critic frozen), so no gradient can reach the generator.",
                finding.details,
            ) from None
        raise
    value = _as_float(name, result)
    frozen = [n for n, p in critic.named_parameters() if not p.requires_grad]
    if frozen:
        raise Finding(
            "critic-left-frozen",
            f"After {name}, the critic's parameters {', '.join(frozen)} no longer require grad: it was frozen for the "
            "generator's step and never unfrozen, so the next critic step cannot train it.",
        )
    if not _same([p.detach() for p in c_params], c_before):
        raise Finding("critic-changed", f"{name} changed the critic's parameters; only the generator may move.")
    at_step, grads = _one_step(name, optimizer)
    if not _same(at_step, g_before):
        raise Finding("wrong-value", f"{name} changed the generator's parameters before calling optimizer.step().")
    if _all_zero(grads) and not generator.reached:
        raise Finding(
            "generator-detached-fake",
            f"No gradient reached the generator during {name}: the generator's loss was computed on a detached fake "
            "batch (or under torch.no_grad()), so the generator never learns.",
        )
    _diagnose_grads(name, grads, want, [("generator-loss-sign", [-w for w in want], "+mean D(G(z))")])
    after = [p.detach() for p in g_params]
    if not _same(after, [b - _LR * g for b, g in zip(g_before, want, strict=True)]):
        raise Finding("wrong-value", f"After {name}, the generator's parameters are not those of one optimizer step.")
    with torch.no_grad():
        after_loss = float(-critic(generator.linear(z)).mean())
    if not close(value, before_loss, _RTOL, _ATOL):
        for bug_id, target, what in (
            ("generator-loss-sign", -before_loss, "mean D(G(z)), the loss with the wrong sign"),
            ("value-after-step", after_loss, "the loss computed after the update"),
        ):
            if close(value, target, _RTOL, _ATOL):
                raise Finding(bug_id, f"{name} returned {fmt(value)}, which is {what}; the loss is {fmt(before_loss)}.")
        raise Finding("wrong-value", f"{name} returned {fmt(value)}; the loss -mean D(G(z)) is {fmt(before_loss)}.")
    # A critic with a parameter frozen by the caller must come back with exactly the flags it had.
    critic[0].bias.requires_grad_(False)
    flags = [p.requires_grad for p in c_params]
    call_learner(name, fn, generator, critic, RecordingSGD(g_params), z.clone())
    changed = [n for (n, p), flag in zip(critic.named_parameters(), flags, strict=True) if p.requires_grad != flag]
    if changed:
        raise Finding(
            "critic-flags-not-restored",
            f"Called with a critic whose parameter 0.bias was frozen beforehand, {name} changed the requires_grad flag "
            f"of {', '.join(changed)}: the critic was unfrozen wholesale instead of restored as it was found.",
        )
    return (
        "Your generator_step clears the old gradients, steps on -mean D(G(z)), leaves the critic as it found it, "
        "and returns the loss as a float."
    )


def check_generator_step(fn: Callable) -> CheckResult:
    """Check ``generator_step(generator, critic, optimizer, z)``; name the bug if there is one.

    Used in notebooks 03 and 06.
    """
    return run_check(
        "generator_step",
        fn,
        _generator_step_body,
        [
            "one optimizer.step() with the gradients of -mean D(G(z)) (stale gradients cleared)",
            "the critic's parameters and requires_grad flags are unchanged afterwards (also when the caller had "
            "frozen one of them)",
            "returns the loss from before the step, as a float",
        ],
    )
