"""Probes of the training-step exercises: a critic or generator update, observed through its parameters.

Each builder returns ``(args, observe)`` like those of :mod:`.probes`; the optimiser handed to the
learner's step is :class:`PlainSGD`, so the expected move of every parameter is known exactly.
Torch only; used by :mod:`.probes` (its table) and, through it, by the judge and the sandboxed worker.
"""

from __future__ import annotations

import torch
from torch import nn

from .probe_kit import flag, random_mlp, returned_number, seeded

__all__ = ["PlainSGD", "STEP_LR", "clip_step_probe", "generator_step_probe", "gp_step_probe"]

#: The learning rate of the probes' optimiser.
STEP_LR = 0.1


class PlainSGD:
    """``p -= lr * p.grad``, offering what a training step uses of an optimiser (``param_groups``,
    ``state``, ``zero_grad``, ``step``). Not a :class:`torch.optim.Optimizer`: its constructor
    imports ``torch._dynamo``, about 3 s of CPU in every sandbox."""

    def __init__(self, params, lr: float = STEP_LR):
        self.param_groups = [{"params": list(params), "lr": lr}]
        self.defaults = {"lr": lr}
        self.state: dict = {}

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad.detach_()
                        p.grad.zero_()

    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        with torch.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.add_(p.grad, alpha=-group["lr"])
        return loss


def _flat(tensors) -> torch.Tensor:
    return torch.cat([t.detach().to(torch.float64).flatten() for t in tensors])


def _grad_of(loss: torch.Tensor, params: list[torch.Tensor]) -> torch.Tensor:
    grads = torch.autograd.grad(loss, params, allow_unused=True)
    return _flat([torch.zeros_like(p) if g is None else g for p, g in zip(params, grads, strict=True)])


def _vector(values: torch.Tensor, hint: str, alternatives=()) -> dict:
    """An observed vector. ``hint`` and ``alternatives`` ((bug id, what it means, the values that bug
    gives), in order) help the judge name a mistake; it reads them from the reference's side only."""
    return {"type": "tensor", "shape": [int(values.numel())], "values": values.double().flatten().tolist(),
            "hint": hint, "alternatives": [[b, why, torch.as_tensor(v).double().flatten().tolist()]
                                           for b, why, v in alternatives]}


def _junk_grads(params: list[torch.Tensor], gen: torch.Generator) -> torch.Tensor:
    """Fill ``.grad`` with junk, as an earlier step (or the other model's step) leaves it; return the junk."""
    for p in params:
        p.grad = 0.37 + 0.5 * torch.randn(p.shape, generator=gen)
    return _flat([p.grad for p in params])


def _small_generator(gen: torch.Generator) -> nn.Module:
    net = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2))
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.7)
    return net


def _no_grad_on(net: nn.Module) -> bool:
    return all(p.grad is None or not bool(p.grad.abs().max() > 0) for p in net.parameters())


def _estimate(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return critic(real).mean() - critic(fake).mean()


_STEP_HINT = ("the critic must move by exactly one optimizer.step() on the gradients of its loss "
              "(mean D(fake) - mean D(real){penalty})")
_STALE = ("missing-zero-grad", "the gradients left in .grad before the call were added to the new ones: clear "
          "them (optimizer.zero_grad()) before backward()")
_STILL = ("missing-optimizer-step / zero-grad-after-backward", "the parameters did not move: optimizer.step() is "
          "missing, or zero_grad() ran between backward() and step()")
_SWAPPED = ("real-fake-swapped", "the critic stepped towards a larger mean D(fake) - mean D(real): it must "
            "maximise mean D(real) - mean D(fake)")
_DETACH = ("[fake-not-detached] after the critic step the generator that produced `fake` has gradients: score "
           "fake.detach() in the critic step")
_PAPER_C = ("clip-wrong-bound", "the parameters were clipped to [-0.01, 0.01] (the paper's c), not to the c passed in")
_RETURN = "return the estimate mean D(real) - mean D(fake) from before the step, as a Python float"


def _critic_step_obs(out, critic, params, before, real, fake_points, g, estimate, junk, extra_update=(),
                     extra_value=(), penalty: str = "", moves=()) -> dict:
    """What a critic step did: how the parameters moved (one SGD step on gradient ``g`` expected) and
    what it returned; ``extra_*`` are more (bug id, meaning, gradient or value) alternatives, ``moves``
    (bug id, meaning, how the parameters move) ones."""
    moved = _flat(params) - before
    alts = [(*_STALE, g + junk)] if junk is not None else []
    alts += [*extra_update, (*_STILL, torch.zeros_like(g))]
    with torch.no_grad():
        after = float(_estimate(critic, real, fake_points))
    return {
        "update": _vector(moved, _STEP_HINT.format(penalty=penalty),
                          [*((b, w, -STEP_LR * v) for b, w, v in alts), *moves]),
        "returned": returned_number(out, _RETURN, [
            *extra_value, ("returns-loss-not-estimate", "that is the loss, minus the estimate", -estimate),
            ("value-after-step", "that is the estimate after the update", after)]),
    }


def clip_step_probe(seed: int, mode: str = "step"):
    """One ``clip_critic_step`` on a non-linear critic. ``mode``: "step" (a bound so large nothing
    is clipped: the update and the value), "stale" (junk in .grad beforehand), "graph" (``fake``
    carries a generator's graph), "clip" (a small bound: the parameters after the clip)."""
    gen = seeded(seed)
    critic = random_mlp(gen, 2, width=8)
    params = list(critic.parameters())
    c = 100.0
    if mode == "clip":
        c = float(0.1 + 0.2 * torch.rand(1, generator=gen))
        with torch.no_grad():
            for p in params:  # values inside and outside [-c, c], biases too
                p.copy_((torch.rand(p.shape, generator=gen) * 2 - 1) * 3 * c)
                p.view(-1)[0] = 2.5 * c
    real = torch.randn(16, 2, generator=gen) + 1.0
    generator = _small_generator(gen)
    z = torch.randn(16, 3, generator=gen)
    with torch.no_grad():
        fake_points = generator(z)
    before = _flat(params)
    g = _grad_of(-_estimate(critic, real, fake_points), params)
    with torch.no_grad():
        estimate = float(_estimate(critic, real, fake_points))
    junk = _junk_grads(params, gen) if mode == "stale" else None
    fake = generator(z) if mode == "graph" else fake_points.clone()

    def observe(out):
        if mode != "clip":
            obs = {"generator_untouched": flag(_no_grad_on(generator), _DETACH)} if mode == "graph" else {}
            stepped = before - STEP_LR * g
            return {**obs, **_critic_step_obs(out, critic, params, before, real, fake_points, g, estimate, junk,
                                              [(*_SWAPPED, -g)], moves=[(*_PAPER_C, stepped.clamp(-0.01, 0.01) - before)])}
        stepped = before - STEP_LR * g
        sizes = [p.numel() for p in params]
        weights_only = torch.cat([s.clamp(-c, c) if name.endswith("weight") else s for (name, _), s in
                                  zip(critic.named_parameters(), stepped.split(sizes), strict=True)])
        return {"params": _vector(_flat(params), f"after the step every parameter, biases included, must be "
                                  f"clamp(p - lr * grad, -c, c) with c = {c:.4g}", [
            ("clip-missing", "nothing was clipped: clamp every parameter to [-c, c] after optimizer.step()", stepped),
            ("clip-before-step", "the parameters were clipped before optimizer.step(), which pushed them out of "
             "[-c, c] again: clip right after the step", before.clamp(-c, c) - STEP_LR * g),
            ("clip-only-weights", "the biases were not clipped: clamp every parameter, biases included",
             weights_only), (*_PAPER_C, stepped.clamp(-0.01, 0.01))])}

    return (critic, PlainSGD(params), real.clone(), fake, c), observe


def gp_step_probe(seed: int, mode: str = "linear"):
    """One ``gp_critic_step`` where the penalty does not depend on the random interpolates.
    ``mode``: "linear" (a linear critic: every input gradient is its weight, so the penalty is
    (||w|| - 1)^2 wherever the interpolates lie), "stale" (the same with junk in .grad), "graph"
    (the same with ``fake`` carrying a generator's graph), "same-points" (a non-linear critic and
    real == fake, so every interpolate is the same point)."""
    gen = seeded(seed)
    lam = float(2 + 5 * torch.rand(1, generator=gen))  # never 1 or 10, which name bugs
    generator = _small_generator(gen)
    z = torch.randn(16, 3, generator=gen)
    with torch.no_grad():
        fake_points = generator(z)
    if mode == "same-points":
        critic = random_mlp(gen, 2)
        real = torch.randn(24, 2, generator=gen) * 1.5
        fake_points = real.clone()
    else:
        critic = nn.Linear(2, 1)
        with torch.no_grad():
            direction = torch.randn(2, generator=gen)
            critic.weight.copy_(direction / direction.norm() * (2 + torch.rand(1, generator=gen)))
            critic.bias.copy_(torch.randn(1, generator=gen))
        real = torch.randn(16, 2, generator=gen) + 1.0
    params = list(critic.parameters())
    before = _flat(params)
    x = real.clone().requires_grad_(True)  # same-points: the interpolates; linear: any point will do
    (dx,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
    penalty_t = ((dx.flatten(1).norm(dim=1) - 1) ** 2).mean()
    gp = _grad_of(penalty_t, params)
    gw = _grad_of(-_estimate(critic, real, fake_points), params)
    with torch.no_grad():
        estimate, penalty = float(_estimate(critic, real, fake_points)), float(penalty_t)
    junk = _junk_grads(params, gen) if mode == "stale" else None
    fake = generator(z) if mode == "graph" else fake_points.clone()

    def observe(out):
        obs = {"generator_untouched": flag(_no_grad_on(generator), _DETACH)} if mode == "graph" else {}
        return {**obs, **_critic_step_obs(out, critic, params, before, real, fake_points, gw + lam * gp, estimate,
                                          junk, [
            ("penalty-sign", "the penalty was subtracted: the loss adds + lambda_gp * penalty", gw - lam * gp),
            ("penalty-missing", "the penalty is missing from the loss", gw),
            ("lambda-missing", "the penalty was not multiplied by lambda_gp", gw + gp),
            ("lambda-ignored", "the penalty was multiplied by 10, not by lambda_gp", gw + 10 * gp),
            (*_SWAPPED, -gw + lam * gp)],
            [("estimate-includes-penalty", "that is the estimate minus lambda_gp * penalty: leave the penalty out",
              estimate - lam * penalty),
             ("returns-loss-not-estimate", "that is the critic's loss, penalty included", -estimate + lam * penalty)],
            penalty=" + lambda_gp * penalty")}

    return (critic, PlainSGD(params), real.clone(), fake, lam), observe


def generator_step_probe(seed: int, stale: bool = False, frozen: bool = False):
    """One ``generator_step``: the generator's update and loss, and the critic left as it was found
    (same values, same ``requires_grad`` flags). ``stale`` puts junk in the generator's .grad beforehand;
    ``frozen`` hands over a critic whose first bias the caller froze (it must stay frozen)."""
    gen = seeded(seed)
    generator = _small_generator(gen)
    critic = random_mlp(gen, 2, width=8)
    if frozen:
        critic[0].bias.requires_grad_(False)
    flags_before = [p.requires_grad for p in critic.parameters()]
    z = torch.randn(16, 3, generator=gen)
    g_params, c_params = list(generator.parameters()), list(critic.parameters())
    g_before = _flat(g_params)
    loss_t = -critic(generator(z)).mean()
    g = _grad_of(loss_t, g_params)
    loss = float(loss_t.detach())
    junk = _junk_grads(g_params, gen) if stale else None

    def observe(out):
        alts = [(*_STALE, g + junk)] if junk is not None else []
        alts += [("generator-loss-sign", "the generator stepped up mean D(G(z)): its loss is -mean D(G(z))", -g),
                 ("generator-detached-fake / missing-optimizer-step / zero-grad-after-backward",
                  "the generator did not move: the fake batch was detached (or made under torch.no_grad()), "
                  "optimizer.step() is missing, or zero_grad() ran between backward() and step()", torch.zeros_like(g))]
        with torch.no_grad():
            after = float(-critic(generator(z)).mean())
        return {
            "critic_trainable": flag(
                [p.requires_grad for p in critic.parameters()] == flags_before,
                "[critic-flags-not-restored] a critic parameter the caller had frozen requires grad after the step: "
                "restore each flag as you found it" if frozen else
                "[critic-left-frozen] after the step the critic's parameters no longer require "
                "grad: if you freeze it, restore requires_grad afterwards"),
            "critic_params": _vector(_flat(c_params), "[critic-changed] the critic's parameters changed: only the "
                                     "generator may move in its step", []),
            "update": _vector(_flat(g_params) - g_before, "the generator must move by exactly one optimizer.step() "
                              "on the gradients of -mean D(G(z))", [(b, w, -STEP_LR * v) for b, w, v in alts]),
            "returned": returned_number(out, "return the loss -mean D(G(z)) from before the step, as a Python float", [
                ("generator-loss-sign", "that is mean D(G(z)), the loss with the wrong sign", -loss),
                ("value-after-step", "that is the loss after the update", after)]),
        }

    return (generator, critic, PlainSGD(g_params), z.clone()), observe
