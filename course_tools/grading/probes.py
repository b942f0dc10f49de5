"""The inputs the trusted grader chooses, and what it observes of a function's answers.

This module is imported twice: by the sandboxed worker, which calls the learner's
function on each probe and sends back the observations, and by the trusted process,
which calls the course's reference on the same probes (rebuilt from the same secret
seed) and compares. It imports torch only (never ``course_utils``), so the sandbox
needs nothing of the course. A probe is ``build(seed) -> (args, observe)``; ``observe``
turns the function's result into ``{name: list-of-floats or scalar}``.

Used by ``course_tools.grading.judge`` (trusted) and ``course_tools.grading.worker`` (sandbox).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import torch
from torch import nn

__all__ = ["ALPHA_SAMPLES", "BATCH", "BATCH_CALLS", "PROBES", "Call", "STEP_LR", "Many", "Observation", "PlainSGD",
           "Quadratic", "alphas_from", "contracts", "run_probe"]

Observation = dict
#: Single-sample calls in the alpha-distribution probe of ``gradient_penalty``...
ALPHA_SAMPLES = 600
#: ...then calls with batches of BATCH samples (their spread shows one alpha per sample).
BATCH_CALLS, BATCH = 100, 16


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed) % (2**31))


def _mlp(gen: torch.Generator, d_in: int, width: int = 16, flatten: bool = False) -> nn.Module:
    layers: list[nn.Module] = [nn.Flatten()] if flatten else []
    layers += [nn.Linear(d_in, width), nn.Tanh(), nn.Linear(width, width), nn.Tanh(), nn.Linear(width, 1)]
    net = nn.Sequential(*layers)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.8)
    return net


def _tensor(x) -> dict:
    """A result as data: shape and values (floats), or its type when it is not a tensor."""
    if x is None:
        return {"type": "None"}
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return {"type": "number", "values": [float(x)], "shape": []}
    if not torch.is_tensor(x):
        return {"type": type(x).__name__}
    t = x.detach().to("cpu", torch.float64)
    return {"type": "tensor", "shape": list(t.shape), "values": t.flatten().tolist(),
            "requires_grad": bool(x.requires_grad)}


def _grads(out, inputs: list[torch.Tensor]) -> dict:
    """d out / d inputs, or why it cannot be taken (detached result, no graph...)."""
    if not torch.is_tensor(out) or out.numel() != 1 or not out.requires_grad:
        return {"type": "not-differentiable"}
    try:
        grads = torch.autograd.grad(out.sum(), inputs, allow_unused=True)
    except RuntimeError as exc:
        return {"type": "error", "message": str(exc).splitlines()[0][:200]}
    return {"type": "grads", "values": [[] if g is None else g.detach().double().flatten().tolist() for g in grads]}


# ----------------------------------------------------------------------------- gradient_penalty
def gp_same_points(seed: int, images: bool = False):
    """real == fake, so every interpolate is the same point whatever alpha is: the value and its
    gradient with respect to the critic's weights are fixed (a non-linear critic, varied norms)."""
    gen = _gen(seed)
    if images:
        x = torch.randn(6, 3, 4, 4, generator=gen)
        critic = _mlp(gen, 48, flatten=True)
    else:
        x = torch.randn(64, 2, generator=gen) * 1.5
        critic = _mlp(gen, 2)
    params = list(critic.parameters())

    def observe(out):
        return {"value": _tensor(out), "d_weights": _grads(out, params)}

    return (critic, x.clone(), x.clone()), observe


class Quadratic(nn.Module):
    """Scores ``0.5 * ||x_i||^2``: the input gradient at x is x itself, so a penalty's value
    tells how far from the origin the interpolate was, hence where on its segment it lay."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * (x.flatten(1) ** 2).sum(1, keepdim=True)


class Call:
    """The arguments of one call, keywords included."""

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs


class Many:
    """Several calls of the function in one probe; ``observe`` gets the list of results."""

    def __init__(self, calls: list[tuple]):
        self.calls = calls


def gp_alpha(seed: int):
    """real = (-2, -2), fake = (-1, -1): the interpolate is -(1 + alpha)(1, 1), the penalty
    (sqrt2 (1 + alpha) - 1)^2. ``ALPHA_SAMPLES`` calls with one sample give alpha's
    distribution; ``BATCH_CALLS`` calls with ``BATCH`` samples show whether the samples of a
    batch have their own alpha (the spread of the batch means)."""
    critic = Quadratic()
    one = (critic, torch.full((1, 2), -2.0), torch.full((1, 2), -1.0))
    batch = (critic, torch.full((BATCH, 2), -2.0), torch.full((BATCH, 2), -1.0))
    calls = [one] * ALPHA_SAMPLES + [batch] * BATCH_CALLS

    def observe(outs):
        vals = []
        for out in outs:
            if not torch.is_tensor(out) or out.numel() != 1:
                return {"value": _tensor(out)}
            vals.append(float(out.detach()))
        return {"values": {"type": "values", "values": vals}}

    return Many(calls), observe


def alphas_from(values: list[float]) -> torch.Tensor:
    """Invert the alpha probe's single-sample penalties: u = 1 + alpha = (sqrt(v) + 1) / sqrt2."""
    v = torch.tensor(values, dtype=torch.float64)
    return (torch.sqrt(torch.clamp(v, min=0)) + 1) / math.sqrt(2.0) - 1


# ----------------------------------------------------------------------------- losses
def critic_loss_probe(seed: int, shape=(16,), penalty_float: bool = False):
    gen = _gen(seed)
    r = torch.randn(*shape, generator=gen).requires_grad_(True)
    f = torch.randn(*shape, generator=gen).requires_grad_(True)
    lam = float(1 + 9 * torch.rand(1, generator=gen))
    if penalty_float:
        pen = float(torch.rand(1, generator=gen))
        inputs = [r, f]
    else:
        pen = torch.rand((), generator=gen).requires_grad_(True)
        inputs = [r, f, pen]

    def observe(out):
        return {"value": _tensor(out), "d_inputs": _grads(out, inputs)}

    return (r, f, pen, lam), observe


def generator_loss_probe(seed: int, shape=(10,)):
    gen = _gen(seed)
    s = (torch.randn(*shape, generator=gen) * 3).requires_grad_(True)

    def observe(out):
        return {"value": _tensor(out), "d_scores": _grads(out, [s])}

    return (s,), observe


# ----------------------------------------------------------------------------- clip_weights_
def clip_probe(seed: int):
    gen = _gen(seed)
    inner = nn.Sequential(nn.Linear(3, 3), nn.Tanh())
    net = nn.Sequential(nn.Linear(3, 3), inner, nn.Linear(3, 1))
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
    c = float(0.05 + 0.9 * torch.rand(1, generator=gen))
    params = list(net.parameters())

    def observe(out):
        now = list(net.parameters())
        same = len(now) == len(params) and all(a is b for a, b in zip(now, params, strict=False))
        leaves = all(p.requires_grad and p.grad_fn is None for p in now)
        return {"returned": _tensor(out), "params": _tensor(torch.cat([p.detach().flatten() for p in now])),
                "same_objects": {"type": "flag", "values": [float(same and leaves)]}}

    return (net, c), observe


# ----------------------------------------------------------------------------- wasserstein_1d
def w1_probe(seed: int, column: bool = False, swap: bool = False, n: int = 300):
    gen = _gen(seed)
    u, v = torch.randn(n, generator=gen), 2 * torch.randn(n, generator=gen) + 0.3
    if column:
        u, v = u[:, None], v[:, None]
    if swap:
        u, v = v, u
    before = (u.clone(), v.clone())

    def observe(out):
        kept = torch.equal(u, before[0]) and torch.equal(v, before[1])
        return {"value": _tensor(out), "inputs_kept": {"type": "flag", "values": [float(kept)]},
                "returns_tensor": {"type": "flag", "values": [float(torch.is_tensor(out))]}}

    return (u, v), observe


def w1_unequal(seed: int):
    """Samples of different sizes: the reference raises ValueError (truncating would hide the mistake)."""
    gen = _gen(seed)
    return (torch.randn(3, generator=gen), torch.randn(4, generator=gen)), lambda out: {"value": _tensor(out)}


# ----------------------------------------------------------------------------- per_sample_grad_norms
def norms_mlp(seed: int):
    gen = _gen(seed)
    net = _mlp(gen, 2)
    x = torch.randn(12, 2, generator=gen)
    x0 = x.clone()

    def observe(out):
        kept = torch.equal(x, x0) and not x.requires_grad
        return {"value": _tensor(out), "input_kept": {"type": "flag", "values": [float(kept)]}}

    return (net, x), observe


def norms_create_graph(seed: int):
    """``create_graph=True``: the norms must stay differentiable with respect to the critic's weights
    (the gradient penalty differentiates them)."""
    gen = _gen(seed)
    net = _mlp(gen, 2)
    x = torch.randn(12, 2, generator=gen)
    params = list(net.parameters())
    hint = ("[create-graph-missing / result-detached] with create_graph=True the norms must stay differentiable "
            "with respect to the critic's weights: pass create_graph to torch.autograd.grad and do not detach "
            "the result")

    def observe(out):
        total = out.sum() if torch.is_tensor(out) else out
        return {"value": _tensor(out), "d_weights": {**_grads(total, params), "hint": hint}}

    return Call(net, x, create_graph=True), observe


def norms_images(seed: int):
    gen = _gen(seed)
    net = _mlp(gen, 48, width=8, flatten=True)
    x = torch.randn(5, 3, 4, 4, generator=gen)
    return (net, x), lambda out: {"value": _tensor(out)}


def norms_function(seed: int):
    gen = _gen(seed)
    w = torch.randn(2, 1, generator=gen)
    x = (torch.randn(8, 2, generator=gen) * 2).requires_grad_(True) * 1.0  # carries a graph
    return ((lambda z: torch.sin(z @ w)[:, 0] * 3), x), lambda out: {"value": _tensor(out)}  # (B,) scores


# ----------------------------------------------------------------------------- notebooks 01, 08, 09
def r1_probe(seed: int, images: bool = False):
    """The same critic and points as ``gp_same_points`` (R1 is deterministic: no interpolates)."""
    (critic, x, _), observe = gp_same_points(seed, images)
    return (critic, x), observe


def js_probe(seed: int, n: int = 12):
    gen = _gen(seed)
    p, q = torch.rand(n, generator=gen, dtype=torch.float64), torch.rand(n, generator=gen, dtype=torch.float64)
    p[:3], q[3:5] = 0.0, 0.0  # zero probabilities contribute nothing
    return (p / p.sum(), q / q.sum()), lambda out: {"value": _returned(out, "return JS as a Python float")}


def frechet_probe(seed: int, d: int = 4):
    gen = _gen(seed)
    a, b = torch.randn(d, d, generator=gen, dtype=torch.float64), torch.randn(d, d, generator=gen, dtype=torch.float64)
    s1, s2 = a @ a.T + 0.1 * torch.eye(d, dtype=torch.float64), b @ b.T + 0.1 * torch.eye(d, dtype=torch.float64)
    m1, m2 = torch.randn(d, generator=gen, dtype=torch.float64), torch.randn(d, generator=gen, dtype=torch.float64)
    return (m1, s1, m2, s2), lambda out: {"value": _tensor(out)}


# ----------------------------------------------------------------------------- training steps
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


def _returned(out, hint: str, alternatives=()) -> dict:
    """A step's return value: a Python (or NumPy) real number, never a tensor."""
    alts = [[b, why, [float(v)]] for b, why, v in alternatives]
    if isinstance(out, numbers.Real) and not isinstance(out, bool):
        return {"type": "float", "shape": [], "values": [float(out)], "hint": hint, "alternatives": alts}
    return {"type": "tensor" if torch.is_tensor(out) else type(out).__name__, "hint": hint}


def _flag(ok: bool, hint: str) -> dict:
    return {"type": "flag", "values": [float(bool(ok))], "hint": hint}


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
        "returned": _returned(out, _RETURN, [
            *extra_value, ("returns-loss-not-estimate", "that is the loss, minus the estimate", -estimate),
            ("value-after-step", "that is the estimate after the update", after)]),
    }


def clip_step_probe(seed: int, mode: str = "step"):
    """One ``clip_critic_step`` on a non-linear critic. ``mode``: "step" (a bound so large nothing
    is clipped: the update and the value), "stale" (junk in .grad beforehand), "graph" (``fake``
    carries a generator's graph), "clip" (a small bound: the parameters after the clip)."""
    gen = _gen(seed)
    critic = _mlp(gen, 2, width=8)
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
            obs = {"generator_untouched": _flag(_no_grad_on(generator), _DETACH)} if mode == "graph" else {}
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
    gen = _gen(seed)
    lam = float(2 + 5 * torch.rand(1, generator=gen))  # never 1 or 10, which name bugs
    generator = _small_generator(gen)
    z = torch.randn(16, 3, generator=gen)
    with torch.no_grad():
        fake_points = generator(z)
    if mode == "same-points":
        critic = _mlp(gen, 2)
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
        obs = {"generator_untouched": _flag(_no_grad_on(generator), _DETACH)} if mode == "graph" else {}
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


def generator_step_probe(seed: int, stale: bool = False):
    """One ``generator_step``: the generator's update and loss, and the critic left as it was found
    (same values, still trainable). ``stale`` puts junk in the generator's .grad beforehand."""
    gen = _gen(seed)
    generator = _small_generator(gen)
    critic = _mlp(gen, 2, width=8)
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
            "critic_trainable": _flag(all(p.requires_grad for p in critic.parameters()),
                                      "[critic-left-frozen] after the step the critic's parameters no longer require "
                                      "grad: if you freeze it, restore requires_grad afterwards"),
            "critic_params": _vector(_flat(c_params), "[critic-changed] the critic's parameters changed: only the "
                                     "generator may move in its step", []),
            "update": _vector(_flat(g_params) - g_before, "the generator must move by exactly one optimizer.step() "
                              "on the gradients of -mean D(G(z))", [(b, w, -STEP_LR * v) for b, w, v in alts]),
            "returned": _returned(out, "return the loss -mean D(G(z)) from before the step, as a Python float", [
                ("generator-loss-sign", "that is mean D(G(z)), the loss with the wrong sign", -loss),
                ("value-after-step", "that is the loss after the update", after)]),
        }

    return (generator, critic, PlainSGD(g_params), z.clone()), observe


#: contract -> [(probe id, what it tests, build)]. The judge may add a special rule per probe id.
PROBES: dict[str, list[tuple[str, str, Callable]]] = {
    "gradient_penalty": [
        ("same-points", "value and weight gradient on a non-linear critic (real == fake)", gp_same_points),
        ("same-points-images", "the same on image-shaped inputs (norm over C, H, W)",
         lambda s: gp_same_points(s, images=True)),
        ("alpha", f"where the interpolates lie ({ALPHA_SAMPLES} calls): alpha ~ U(0, 1), one per sample", gp_alpha),
    ],
    "one_sided_penalty": [
        ("same-points", "value and weight gradient on a non-linear critic (real == fake)", gp_same_points),
        ("same-points-images", "the same on image-shaped inputs", lambda s: gp_same_points(s + 3, images=True)),
        ("alpha", f"where the interpolates lie ({ALPHA_SAMPLES} calls): alpha ~ U(0, 1), one per sample", gp_alpha),
    ],
    "r1_penalty": [
        ("real-points", "value and weight gradient at the real points", r1_probe),
        ("images", "the same on image-shaped inputs", lambda s: r1_probe(s, images=True)),
    ],
    "js_divergence": [
        ("random", "JS of two distributions with zero entries", js_probe),
        ("swapped", "symmetry", lambda s: ((lambda a: (a[0][1], a[0][0]))(js_probe(s)), js_probe(s)[1])),
        ("same", "JS of a distribution with itself", lambda s: ((js_probe(s)[0][0],) * 2, js_probe(s)[1])),
    ],
    "frechet_distance": [
        ("random", "two 4-D Gaussians", frechet_probe),
        ("same", "a Gaussian with itself", lambda s: ((lambda a: (a[0], a[1], a[0], a[1]))(frechet_probe(s)[0]),
                                                       frechet_probe(s)[1])),
    ],
    "critic_loss": [
        ("vectors", "value and gradients, (B,) scores, tensor penalty", critic_loss_probe),
        ("columns", "value and gradients, (B, 1) scores", lambda s: critic_loss_probe(s + 1, shape=(9, 1))),
        ("float-penalty", "a float penalty", lambda s: critic_loss_probe(s + 2, penalty_float=True)),
    ],
    "generator_loss": [
        ("vector", "value and gradient, (B,) scores", generator_loss_probe),
        ("column", "value and gradient, (B, 1) scores", lambda s: generator_loss_probe(s + 1, shape=(7, 1))),
    ],
    "clip_weights_": [
        ("nested", "every parameter clamped in place, nested layers and biases included", clip_probe),
        ("nested-2", "the same with another bound", lambda s: clip_probe(s + 1)),
    ],
    "wasserstein_1d": [
        ("random", "W1 of two random samples", w1_probe),
        ("swapped", "symmetry", lambda s: w1_probe(s, swap=True)),
        ("column", "[not-flattened] samples of shape (n, 1)", lambda s: w1_probe(s + 1, column=True)),
        ("one-point", "a single point each", lambda s: ((torch.tensor([1.0]), torch.tensor([4.0 + s % 7])),
                                                         lambda out: {"value": _tensor(out)})),
        ("unequal-sizes", "[no-size-check] samples of 3 and 4 points must raise ValueError", w1_unequal),
    ],
    "per_sample_grad_norms": [
        ("mlp", "norms for a non-linear critic, input left unchanged", norms_mlp),
        ("images", "images: the norm runs over C, H and W", norms_images),
        ("function", "a plain function and an input that carries a graph", norms_function),
        ("create-graph", "create_graph=True: the norms' gradient with respect to the critic's weights",
         norms_create_graph),
    ],
    "clip_critic_step": [
        ("update", "one update (a bound so large nothing is clipped): the parameters' move and the returned estimate",
         clip_step_probe),
        ("stale-grads", "the same with old gradients left in .grad", lambda s: clip_step_probe(s + 1, "stale")),
        ("fake-graph", "the same with a fake batch that carries the generator's graph",
         lambda s: clip_step_probe(s + 2, "graph")),
        ("clipping", "a small bound c: the parameters after the step and the clip", lambda s: clip_step_probe(s + 3, "clip")),
    ],
    "gp_critic_step": [
        ("linear", "a linear critic (the penalty is (||w|| - 1)^2 wherever the interpolates lie): the update and the "
         "returned estimate", gp_step_probe),
        ("same-points", "a non-linear critic with real == fake (every interpolate is the same point)",
         lambda s: gp_step_probe(s + 1, "same-points")),
        ("stale-grads", "the linear critic with old gradients left in .grad", lambda s: gp_step_probe(s + 2, "stale")),
        ("fake-graph", "the linear critic with a fake batch that carries the generator's graph",
         lambda s: gp_step_probe(s + 3, "graph")),
    ],
    "generator_step": [
        ("update", "the generator's update and loss, the critic left as it was found", generator_step_probe),
        ("stale-grads", "the same with old gradients left in the generator's .grad",
         lambda s: generator_step_probe(s + 1, stale=True)),
    ],
}


def contracts() -> list[str]:
    """The contracts the grader can judge by behaviour."""
    return list(PROBES)


def run_probe(fn: Callable, build: Callable, seed: int) -> Observation:
    """Call ``fn`` on the probe's inputs and observe the result (an exception is an observation too)."""
    args, observe = build(seed)
    try:
        if isinstance(args, Many):
            out = [fn(*a) for a in args.calls]
        elif isinstance(args, Call):
            out = fn(*args.args, **args.kwargs)
        else:
            out = fn(*args)
    except Exception as exc:  # noqa: BLE001 - the learner's error is what we report
        return {"raised": {"type": "raised", "name": type(exc).__name__, "message": str(exc)[:300]}}
    try:
        return observe(out)
    except Exception as exc:  # noqa: BLE001
        return {"raised": {"type": "raised", "name": type(exc).__name__, "message": str(exc)[:300]}}
