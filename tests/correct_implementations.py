"""Correct implementations of the exercise functions, written in different styles.

The self-checks must pass every one of them: a check judges behaviour, so any
reasonable way of writing the function is accepted.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.linalg
import scipy.spatial.distance
import scipy.stats
import torch
from torch import nn

from course_utils import exercises, losses, metrics, steps


def _alpha_shape(x: torch.Tensor) -> tuple[int, ...]:
    return (x.shape[0],) + (1,) * (x.dim() - 1)


# ---------------------------------------------------------------------------- gradient_penalty


def gp_grad_outputs(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """autograd.grad with grad_outputs=ones_like, view(B, -1), Tensor.norm."""
    alpha = torch.rand(_alpha_shape(real), device=real.device)
    xhat = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    scores = critic(xhat)
    (grads,) = torch.autograd.grad(
        outputs=scores, inputs=xhat, grad_outputs=torch.ones_like(scores), create_graph=True, retain_graph=True
    )
    norms = grads.view(grads.shape[0], -1).norm(2, dim=1)
    return ((norms - 1) ** 2).mean()


def gp_summed_scores(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Differentiate the summed scores; torch.linalg.vector_norm over the flattened sample."""
    alpha = torch.rand(real.size(0), *([1] * (real.dim() - 1)))
    xhat = alpha * real.detach() + (1 - alpha) * fake.detach()
    xhat.requires_grad_()
    grads = torch.autograd.grad(critic(xhat).sum(), xhat, create_graph=True)[0]
    norms = torch.linalg.vector_norm(grads.flatten(start_dim=1), ord=2, dim=1)
    return torch.mean((norms - 1.0) ** 2)


def gp_lerp(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """torch.lerp for the interpolates, alpha built by expanding a (B,) vector."""
    alpha = torch.rand(real.shape[0]).view(-1, *[1] * (real.dim() - 1)).expand_as(real)
    xhat = torch.lerp(fake.detach(), real.detach(), alpha).requires_grad_(True)
    scores = critic(xhat)
    grads = torch.autograd.grad(scores, xhat, torch.ones_like(scores), create_graph=True)[0]
    return ((grads.reshape(len(grads), -1).norm(dim=1) - 1).pow(2)).mean()


def gp_manual_sqrt(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Norm computed by hand with an epsilon inside the square root; alpha on the fake side."""
    batch = real.shape[0]
    alpha = torch.rand(batch, 1, device=real.device).reshape(_alpha_shape(real))
    xhat = alpha * fake.detach() + (1 - alpha) * real.detach()
    xhat.requires_grad_(True)
    scores = critic(xhat)
    grads = torch.autograd.grad(scores, xhat, grad_outputs=torch.ones(scores.shape), create_graph=True)[0]
    flat = grads.reshape(batch, -1)
    norms = torch.sqrt(torch.sum(flat**2, dim=1) + 1e-12)
    return ((norms - 1) ** 2).mean()


def gp_numpy_alpha(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """alpha drawn with NumPy (its own generator), converted to the data's dtype."""
    alpha_np = np.random.random(_alpha_shape(real))
    alpha = torch.as_tensor(alpha_np, dtype=real.dtype, device=real.device)
    xhat = (alpha * real + (1 - alpha) * fake).detach().requires_grad_(True)
    scores = critic(xhat)
    (grads,) = torch.autograd.grad(scores, [xhat], grad_outputs=[torch.ones_like(scores)], create_graph=True)
    return ((grads.flatten(1).norm(p=2, dim=1) - 1) ** 2).mean()


def gp_alpha_requires_grad(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """alpha itself requires grad, so the interpolates are tracked without requires_grad_ on them."""
    alpha = torch.rand(_alpha_shape(real), requires_grad=True)
    xhat = alpha * real.detach() + (1 - alpha) * fake.detach()
    scores = critic(xhat)
    (grads,) = torch.autograd.grad(scores, xhat, grad_outputs=torch.ones_like(scores), create_graph=True)
    return ((grads.flatten(1).norm(dim=1) - 1) ** 2).mean()


def gp_torch_func(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """torch.func.grad of a single-sample score, vectorised with torch.func.vmap."""
    alpha = torch.rand(_alpha_shape(real))
    xhat = alpha * real.detach() + (1 - alpha) * fake.detach()

    def score_one(x: torch.Tensor) -> torch.Tensor:
        return critic(x.unsqueeze(0)).squeeze()

    grads = torch.func.vmap(torch.func.grad(score_one))(xhat)
    return ((grads.flatten(1).norm(dim=1) - 1) ** 2).mean()


def gp_fake_keeps_graph(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """No detach anywhere: the interpolates may carry the generator's graph (harmless for the critic step)."""
    alpha = torch.rand(_alpha_shape(real))
    xhat = alpha * real + (1 - alpha) * fake
    xhat.requires_grad_(True)
    scores = critic(xhat)
    grads = torch.autograd.grad(scores, xhat, grad_outputs=torch.ones_like(scores), create_graph=True)[0]
    return ((grads.reshape(grads.size(0), -1).norm(2, dim=1) - 1) ** 2).mean()


def gp_per_sample_loop(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """One torch.func.grad call per sample, in a Python loop (slow, but correct)."""
    alpha = torch.rand(_alpha_shape(real))
    xhat = alpha * real.detach() + (1 - alpha) * fake.detach()
    terms = []
    for x in xhat:
        g = torch.func.grad(lambda v: critic(v.unsqueeze(0)).sum())(x)
        terms.append((g.norm() - 1) ** 2)
    return torch.stack(terms).mean()


GRADIENT_PENALTY: dict[str, Callable] = {
    "reference": losses.gradient_penalty,
    "grad_outputs": gp_grad_outputs,
    "summed_scores_vector_norm": gp_summed_scores,
    "lerp": gp_lerp,
    "manual_sqrt_epsilon": gp_manual_sqrt,
    "numpy_alpha": gp_numpy_alpha,
    "alpha_requires_grad": gp_alpha_requires_grad,
    "torch_func_vmap": gp_torch_func,
    "fake_keeps_generator_graph": gp_fake_keeps_graph,
    "per_sample_loop": gp_per_sample_loop,
}


# ---------------------------------------------------------------------------- losses


def critic_loss_torch_mean(real_scores, fake_scores, penalty, lambda_gp):
    return torch.mean(fake_scores) - torch.mean(real_scores) + lambda_gp * penalty


def critic_loss_negated_estimate(real_scores, fake_scores, penalty, lambda_gp):
    wasserstein = real_scores.mean() - fake_scores.mean()
    return -wasserstein + penalty * lambda_gp


def critic_loss_difference_of_scores(real_scores, fake_scores, penalty, lambda_gp):
    return (fake_scores.flatten() - real_scores.flatten()).mean() + lambda_gp * penalty


CRITIC_LOSS: dict[str, Callable] = {
    "reference": losses.critic_loss,
    "torch_mean": critic_loss_torch_mean,
    "negated_estimate": critic_loss_negated_estimate,
    "difference_of_scores": critic_loss_difference_of_scores,
}

GENERATOR_LOSS: dict[str, Callable] = {
    "reference": losses.generator_loss,
    "torch_mean": lambda fake_scores: -torch.mean(fake_scores),
    "neg": lambda fake_scores: fake_scores.mean().neg(),
    "sum_over_numel": lambda fake_scores: -fake_scores.sum() / fake_scores.numel(),
}


# ---------------------------------------------------------------------------- clip_weights_


def clip_data_clamp(critic: nn.Module, c: float) -> None:
    for p in critic.parameters():
        p.data.clamp_(-c, c)


def clip_copy(critic: nn.Module, c: float) -> None:
    with torch.no_grad():
        for p in critic.parameters():
            p.copy_(torch.clamp(p, min=-c, max=c))


def clip_assign_data(critic: nn.Module, c: float) -> None:
    for _, p in critic.named_parameters():
        p.data = p.data.clamp(-c, c)


def clip_modules(critic: nn.Module, c: float) -> None:
    with torch.no_grad():
        for module in critic.modules():
            for p in module.parameters(recurse=False):
                p.clamp_(-c, c)


def clip_state_dict(critic: nn.Module, c: float) -> None:
    # state_dict() tensors share storage with the parameters, so clamping them in place clips the model
    for value in critic.state_dict().values():
        value.clamp_(-c, c)


CLIP_WEIGHTS: dict[str, Callable] = {
    "reference": losses.clip_weights_,
    "data_clamp": clip_data_clamp,
    "copy": clip_copy,
    "assign_data": clip_assign_data,
    "modules": clip_modules,
    "state_dict": clip_state_dict,
}


# ---------------------------------------------------------------------------- wasserstein_1d


def w1_numpy(x, y) -> torch.Tensor:
    a, b = np.ravel(np.asarray(x)), np.ravel(np.asarray(y))
    if a.size != b.size:
        raise ValueError(f"sizes differ: {a.size} and {b.size}")
    return torch.tensor(np.mean(np.abs(np.sort(a) - np.sort(b))))


def w1_sort_values(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    x, y = x.reshape(-1), y.reshape(-1)
    if len(x) != len(y):
        raise ValueError(f"need samples of equal size, got {len(x)} and {len(y)}")
    xs, _ = torch.sort(x)
    ys, _ = torch.sort(y)
    return torch.mean(torch.abs(xs - ys))


def w1_scipy(x, y) -> torch.Tensor:
    if np.asarray(x).size != np.asarray(y).size:
        raise ValueError("the two samples must have the same size")
    return torch.as_tensor(scipy.stats.wasserstein_distance(np.ravel(x), np.ravel(y)))


def w1_sort_method(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    x, y = x.flatten(), y.flatten()
    if x.numel() != y.numel():
        raise ValueError(f"{x.numel()} != {y.numel()}")
    return torch.mean(torch.abs(x.sort()[0] - y.sort()[0]))


WASSERSTEIN_1D: dict[str, Callable] = {
    "reference": metrics.wasserstein_1d,
    "numpy": w1_numpy,
    "sort_values": w1_sort_values,
    "scipy": w1_scipy,
    "sort_method": w1_sort_method,
}


# ---------------------------------------------------------------------------- per_sample_grad_norms


def norms_grad_outputs(f: Callable, x: torch.Tensor, create_graph: bool = False) -> torch.Tensor:
    x = x.detach().requires_grad_(True)
    out = f(x)
    (g,) = torch.autograd.grad(out, x, grad_outputs=torch.ones_like(out), create_graph=create_graph)
    return g.reshape(x.shape[0], -1).norm(dim=1)


def norms_vector_norm(f: Callable, x: torch.Tensor, create_graph: bool = False) -> torch.Tensor:
    x = x.clone().requires_grad_()
    (g,) = torch.autograd.grad(f(x).sum(), x, create_graph=create_graph, retain_graph=create_graph)
    return torch.linalg.vector_norm(g.flatten(1), dim=1)


def norms_torch_func(f: Callable, x: torch.Tensor, create_graph: bool = False) -> torch.Tensor:
    """torch.func builds the graph through f's parameters whatever create_graph says."""
    grads = torch.func.vmap(torch.func.grad(lambda v: f(v.unsqueeze(0)).sum()))(x)
    return grads.flatten(1).pow(2).sum(dim=1).sqrt()


PER_SAMPLE_GRAD_NORMS: dict[str, Callable] = {
    "reference": losses.input_gradient_norms,
    "grad_outputs": norms_grad_outputs,
    "vector_norm": norms_vector_norm,
    "torch_func": norms_torch_func,
}


# ---------------------------------------------------------------------------- one_sided_penalty, r1_penalty


def _interpolates(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    alpha = torch.rand(_alpha_shape(real))
    return (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)


def one_sided_relu(critic, real, fake):
    x = _interpolates(real, fake)
    scores = critic(x)
    (g,) = torch.autograd.grad(scores, x, torch.ones_like(scores), create_graph=True)
    return (torch.relu(g.flatten(1).norm(dim=1) - 1) ** 2).mean()


def one_sided_clamp_numpy_alpha(critic, real, fake):
    alpha = torch.from_numpy(np.random.uniform(size=_alpha_shape(real))).to(real.dtype)
    x = torch.lerp(fake.detach(), real.detach(), alpha).requires_grad_()
    (g,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
    return (g.reshape(len(g), -1).norm(dim=1) - 1).clamp(min=0).pow(2).mean()


ONE_SIDED_PENALTY: dict[str, Callable] = {
    "reference": losses.one_sided_penalty,
    "relu": one_sided_relu,
    "clamp_numpy_alpha": one_sided_clamp_numpy_alpha,
}


def r1_grad_outputs(critic, real):
    x = real.detach().requires_grad_(True)
    scores = critic(x)
    (g,) = torch.autograd.grad(scores, x, grad_outputs=torch.ones_like(scores), create_graph=True)
    return g.view(g.size(0), -1).pow(2).sum(1).mean()


def r1_squared_norm(critic, real):
    x = real.clone().detach().requires_grad_()
    (g,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
    return (torch.linalg.vector_norm(g.flatten(1), dim=1) ** 2).mean()


R1_PENALTY: dict[str, Callable] = {
    "reference": losses.r1_penalty,
    "grad_outputs": r1_grad_outputs,
    "squared_norm": r1_squared_norm,
}


# ---------------------------------------------------------------------------- frechet_distance, js_divergence


def js_numpy_mask(p, q) -> float:
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    m = (p + q) / 2
    kl = lambda a: float(np.sum(a[a > 0] * np.log(a[a > 0] / m[a > 0])))  # noqa: E731
    return 0.5 * kl(p) + 0.5 * kl(q)


def js_torch_xlogy(p, q) -> float:
    p, q = torch.as_tensor(p, dtype=torch.float64), torch.as_tensor(q, dtype=torch.float64)
    m = (p + q) / 2
    return float(
        0.5 * (torch.xlogy(p, p) - torch.xlogy(p, m)).sum() + 0.5 * (torch.xlogy(q, q) - torch.xlogy(q, m)).sum()
    )


def js_scipy(p, q) -> float:
    return float(scipy.spatial.distance.jensenshannon(np.asarray(p), np.asarray(q)) ** 2)


def js_torch_float32(p, q) -> float:
    """Single precision throughout: correct to about 1e-7, which is all the exercise asks."""
    p, q = torch.as_tensor(p).float(), torch.as_tensor(q).float()
    m = (p + q) / 2
    return float(sum(0.5 * torch.sum(u[u > 0] * torch.log(u[u > 0] / m[u > 0])) for u in (p, q)))


JS_DIVERGENCE: dict[str, Callable] = {
    "reference": metrics.js_divergence,
    "numpy_mask": js_numpy_mask,
    "torch_xlogy": js_torch_xlogy,
    "scipy": js_scipy,
    "torch_float32": js_torch_float32,
}


# ---------------------------------------------------------------------------- training steps


def clip_step_optimizer_zero_grad(critic, optimizer, real, fake, c):
    optimizer.zero_grad()
    real_scores, fake_scores = critic(real), critic(fake.detach())
    loss = fake_scores.mean() - real_scores.mean()
    loss.backward()
    optimizer.step()
    for p in critic.parameters():
        p.data.clamp_(-c, c)
    return -loss.item()


def clip_step_concatenated(critic, optimizer, real, fake, c):
    critic.zero_grad()
    scores = critic(torch.cat([real, fake.detach()]))
    estimate = scores[: len(real)].mean() - scores[len(real) :].mean()
    (-estimate).backward()
    optimizer.step()
    with torch.no_grad():
        for p in critic.parameters():
            p.copy_(p.clamp(-c, c))
    return estimate.item()


CLIP_CRITIC_STEP: dict[str, Callable] = {
    "reference": steps.clip_critic_step,
    "optimizer_zero_grad": clip_step_optimizer_zero_grad,
    "concatenated": clip_step_concatenated,
}


def gp_step_own_penalty(critic, optimizer, real, fake, lambda_gp):
    optimizer.zero_grad(set_to_none=False)
    fake = fake.detach()
    d_real, d_fake = critic(real).mean(), critic(fake).mean()
    penalty = gp_numpy_alpha(critic, real, fake)
    (d_fake - d_real + lambda_gp * penalty).backward()
    optimizer.step()
    return (d_real - d_fake).item()


def gp_step_critic_loss(critic, optimizer, real, fake, lambda_gp):
    critic.zero_grad()
    real_scores, fake_scores = critic(real), critic(fake.detach())
    loss = losses.critic_loss(real_scores, fake_scores, gp_lerp(critic, real, fake), lambda_gp)
    loss.backward()
    optimizer.step()
    return float(real_scores.mean() - fake_scores.mean())


GP_CRITIC_STEP: dict[str, Callable] = {
    "reference": steps.gp_critic_step,
    "own_penalty": gp_step_own_penalty,
    "critic_loss": gp_step_critic_loss,
}


def generator_step_no_freeze(generator, critic, optimizer, z):
    optimizer.zero_grad()
    loss = -critic(generator(z)).mean()
    loss.backward()
    optimizer.step()
    return loss.item()


def generator_step_freeze_unfreeze(generator, critic, optimizer, z):
    flags = [p.requires_grad for p in critic.parameters()]  # restored as found (not all switched on)
    for p in critic.parameters():
        p.requires_grad = False
    generator.zero_grad()
    loss = losses.generator_loss(critic(generator(z)))
    loss.backward()
    optimizer.step()
    for p, flag in zip(critic.parameters(), flags, strict=True):
        p.requires_grad = flag
    return float(loss)


GENERATOR_STEP: dict[str, Callable] = {
    "reference": steps.generator_step,
    "no_freeze": generator_step_no_freeze,
    "freeze_unfreeze": generator_step_freeze_unfreeze,
}


def _unmarked(fn: Callable) -> Callable:
    """The reference's behaviour in a plain function (the marked reference itself is reported as such)."""

    def same_as_reference(*args, **kwargs):
        return fn(*args, **kwargs)

    return same_as_reference


#: exercise name -> style -> correct implementation (the registry's exercises with a contract of their own).
CORRECT: dict[str, dict[str, Callable]] = {
    name: {style: _unmarked(fn) if style == "reference" else fn for style, fn in styles.items()}
    for name, styles in {
        "gradient_penalty": GRADIENT_PENALTY,
        "critic_loss": CRITIC_LOSS,
        "generator_loss": GENERATOR_LOSS,
        "clip_weights_": CLIP_WEIGHTS,
        "wasserstein_1d": WASSERSTEIN_1D,
        "per_sample_grad_norms": PER_SAMPLE_GRAD_NORMS,
        "one_sided_penalty": ONE_SIDED_PENALTY,
        "r1_penalty": R1_PENALTY,
        "js_divergence": JS_DIVERGENCE,
        "clip_critic_step": CLIP_CRITIC_STEP,
        "gp_critic_step": GP_CRITIC_STEP,
        "generator_step": GENERATOR_STEP,
    }.items()
}

# An exercise module (course_utils/exercises/<name>.py) may hold its own correct versions (CORRECT: style -> function).
for _module in exercises.exercise_modules():
    if hasattr(_module, "CORRECT"):
        _name = _module.EXERCISE.name
        CORRECT[_name] = {"reference": _unmarked(_module.EXERCISE.reference), **_module.CORRECT}
