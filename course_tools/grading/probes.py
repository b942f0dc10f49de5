"""The inputs the trusted grader chooses, and what it observes of a function's answers.

This module is imported twice: by the sandboxed worker, which calls the learner's
function on each probe and sends back the observations, and by the trusted process,
which calls the course's reference on the same probes (rebuilt from the same secret
seed) and compares. It imports torch only (never ``course_utils``), so the sandbox
needs nothing of the course. A probe is ``build(seed) -> (args, observe)``; ``observe``
turns the function's result into ``{name: list-of-floats or scalar}``. The shared kit is in
:mod:`.probe_kit`, the training steps' probes in :mod:`.step_probes`.

Used by ``course_tools.grading.judge`` (trusted) and ``course_tools.grading.worker`` (sandbox).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from .probe_kit import Call, Many, Observation, as_data, flag, grads_data, random_mlp, returned_number, seeded
from .step_probes import STEP_LR, PlainSGD, clip_step_probe, generator_step_probe, gp_step_probe

__all__ = ["ALPHA_SAMPLES", "BATCH", "BATCH_CALLS", "PROBES", "Call", "STEP_LR", "Many", "Observation", "PlainSGD",
           "Quadratic", "alphas_from", "contracts", "run_probe"]

#: Single-sample calls in the alpha-distribution probe of ``gradient_penalty``...
ALPHA_SAMPLES = 600
#: ...then calls with batches of BATCH samples (their spread shows one alpha per sample).
BATCH_CALLS, BATCH = 100, 16


# ----------------------------------------------------------------------------- gradient_penalty
def gp_same_points(seed: int, images: bool = False):
    """real == fake, so every interpolate is the same point whatever alpha is: the value and its
    gradient with respect to the critic's weights are fixed (a non-linear critic, varied norms)."""
    gen = seeded(seed)
    if images:
        x = torch.randn(6, 3, 4, 4, generator=gen)
        critic = random_mlp(gen, 48, flatten=True)
    else:
        x = torch.randn(64, 2, generator=gen) * 1.5
        critic = random_mlp(gen, 2)
    params = list(critic.parameters())

    def observe(out):
        untouched = weights_grad_untouched(critic)  # before grads_data: it uses autograd.grad, which fills no .grad
        return {"value": as_data(out), "d_weights": grads_data(out, params), "weights_grad_untouched": untouched}

    return (critic, x.clone(), x.clone()), observe


def gp_zero_critic(seed: int):
    """A critic with all weights zero: its input gradient is 0 everywhere, where a bare ``sqrt`` of the
    squared norm has an infinite derivative, so the penalty's gradient with respect to the weights is nan.
    The course's norm (or ``sqrt(... + eps)``) gives a finite one."""
    gen = seeded(seed)
    critic = nn.Linear(2, 1)
    with torch.no_grad():
        critic.weight.zero_()
        critic.bias.zero_()
    real, fake = torch.randn(16, 2, generator=gen), torch.randn(16, 2, generator=gen)
    params = list(critic.parameters())
    hint = ("[sqrt-without-epsilon] the penalty's gradient is not finite where the critic's input gradient is 0: "
            "use torch.linalg.vector_norm (or sqrt(sum of squares + 1e-12))")

    def observe(out):
        return {"value": as_data(out), "d_weights": {**grads_data(out, params), "hint": hint}}

    return (critic, real, fake), observe


def weights_grad_untouched(net: nn.Module) -> dict:
    """A flag: no parameter of ``net`` has a ``.grad`` (the input gradient was not taken with ``.backward()``)."""
    return flag(all(p.grad is None for p in net.parameters()))


class Quadratic(nn.Module):
    """Scores ``0.5 * ||x_i||^2``: the input gradient at x is x itself, so a penalty's value
    tells how far from the origin the interpolate was, hence where on its segment it lay."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * (x.flatten(1) ** 2).sum(1, keepdim=True)


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
                return {"value": as_data(out)}
            vals.append(float(out.detach()))
        return {"values": {"type": "values", "values": vals}}

    return Many(calls), observe


def alphas_from(values: list[float]) -> torch.Tensor:
    """Invert the alpha probe's single-sample penalties: u = 1 + alpha = (sqrt(v) + 1) / sqrt2."""
    v = torch.tensor(values, dtype=torch.float64)
    return (torch.sqrt(torch.clamp(v, min=0)) + 1) / math.sqrt(2.0) - 1


# ----------------------------------------------------------------------------- losses
def critic_loss_probe(seed: int, shape=(16,), penalty_float: bool = False):
    gen = seeded(seed)
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
        return {"value": as_data(out), "d_inputs": grads_data(out, inputs)}

    return (r, f, pen, lam), observe


def generator_loss_probe(seed: int, shape=(10,)):
    gen = seeded(seed)
    s = (torch.randn(*shape, generator=gen) * 3).requires_grad_(True)

    def observe(out):
        return {"value": as_data(out), "d_scores": grads_data(out, [s])}

    return (s,), observe


# ----------------------------------------------------------------------------- clip_weights_
def clip_probe(seed: int):
    gen = seeded(seed)
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
        return {"returned": as_data(out), "params": as_data(torch.cat([p.detach().flatten() for p in now])),
                "same_objects": flag(same and leaves)}

    return (net, c), observe


# ----------------------------------------------------------------------------- wasserstein_1d
def w1_probe(seed: int, column: bool = False, swap: bool = False, n: int = 300):
    gen = seeded(seed)
    u, v = torch.randn(n, generator=gen), 2 * torch.randn(n, generator=gen) + 0.3
    if column:
        u, v = u[:, None], v[:, None]
    if swap:
        u, v = v, u
    before = (u.clone(), v.clone())

    def observe(out):
        kept = torch.equal(u, before[0]) and torch.equal(v, before[1])
        return {"value": as_data(out), "inputs_kept": flag(kept),
                "returns_tensor": flag(torch.is_tensor(out))}

    return (u, v), observe


def w1_unequal(seed: int):
    """Samples of different sizes: the reference raises ValueError (truncating would hide the mistake)."""
    gen = seeded(seed)
    return (torch.randn(3, generator=gen), torch.randn(4, generator=gen)), lambda out: {"value": as_data(out)}


# ----------------------------------------------------------------------------- per_sample_grad_norms
def norms_mlp(seed: int):
    gen = seeded(seed)
    net = random_mlp(gen, 2)
    x = torch.randn(12, 2, generator=gen)
    x0 = x.clone()

    def observe(out):
        kept = torch.equal(x, x0) and not x.requires_grad
        return {"value": as_data(out), "input_kept": flag(kept),
                "weights_grad_untouched": weights_grad_untouched(net)}

    return (net, x), observe


def norms_create_graph(seed: int):
    """``create_graph=True``: the norms must stay differentiable with respect to the critic's weights
    (the gradient penalty differentiates them)."""
    gen = seeded(seed)
    net = random_mlp(gen, 2)
    x = torch.randn(12, 2, generator=gen)
    params = list(net.parameters())
    hint = ("[create-graph-missing / result-detached] with create_graph=True the norms must stay differentiable "
            "with respect to the critic's weights: pass create_graph to torch.autograd.grad and do not detach "
            "the result")

    def observe(out):
        total = out.sum() if torch.is_tensor(out) else out
        return {"value": as_data(out), "d_weights": {**grads_data(total, params), "hint": hint}}

    return Call(net, x, create_graph=True), observe


def norms_images(seed: int):
    gen = seeded(seed)
    net = random_mlp(gen, 48, width=8, flatten=True)
    x = torch.randn(5, 3, 4, 4, generator=gen)
    return (net, x), lambda out: {"value": as_data(out)}


def norms_function(seed: int):
    gen = seeded(seed)
    w = torch.randn(2, 1, generator=gen)
    x = (torch.randn(8, 2, generator=gen) * 2).requires_grad_(True) * 1.0  # carries a graph
    return ((lambda z: torch.sin(z @ w)[:, 0] * 3), x), lambda out: {"value": as_data(out)}  # (B,) scores


# ----------------------------------------------------------------------------- notebooks 01, 08, 09
def r1_probe(seed: int, images: bool = False):
    """The same critic and points as ``gp_same_points`` (R1 is deterministic: no interpolates)."""
    (critic, x, _), observe = gp_same_points(seed, images)
    return (critic, x), observe


def js_probe(seed: int, n: int = 12):
    gen = seeded(seed)
    p, q = torch.rand(n, generator=gen, dtype=torch.float64), torch.rand(n, generator=gen, dtype=torch.float64)
    p[:3], q[3:5] = 0.0, 0.0  # zero probabilities contribute nothing
    return (p / p.sum(), q / q.sum()), lambda out: {"value": returned_number(out, "return JS as a Python float")}


def frechet_probe(seed: int, d: int = 4):
    gen = seeded(seed)
    a, b = torch.randn(d, d, generator=gen, dtype=torch.float64), torch.randn(d, d, generator=gen, dtype=torch.float64)
    s1, s2 = a @ a.T + 0.1 * torch.eye(d, dtype=torch.float64), b @ b.T + 0.1 * torch.eye(d, dtype=torch.float64)
    m1, m2 = torch.randn(d, generator=gen, dtype=torch.float64), torch.randn(d, generator=gen, dtype=torch.float64)
    return (m1, s1, m2, s2), lambda out: {"value": as_data(out)}


#: contract -> [(probe id, what it tests, build)]. The judge may add a special rule per probe id.
PROBES: dict[str, list[tuple[str, str, Callable]]] = {
    "gradient_penalty": [
        ("same-points", "value and weight gradient on a non-linear critic (real == fake)", gp_same_points),
        ("same-points-images", "the same on image-shaped inputs (norm over C, H, W)",
         lambda s: gp_same_points(s, images=True)),
        ("alpha", f"where the interpolates lie ({ALPHA_SAMPLES} calls): alpha ~ U(0, 1), one per sample", gp_alpha),
        ("zero-critic", "a critic with zero weights: the penalty's gradient must stay finite", gp_zero_critic),
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
                                                         lambda out: {"value": as_data(out)})),
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
        ("frozen-layer", "a critic with one parameter frozen by the caller: every requires_grad flag as found",
         lambda s: generator_step_probe(s + 2, frozen=True)),
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
