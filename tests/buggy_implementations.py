"""One or more buggy implementation for every entry of the bug catalog.

Each :class:`Buggy` names the exercise, the catalog id the self-check must
report, and the function. ``tests/test_checks.py`` checks that every
(bug, exercise) pair of :mod:`course_utils.bugs` has at least one entry here and
that the check reports exactly that id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import scipy.linalg
import scipy.spatial.distance
import scipy.special
import torch
import torch.nn.functional as F
from torch import nn

from course_utils import bugs, exercises


class Buggy(NamedTuple):
    exercise: str
    bug: str
    fn: Any  # usually a function; "not-callable" entries hold something else on purpose
    label: str


BUGGY: list[Buggy] = []


def buggy(exercise: str, bug: str) -> Callable[[Callable], Callable]:
    """Register the decorated function as a buggy ``exercise`` that must be flagged as ``bug``."""

    def register(fn: Callable) -> Callable:
        BUGGY.append(Buggy(exercise, bug, fn, fn.__name__))
        return fn

    return register


# ---------------------------------------------------------------------------- shared pieces


def _alpha(x: torch.Tensor) -> torch.Tensor:
    return torch.rand(x.shape[0], *[1] * (x.dim() - 1))


def _points(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    alpha = _alpha(real)
    return (alpha * real + (1 - alpha) * fake).detach().requires_grad_(True)


def _input_grads(critic: nn.Module, x: torch.Tensor, create_graph: bool = True) -> torch.Tensor:
    scores = critic(x)
    return torch.autograd.grad(scores, x, grad_outputs=torch.ones_like(scores), create_graph=create_graph)[0]


def _norms(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return _input_grads(critic, _points(real, fake)).flatten(1).norm(dim=1)


# ---------------------------------------------------------------------------- generic mistakes, every exercise


def _generic(exercise: str) -> None:
    """Register the mistakes that any exercise can have."""

    def stub(*args: Any) -> Any:
        raise NotImplementedError("Replace this line with your code.")

    def crashes(*args: Any) -> Any:
        return {}["missing key"]

    BUGGY.append(Buggy(exercise, "not-callable", 42, "an int instead of a function"))
    BUGGY.append(Buggy(exercise, "not-callable", None, "None instead of a function"))
    BUGGY.append(Buggy(exercise, "not-implemented", stub, "student stub"))
    BUGGY.append(Buggy(exercise, "raised-exception", crashes, "raises KeyError"))


CONTRACTS = [name for name, ex in exercises.EXERCISES.items() if ex.follows is None]

for _exercise in CONTRACTS:
    _generic(_exercise)


def _returns(exercise: str, bug: str, value: Any, label: str) -> None:
    BUGGY.append(Buggy(exercise, bug, lambda *args: value, label))


for _exercise in CONTRACTS:
    # the marked reference itself: the check must say it is the course's, never praise it
    BUGGY.append(Buggy(_exercise, "reference-in-use", exercises.get(_exercise).reference, "the course's reference"))
    if _exercise in bugs.get_bug("returned-none").exercises:
        _returns(_exercise, "returned-none", None, "returns None")
        _returns(_exercise, "wrong-type", "0.5", "returns a string")
    if _exercise in bugs.get_bug("wrong-shape").exercises and _exercise != "per_sample_grad_norms":
        _returns(_exercise, "wrong-shape", torch.zeros(3), "returns a vector")


# ---------------------------------------------------------------------------- gradient_penalty


@buggy("gradient_penalty", "missing-requires-grad")
def gp_missing_requires_grad(critic, real, fake):
    alpha = _alpha(real)
    xhat = alpha * real.detach() + (1 - alpha) * fake.detach()  # never marked as requiring grad
    scores = critic(xhat)
    grads = torch.autograd.grad(scores, xhat, grad_outputs=torch.ones_like(scores), create_graph=True)[0]
    return ((grads.flatten(1).norm(dim=1) - 1) ** 2).mean()


@buggy("gradient_penalty", "missing-requires-grad")
def gp_missing_requires_grad_keeps_fake_graph(critic, real, fake):
    """Works by accident only while `fake` carries the generator's graph."""
    alpha = _alpha(real)
    xhat = alpha * real + (1 - alpha) * fake
    scores = critic(xhat)
    grads = torch.autograd.grad(scores, xhat, grad_outputs=torch.ones_like(scores), create_graph=True)[0]
    return ((grads.flatten(1).norm(dim=1) - 1) ** 2).mean()


@buggy("gradient_penalty", "grad-outputs-missing")
def gp_no_grad_outputs(critic, real, fake):
    x = _points(real, fake)
    grads = torch.autograd.grad(critic(x), x, create_graph=True)[0]
    return ((grads.flatten(1).norm(dim=1) - 1) ** 2).mean()


@buggy("gradient_penalty", "per-element-norm")
def gp_per_element_norm(critic, real, fake):
    grads = _input_grads(critic, _points(real, fake)).view(-1, 1)
    return ((grads.norm(2, dim=1) - 1) ** 2).mean()


@buggy("gradient_penalty", "unflattened-norm")
def gp_unflattened_norm(critic, real, fake):
    grads = _input_grads(critic, _points(real, fake))
    return ((grads.norm(2, dim=1) - 1) ** 2).mean()


@buggy("gradient_penalty", "norm-over-whole-batch")
def gp_norm_over_whole_batch(critic, real, fake):
    return (_input_grads(critic, _points(real, fake)).norm() - 1) ** 2


@buggy("gradient_penalty", "norm-over-batch-dim")
def gp_norm_over_batch_dim(critic, real, fake):
    grads = _input_grads(critic, _points(real, fake)).flatten(1)
    return ((grads.norm(2, dim=0) - 1) ** 2).mean()


@buggy("gradient_penalty", "create-graph-missing")
def gp_create_graph_missing(critic, real, fake):
    grads = _input_grads(critic, _points(real, fake), create_graph=False)
    return ((grads.flatten(1).norm(dim=1) - 1) ** 2).mean()


@buggy("gradient_penalty", "result-detached")
def gp_detached(critic, real, fake):
    return ((_norms(critic, real, fake) - 1) ** 2).mean().detach()


@buggy("gradient_penalty", "result-detached")
def gp_item(critic, real, fake):
    return ((_norms(critic, real, fake) - 1) ** 2).mean().item()


@buggy("gradient_penalty", "wrong-gradient")
def gp_fresh_leaf(critic, real, fake):
    """A 'fix' for a detached result that only hides it: a new leaf has no path to the critic."""
    return ((_norms(critic, real, fake) - 1) ** 2).mean().detach().requires_grad_(True)


@buggy("gradient_penalty", "wrong-value")
def gp_cubed(critic, real, fake):
    return ((_norms(critic, real, fake) - 1).abs() ** 3).mean()


@buggy("gradient_penalty", "alpha-per-element")
def gp_alpha_per_element(critic, real, fake):
    alpha = torch.rand_like(real)
    x = (alpha * real + (1 - alpha) * fake).detach().requires_grad_(True)
    return ((_input_grads(critic, x).flatten(1).norm(dim=1) - 1) ** 2).mean()


@buggy("gradient_penalty", "one-alpha-for-batch")
def gp_one_alpha(critic, real, fake):
    alpha = torch.rand(1)
    x = (alpha * real + (1 - alpha) * fake).detach().requires_grad_(True)
    return ((_input_grads(critic, x).flatten(1).norm(dim=1) - 1) ** 2).mean()


def _gp_with_alpha(alpha_of: Callable[[torch.Tensor], torch.Tensor]) -> Callable:
    def penalty(critic, real, fake):
        alpha = alpha_of(real)
        x = (alpha * real + (1 - alpha) * fake).detach().requires_grad_(True)
        return ((_input_grads(critic, x).flatten(1).norm(dim=1) - 1) ** 2).mean()

    return penalty


def _shape(x: torch.Tensor) -> tuple[int, ...]:
    return (x.shape[0],) + (1,) * (x.dim() - 1)


for _label, _alpha_of in {
    "gaussian alpha (randn)": lambda x: torch.randn(_shape(x)),
    "alpha fixed at 0.5": lambda x: torch.full(_shape(x), 0.5),
    "alpha uniform on [0, 0.5]": lambda x: 0.5 * torch.rand(_shape(x)),
    "alpha = u ** 2": lambda x: torch.rand(_shape(x)) ** 2,
}.items():
    BUGGY.append(Buggy("gradient_penalty", "alpha-not-uniform", _gp_with_alpha(_alpha_of), _label))


@buggy("gradient_penalty", "alpha-wrong-shape")
def gp_alpha_vector(critic, real, fake):
    alpha = torch.rand(real.shape[0])  # (B,) broadcasts against the last dimension
    x = (alpha * real + (1 - alpha) * fake).detach().requires_grad_(True)
    return ((_input_grads(critic, x).flatten(1).norm(dim=1) - 1) ** 2).mean()


@buggy("gradient_penalty", "alpha-wrong-shape")
def gp_alpha_column(critic, real, fake):
    alpha = torch.rand(real.shape[0], 1)  # fine for points, wrong for images
    x = (alpha * real + (1 - alpha) * fake).detach().requires_grad_(True)
    return ((_input_grads(critic, x).flatten(1).norm(dim=1) - 1) ** 2).mean()


@buggy("gradient_penalty", "interpolate-off-segment")
def gp_weights_do_not_sum_to_one(critic, real, fake):
    alpha = _alpha(real)
    x = (alpha * real + fake).detach().requires_grad_(True)
    return ((_input_grads(critic, x).flatten(1).norm(dim=1) - 1) ** 2).mean()


@buggy("gradient_penalty", "gradient-at-real")
def gp_at_real(critic, real, fake):
    x = real.detach().requires_grad_(True)
    return ((_input_grads(critic, x).flatten(1).norm(dim=1) - 1) ** 2).mean()


@buggy("gradient_penalty", "gradient-at-fake")
def gp_at_fake(critic, real, fake):
    x = fake.detach().clone().requires_grad_(True)
    return ((_input_grads(critic, x).flatten(1).norm(dim=1) - 1) ** 2).mean()


@buggy("gradient_penalty", "mean-before-gradient")
def gp_mean_before_gradient(critic, real, fake):
    x = _points(real, fake)
    grads = torch.autograd.grad(critic(x).mean(), x, create_graph=True)[0]
    return ((grads.flatten(1).norm(dim=1) - 1) ** 2).mean()


@buggy("gradient_penalty", "squared-norm")
def gp_squared_norm(critic, real, fake):
    grads = _input_grads(critic, _points(real, fake)).flatten(1)
    return (((grads**2).sum(dim=1) - 1) ** 2).mean()


@buggy("gradient_penalty", "absolute-deviation")
def gp_absolute(critic, real, fake):
    return (_norms(critic, real, fake) - 1).abs().mean()


@buggy("gradient_penalty", "target-zero")
def gp_target_zero(critic, real, fake):
    return (_norms(critic, real, fake) ** 2).mean()


@buggy("gradient_penalty", "one-sided-penalty")
def gp_one_sided(critic, real, fake):
    return (torch.clamp(_norms(critic, real, fake) - 1, min=0) ** 2).mean()


@buggy("gradient_penalty", "sum-instead-of-mean")
def gp_sum(critic, real, fake):
    return ((_norms(critic, real, fake) - 1) ** 2).sum()


@buggy("gradient_penalty", "lambda-inside-penalty")
def gp_times_lambda(critic, real, fake, lambda_gp=10.0):
    return lambda_gp * ((_norms(critic, real, fake) - 1) ** 2).mean()


@buggy("gradient_penalty", "negated-penalty")
def gp_negated(critic, real, fake):
    return -((_norms(critic, real, fake) - 1) ** 2).mean()


@buggy("gradient_penalty", "wrong-shape")
def gp_not_reduced(critic, real, fake):
    return (_norms(critic, real, fake) - 1) ** 2


# ---------------------------------------------------------------------------- critic_loss


@buggy("gradient_penalty", "backward-for-input-gradient")
def gp_input_gradient_by_backward(critic, real, fake):
    xhat = _points(real, fake)
    critic(xhat).sum().backward(create_graph=True)  # also fills the critic's .grad
    return ((xhat.grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


@buggy("gradient_penalty", "unflattened-norm")
def gp_norm_per_channel(critic, real, fake):
    g = _input_grads(critic, _points(real, fake))
    norms = g.flatten(2).norm(dim=2) if g.dim() > 2 else g.norm(dim=1)  # one norm per channel on images
    return ((norms - 1) ** 2).mean()


@buggy("gradient_penalty", "sqrt-without-epsilon")
def gp_bare_sqrt(critic, real, fake):
    g = _input_grads(critic, _points(real, fake)).flatten(1)
    return ((torch.sqrt((g**2).sum(dim=1)) - 1) ** 2).mean()


@buggy("critic_loss", "penalty-sign")
def critic_loss_minus_penalty(real_scores, fake_scores, penalty, lambda_gp):
    return fake_scores.mean() - real_scores.mean() - lambda_gp * penalty


@buggy("critic_loss", "real-fake-swapped")
def critic_loss_swapped(real_scores, fake_scores, penalty, lambda_gp):
    return real_scores.mean() - fake_scores.mean() + lambda_gp * penalty


@buggy("critic_loss", "loss-negated")
def critic_loss_maximised_objective(real_scores, fake_scores, penalty, lambda_gp):
    return real_scores.mean() - fake_scores.mean() - lambda_gp * penalty


@buggy("critic_loss", "lambda-missing")
def critic_loss_no_lambda(real_scores, fake_scores, penalty, lambda_gp):
    return fake_scores.mean() - real_scores.mean() + penalty


@buggy("critic_loss", "lambda-wrong-term")
def critic_loss_lambda_on_wasserstein(real_scores, fake_scores, penalty, lambda_gp):
    return lambda_gp * (fake_scores.mean() - real_scores.mean()) + penalty


@buggy("critic_loss", "lambda-wrong-term")
def critic_loss_lambda_on_everything(real_scores, fake_scores, penalty, lambda_gp):
    return lambda_gp * (fake_scores.mean() - real_scores.mean() + penalty)


@buggy("critic_loss", "lambda-ignored")
def critic_loss_hard_coded_lambda(real_scores, fake_scores, penalty, lambda_gp):
    return fake_scores.mean() - real_scores.mean() + 10 * penalty


@buggy("critic_loss", "penalty-missing")
def critic_loss_no_penalty(real_scores, fake_scores, penalty, lambda_gp):
    return fake_scores.mean() - real_scores.mean()


@buggy("critic_loss", "sum-instead-of-mean")
def critic_loss_sum(real_scores, fake_scores, penalty, lambda_gp):
    return fake_scores.sum() - real_scores.sum() + lambda_gp * penalty


@buggy("critic_loss", "gan-loss")
def critic_loss_bce_with_logits(real_scores, fake_scores, penalty, lambda_gp):
    return (
        F.binary_cross_entropy_with_logits(real_scores, torch.ones_like(real_scores))
        + F.binary_cross_entropy_with_logits(fake_scores, torch.zeros_like(fake_scores))
        + lambda_gp * penalty
    )


@buggy("critic_loss", "gan-loss")
def critic_loss_log_probabilities(real_scores, fake_scores, penalty, lambda_gp):
    return -(torch.log(real_scores).mean() + torch.log(1 - fake_scores).mean()) + lambda_gp * penalty


@buggy("critic_loss", "gan-loss")
def critic_loss_bce(real_scores, fake_scores, penalty, lambda_gp):
    return (
        F.binary_cross_entropy(real_scores, torch.ones_like(real_scores))
        + F.binary_cross_entropy(fake_scores, torch.zeros_like(fake_scores))
        + lambda_gp * penalty
    )


@buggy("critic_loss", "result-detached")
def critic_loss_item(real_scores, fake_scores, penalty, lambda_gp):
    return (fake_scores.mean() - real_scores.mean() + lambda_gp * penalty).item()


@buggy("critic_loss", "result-detached")
def critic_loss_detach(real_scores, fake_scores, penalty, lambda_gp):
    return (fake_scores.mean() - real_scores.mean() + lambda_gp * penalty).detach()


@buggy("critic_loss", "wrong-gradient")
def critic_loss_detached_real(real_scores, fake_scores, penalty, lambda_gp):
    return fake_scores.mean() - real_scores.detach().mean() + lambda_gp * penalty


@buggy("critic_loss", "wrong-value")
def critic_loss_squared(real_scores, fake_scores, penalty, lambda_gp):
    return (fake_scores.mean() - real_scores.mean()) ** 2 + lambda_gp * penalty


@buggy("critic_loss", "wrong-shape")
def critic_loss_not_reduced(real_scores, fake_scores, penalty, lambda_gp):
    return fake_scores - real_scores + lambda_gp * penalty


# ---------------------------------------------------------------------------- generator_loss


@buggy("generator_loss", "generator-loss-sign")
def generator_loss_plus(fake_scores):
    return fake_scores.mean()


@buggy("generator_loss", "sum-instead-of-mean")
def generator_loss_sum(fake_scores):
    return -fake_scores.sum()


@buggy("generator_loss", "gan-loss")
def generator_loss_non_saturating(fake_scores):
    return F.binary_cross_entropy_with_logits(fake_scores, torch.ones_like(fake_scores))


@buggy("generator_loss", "gan-loss")
def generator_loss_log(fake_scores):
    return torch.log(1 - fake_scores).mean()


@buggy("generator_loss", "result-detached")
def generator_loss_item(fake_scores):
    return -fake_scores.mean().item()


@buggy("generator_loss", "wrong-gradient")
def generator_loss_fresh_leaf(fake_scores):
    return (-fake_scores.mean()).detach().requires_grad_()


@buggy("generator_loss", "wrong-value")
def generator_loss_max(fake_scores):
    return -fake_scores.max()


@buggy("generator_loss", "wrong-shape")
def generator_loss_not_reduced(fake_scores):
    return -fake_scores


# ---------------------------------------------------------------------------- clip_weights_


@buggy("clip_weights_", "clip-not-in-place")
def clip_rebinds(critic, c):
    for p in critic.parameters():
        p = p.clamp(-c, c)  # noqa: PLW2901 - the bug: only the loop variable changes


@buggy("clip_weights_", "clip-not-in-place")
def clip_returns_copies(critic, c):
    return [p.detach().clamp(-c, c) for p in critic.parameters()]


@buggy("clip_weights_", "clip-not-in-place")
def clip_new_parameters(critic, c):
    for module in critic.modules():
        if isinstance(module, nn.Linear):
            module.weight = nn.Parameter(module.weight.detach().clamp(-c, c))
            module.bias = nn.Parameter(module.bias.detach().clamp(-c, c))


@buggy("clip_weights_", "clip-only-weights")
def clip_weights_only(critic, c):
    with torch.no_grad():
        for name, p in critic.named_parameters():
            if "weight" in name:
                p.clamp_(-c, c)


@buggy("clip_weights_", "clip-misses-parameters")
def clip_top_level_children(critic, c):
    with torch.no_grad():
        for module in critic.children():
            if isinstance(module, nn.Linear):
                module.weight.clamp_(-c, c)
                module.bias.clamp_(-c, c)


@buggy("clip_weights_", "clip-to-zero-c")
def clip_zero_to_c(critic, c):
    with torch.no_grad():
        for p in critic.parameters():
            p.clamp_(0, c)


@buggy("clip_weights_", "clip-one-sided")
def clip_upper_only(critic, c):
    with torch.no_grad():
        for p in critic.parameters():
            p.clamp_(max=c)


@buggy("clip_weights_", "clip-wrong-bound")
def clip_paper_constant(critic, c):
    with torch.no_grad():
        for p in critic.parameters():
            p.clamp_(-0.01, 0.01)


@buggy("clip_weights_", "clip-wrong-bound")
def clip_unit_box(critic, c):
    with torch.no_grad():
        for p in critic.parameters():
            p.clamp_(-1, 1)


@buggy("clip_weights_", "clip-scales")
def clip_multiplies(critic, c):
    with torch.no_grad():
        for p in critic.parameters():
            p.mul_(c)


@buggy("clip_weights_", "clip-gradients")
def clip_grad_values(critic, c):
    nn.utils.clip_grad_value_(critic.parameters(), c)


@buggy("clip_weights_", "clip-gradients")
def clip_grad_tensors(critic, c):
    for p in critic.parameters():
        p.grad.clamp_(-c, c)


@buggy("clip_weights_", "clip-needs-no-grad")
def clip_without_no_grad(critic, c):
    for p in critic.parameters():
        p.clamp_(-c, c)


@buggy("clip_weights_", "clip-returns-value")
def clip_returns_the_critic(critic, c):
    with torch.no_grad():
        for p in critic.parameters():
            p.clamp_(-c, c)
    return critic


@buggy("clip_weights_", "wrong-value")
def clip_bounds_swapped(critic, c):
    with torch.no_grad():
        for p in critic.parameters():
            p.clamp_(c, -c)  # min > max: torch.clamp sets every value to max = -c


@buggy("clip_weights_", "wrong-value")
def clip_and_flip(critic, c):
    with torch.no_grad():
        for p in critic.parameters():
            p.clamp_(-c, c).neg_()


# ---------------------------------------------------------------------------- wasserstein_1d


@buggy("wasserstein_1d", "no-sort")
def w1_unsorted(x, y):
    return (x - y).abs().mean()


@buggy("wasserstein_1d", "sorted-only-one")
def w1_sort_x_only(x, y):
    return (torch.sort(x).values - y).abs().mean()


@buggy("wasserstein_1d", "mean-of-differences-without-abs")
def w1_signed(x, y):
    return (torch.sort(x).values - torch.sort(y).values).mean()


@buggy("wasserstein_1d", "mean-of-differences-without-abs")
def w1_abs_of_mean(x, y):
    return (torch.sort(x).values - torch.sort(y).values).mean().abs()


@buggy("wasserstein_1d", "w2-instead-of-w1")
def w1_squared(x, y):
    return ((torch.sort(x).values - torch.sort(y).values) ** 2).mean()


@buggy("wasserstein_1d", "w2-instead-of-w1")
def w1_root_mean_square(x, y):
    return ((torch.sort(x).values - torch.sort(y).values) ** 2).mean().sqrt()


@buggy("wasserstein_1d", "sum-instead-of-mean")
def w1_sum(x, y):
    return (torch.sort(x).values - torch.sort(y).values).abs().sum()


@buggy("wasserstein_1d", "wrong-value")
def w1_opposite_orders(x, y):
    return (torch.sort(x).values - torch.sort(y, descending=True).values).abs().mean()


@buggy("wasserstein_1d", "not-flattened")
def w1_sorts_last_dim(x, y):
    if x.numel() != y.numel():
        raise ValueError("sizes differ")
    return (torch.sort(x).values - torch.sort(y).values).abs().mean()  # (n, 1): sorts n rows of one value


@buggy("wasserstein_1d", "wrong-type")
def w1_returns_float(x, y):
    x, y = x.flatten(), y.flatten()
    if x.numel() != y.numel():
        raise ValueError("sizes differ")
    return (torch.sort(x).values - torch.sort(y).values).abs().mean().item()


# ---------------------------------------------------------------------------- per_sample_grad_norms


def _grads_of(f, x):
    x = x.detach().requires_grad_(True)
    out = f(x)
    return torch.autograd.grad(out, x, grad_outputs=torch.ones_like(out))[0]


@buggy("per_sample_grad_norms", "missing-requires-grad")
def norms_missing_requires_grad(f, x):
    out = f(x)
    return torch.autograd.grad(out, x, grad_outputs=torch.ones_like(out))[0].flatten(1).norm(dim=1)


@buggy("per_sample_grad_norms", "grad-outputs-missing")
def norms_no_grad_outputs(f, x):
    x = x.detach().requires_grad_(True)
    return torch.autograd.grad(f(x), x)[0].flatten(1).norm(dim=1)


@buggy("per_sample_grad_norms", "grad-outputs-wrong-shape")
def norms_fixed_grad_outputs(f, x):
    x = x.detach().requires_grad_(True)
    grad_outputs = torch.ones(x.shape[0], 1)
    return torch.autograd.grad(f(x), x, grad_outputs=grad_outputs)[0].flatten(1).norm(dim=1)


@buggy("per_sample_grad_norms", "per-element-norm")
def norms_per_element(f, x):
    return _grads_of(f, x).view(-1, 1).norm(2, dim=1)


@buggy("per_sample_grad_norms", "unflattened-norm")
def norms_unflattened(f, x):
    return _grads_of(f, x).norm(2, dim=1)


@buggy("per_sample_grad_norms", "norm-over-whole-batch")
def norms_whole_batch(f, x):
    return _grads_of(f, x).norm()


@buggy("per_sample_grad_norms", "norm-over-batch-dim")
def norms_batch_dim(f, x):
    return _grads_of(f, x).flatten(1).norm(dim=0)


@buggy("per_sample_grad_norms", "mean-before-gradient")
def norms_mean_first(f, x):
    x = x.detach().requires_grad_(True)
    return torch.autograd.grad(f(x).mean(), x)[0].flatten(1).norm(dim=1)


@buggy("per_sample_grad_norms", "squared-norm")
def norms_squared(f, x):
    return (_grads_of(f, x).flatten(1) ** 2).sum(dim=1)


@buggy("per_sample_grad_norms", "wrong-shape")
def norms_keepdim(f, x):
    return _grads_of(f, x).flatten(1).norm(dim=1, keepdim=True)


@buggy("per_sample_grad_norms", "wrong-value")
def norms_max_entry(f, x):
    return _grads_of(f, x).flatten(1).abs().amax(dim=1)


@buggy("per_sample_grad_norms", "input-modified")
def norms_marks_callers_x(f, x, create_graph=False):
    x.requires_grad_(True)  # changes the caller's tensor
    (g,) = torch.autograd.grad(f(x).sum(), x, create_graph=create_graph)
    return g.flatten(1).norm(dim=1)


@buggy("per_sample_grad_norms", "create-graph-missing")
def norms_ignore_create_graph(f, x, create_graph=False):
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x).sum(), x)
    return g.flatten(1).norm(dim=1)


@buggy("per_sample_grad_norms", "result-detached")
def norms_detached(f, x, create_graph=False):
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x).sum(), x, create_graph=create_graph)
    return g.flatten(1).norm(dim=1).detach()


@buggy("per_sample_grad_norms", "backward-for-input-gradient")
def norms_by_backward(f, x, create_graph=False):
    x = x.detach().requires_grad_(True)
    f(x).sum().backward(create_graph=create_graph)  # also fills the .grad of f's parameters
    return x.grad.flatten(1).norm(dim=1)


@buggy("wasserstein_1d", "input-modified")
def w1_sorts_in_place(x, y):
    if x.numel() != y.numel():
        raise ValueError("sizes differ")
    x.numpy().sort()  # NumPy's in-place sort on a view of the caller's tensor
    y.numpy().sort()
    return (x - y).abs().mean()


@buggy("wasserstein_1d", "no-size-check")
def w1_truncates(x, y):
    x, y = x.flatten(), y.flatten()
    n = min(len(x), len(y))
    return (torch.sort(x[:n]).values - torch.sort(y[:n]).values).abs().mean()


# ---------------------------------------------------------------------------- one_sided_penalty


def _one_sided_norms(critic, real, fake, create_graph=True):
    return _input_grads(critic, _points(real, fake), create_graph).flatten(1).norm(dim=1)


@buggy("one_sided_penalty", "two-sided-penalty")
def one_sided_is_two_sided(critic, real, fake):
    return ((_one_sided_norms(critic, real, fake) - 1) ** 2).mean()


@buggy("one_sided_penalty", "one-sided-wrong-side")
def one_sided_wrong_side(critic, real, fake):
    return (torch.relu(1 - _one_sided_norms(critic, real, fake)) ** 2).mean()


@buggy("one_sided_penalty", "absolute-deviation")
def one_sided_not_squared(critic, real, fake):
    return torch.relu(_one_sided_norms(critic, real, fake) - 1).mean()


@buggy("one_sided_penalty", "per-element-norm")
def one_sided_per_element(critic, real, fake):
    g = _input_grads(critic, _points(real, fake)).view(-1, 1)
    return (torch.relu(g.norm(dim=1) - 1) ** 2).mean()


@buggy("one_sided_penalty", "squared-norm")
def one_sided_squared_norm(critic, real, fake):
    g = _input_grads(critic, _points(real, fake)).flatten(1)
    return (torch.relu((g**2).sum(dim=1) - 1) ** 2).mean()


@buggy("one_sided_penalty", "sum-instead-of-mean")
def one_sided_sum(critic, real, fake):
    return (torch.relu(_one_sided_norms(critic, real, fake) - 1) ** 2).sum()


@buggy("one_sided_penalty", "negated-penalty")
def one_sided_negated(critic, real, fake):
    return -(torch.relu(_one_sided_norms(critic, real, fake) - 1) ** 2).mean()


@buggy("one_sided_penalty", "lambda-inside-penalty")
def one_sided_times_lambda(critic, real, fake):
    return 10 * (torch.relu(_one_sided_norms(critic, real, fake) - 1) ** 2).mean()


@buggy("one_sided_penalty", "gradient-at-real")
def one_sided_at_real(critic, real, fake):
    x = real.detach().requires_grad_(True)
    return (torch.relu(_input_grads(critic, x).flatten(1).norm(dim=1) - 1) ** 2).mean()


@buggy("one_sided_penalty", "create-graph-missing")
def one_sided_no_create_graph(critic, real, fake):
    return (torch.relu(_one_sided_norms(critic, real, fake, create_graph=False) - 1) ** 2).mean()


@buggy("one_sided_penalty", "result-detached")
def one_sided_detached(critic, real, fake):
    return (torch.relu(_one_sided_norms(critic, real, fake) - 1) ** 2).mean().detach()


@buggy("one_sided_penalty", "wrong-gradient")
def one_sided_fresh_leaf(critic, real, fake):
    value = (torch.relu(_one_sided_norms(critic, real, fake) - 1) ** 2).mean()
    return value.detach() + 0 * sum(p.sum() for p in critic.parameters())


@buggy("one_sided_penalty", "wrong-value")
def one_sided_cubed(critic, real, fake):
    return (torch.relu(_one_sided_norms(critic, real, fake) - 1) ** 2.5).mean()


# ---------------------------------------------------------------------------- r1_penalty


def _r1_grads(critic, real, create_graph=True):
    x = real.detach().requires_grad_(True)
    return _input_grads(critic, x, create_graph)


@buggy("r1_penalty", "r1-norm-not-squared")
def r1_norm(critic, real):
    return _r1_grads(critic, real).flatten(1).norm(dim=1).mean()


@buggy("r1_penalty", "r1-target-one")
def r1_target_one(critic, real):
    return ((_r1_grads(critic, real).flatten(1).norm(dim=1) - 1) ** 2).mean()


@buggy("r1_penalty", "r1-not-at-real")
def r1_at_noisy_real(critic, real):
    x = (real.detach() + 0.3 * torch.randn_like(real)).requires_grad_(True)
    return _input_grads(critic, x).flatten(1).pow(2).sum(dim=1).mean()


@buggy("r1_penalty", "per-element-norm")
def r1_per_element(critic, real):
    return _r1_grads(critic, real).view(-1, 1).norm(dim=1).pow(2).mean()


@buggy("r1_penalty", "unflattened-norm")
def r1_unflattened(critic, real):
    return _r1_grads(critic, real).norm(dim=1).pow(2).mean()


@buggy("r1_penalty", "mean-before-gradient")
def r1_mean_first(critic, real):
    x = real.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(critic(x).mean(), x, create_graph=True)
    return g.flatten(1).pow(2).sum(dim=1).mean()


@buggy("r1_penalty", "sum-instead-of-mean")
def r1_sum(critic, real):
    return _r1_grads(critic, real).flatten(1).pow(2).sum()


@buggy("r1_penalty", "negated-penalty")
def r1_negated(critic, real):
    return -_r1_grads(critic, real).flatten(1).pow(2).sum(dim=1).mean()


@buggy("r1_penalty", "lambda-inside-penalty")
def r1_times_half_gamma(critic, real):
    return 5.0 * _r1_grads(critic, real).flatten(1).pow(2).sum(dim=1).mean()


@buggy("r1_penalty", "create-graph-missing")
def r1_no_create_graph(critic, real):
    return _r1_grads(critic, real, create_graph=False).flatten(1).pow(2).sum(dim=1).mean()


@buggy("r1_penalty", "result-detached")
def r1_item(critic, real):
    return _r1_grads(critic, real).flatten(1).pow(2).sum(dim=1).mean().item()


@buggy("r1_penalty", "wrong-gradient")
def r1_fresh_leaf(critic, real):
    value = _r1_grads(critic, real).flatten(1).pow(2).sum(dim=1).mean()
    return value.detach().requires_grad_(True)


@buggy("r1_penalty", "wrong-value")
def r1_fourth_power(critic, real):
    return _r1_grads(critic, real).flatten(1).pow(4).sum(dim=1).mean()


# ---------------------------------------------------------------------------- js_divergence


def _pq(p, q):
    return np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)


@buggy("js_divergence", "log-base-2")
def js_bits(p, q):
    p, q = _pq(p, q)
    return float(scipy.spatial.distance.jensenshannon(p, q, base=2) ** 2)


@buggy("js_divergence", "js-not-halved")
def js_sum_of_kls(p, q):
    p, q = _pq(p, q)
    m = (p + q) / 2
    return float(scipy.special.rel_entr(p, m).sum() + scipy.special.rel_entr(q, m).sum())


@buggy("js_divergence", "kl-instead-of-js")
def js_is_kl(p, q):
    p, q = _pq(p, q)
    return float(scipy.special.rel_entr(p, q).sum())


@buggy("js_divergence", "zero-probability-nan")
def js_nan_at_zero(p, q):
    p, q = _pq(p, q)
    m = (p + q) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(0.5 * np.sum(p * np.log(p / m)) + 0.5 * np.sum(q * np.log(q / m)))


@buggy("js_divergence", "wrong-value")
def js_total_variation(p, q):
    p, q = _pq(p, q)
    return float(0.5 * np.abs(p - q).sum())


@buggy("js_divergence", "returns-tensor-not-float")
def js_returns_tensor(p, q):
    p, q = torch.as_tensor(p, dtype=torch.float64), torch.as_tensor(q, dtype=torch.float64)
    m = (p + q) / 2
    return sum(0.5 * torch.sum(u[u > 0] * torch.log(u[u > 0] / m[u > 0])) for u in (p, q))


# ---------------------------------------------------------------------------- training steps


def _critic_estimate(critic, real, fake):
    return critic(real).mean() - critic(fake).mean()


def _clip(critic, c):
    with torch.no_grad():
        for p in critic.parameters():
            p.clamp_(-c, c)


@buggy("clip_critic_step", "returns-tensor-not-float")
def clip_step_returns_tensor(critic, optimizer, real, fake, c):
    optimizer.zero_grad()
    estimate = _critic_estimate(critic, real, fake.detach())
    (-estimate).backward()
    optimizer.step()
    _clip(critic, c)
    return estimate


@buggy("clip_critic_step", "missing-zero-grad")
def clip_step_no_zero_grad(critic, optimizer, real, fake, c):
    estimate = _critic_estimate(critic, real, fake.detach())
    (-estimate).backward()
    optimizer.step()
    _clip(critic, c)
    return estimate.item()


@buggy("clip_critic_step", "zero-grad-after-backward")
def clip_step_zero_grad_late(critic, optimizer, real, fake, c):
    estimate = _critic_estimate(critic, real, fake.detach())
    (-estimate).backward()
    optimizer.zero_grad()
    optimizer.step()
    _clip(critic, c)
    return estimate.item()


@buggy("clip_critic_step", "missing-optimizer-step")
def clip_step_no_step(critic, optimizer, real, fake, c):
    optimizer.zero_grad()
    estimate = _critic_estimate(critic, real, fake.detach())
    (-estimate).backward()
    _clip(critic, c)
    return estimate.item()


@buggy("clip_critic_step", "fake-not-detached")
def clip_step_fake_attached(critic, optimizer, real, fake, c):
    optimizer.zero_grad()
    estimate = _critic_estimate(critic, real, fake)
    (-estimate).backward()
    optimizer.step()
    _clip(critic, c)
    return estimate.item()


@buggy("clip_critic_step", "fake-not-detached")
def clip_step_requires_grad_false(critic, optimizer, real, fake, c):
    fake.requires_grad_(False)  # raises on a generator's output: only leaves' flags can change
    optimizer.zero_grad()
    estimate = _critic_estimate(critic, real, fake)
    (-estimate).backward()
    optimizer.step()
    _clip(critic, c)
    return estimate.item()


@buggy("clip_critic_step", "wrong-gradient")
def clip_step_fake_scores_under_no_grad(critic, optimizer, real, fake, c):
    optimizer.zero_grad()
    with torch.no_grad():  # meant to protect the generator, but also cuts the critic's fake-side gradient
        fake_scores = critic(fake)
    estimate = critic(real).mean() - fake_scores.mean()
    (-estimate).backward()
    optimizer.step()
    _clip(critic, c)
    return estimate.item()


@buggy("clip_critic_step", "clip-before-step")
def clip_step_clips_first(critic, optimizer, real, fake, c):
    optimizer.zero_grad()
    estimate = _critic_estimate(critic, real, fake.detach())
    (-estimate).backward()
    _clip(critic, c)
    optimizer.step()
    return estimate.item()


@buggy("clip_critic_step", "clip-missing")
def clip_step_no_clip(critic, optimizer, real, fake, c):
    optimizer.zero_grad()
    estimate = _critic_estimate(critic, real, fake.detach())
    (-estimate).backward()
    optimizer.step()
    return estimate.item()


@buggy("clip_critic_step", "clip-only-weights")
def clip_step_weights_only(critic, optimizer, real, fake, c):
    optimizer.zero_grad()
    estimate = _critic_estimate(critic, real, fake.detach())
    (-estimate).backward()
    optimizer.step()
    with torch.no_grad():
        for name, p in critic.named_parameters():
            if name.endswith("weight"):
                p.clamp_(-c, c)
    return estimate.item()


@buggy("clip_critic_step", "clip-wrong-bound")
def clip_step_paper_constant(critic, optimizer, real, fake, c):
    optimizer.zero_grad()
    estimate = _critic_estimate(critic, real, fake.detach())
    (-estimate).backward()
    optimizer.step()
    _clip(critic, 0.01)
    return estimate.item()


@buggy("clip_critic_step", "real-fake-swapped")
def clip_step_swapped(critic, optimizer, real, fake, c):
    optimizer.zero_grad()
    estimate = _critic_estimate(critic, real, fake.detach())
    estimate.backward()
    optimizer.step()
    _clip(critic, c)
    return estimate.item()


@buggy("clip_critic_step", "returns-loss-not-estimate")
def clip_step_returns_loss(critic, optimizer, real, fake, c):
    optimizer.zero_grad()
    loss = -_critic_estimate(critic, real, fake.detach())
    loss.backward()
    optimizer.step()
    _clip(critic, c)
    return loss.item()


@buggy("clip_critic_step", "value-after-step")
def clip_step_estimate_after(critic, optimizer, real, fake, c):
    optimizer.zero_grad()
    (-_critic_estimate(critic, real, fake.detach())).backward()
    optimizer.step()
    _clip(critic, c)
    with torch.no_grad():
        return _critic_estimate(critic, real, fake).item()


@buggy("clip_critic_step", "wrong-gradient")
def clip_step_real_scores_detached(critic, optimizer, real, fake, c):
    optimizer.zero_grad()
    estimate = critic(real).detach().mean() - critic(fake.detach()).mean()
    (-estimate).backward()
    optimizer.step()
    _clip(critic, c)
    return estimate.item()


@buggy("clip_critic_step", "wrong-value")
def clip_step_twice(critic, optimizer, real, fake, c):
    for _ in range(2):
        optimizer.zero_grad()
        estimate = _critic_estimate(critic, real, fake.detach())
        (-estimate).backward()
        optimizer.step()
        _clip(critic, c)
    return estimate.item()


def _gp_step(critic, optimizer, real, fake, lambda_gp, *, sign=1.0, weight=None, zero=True, detach=True):
    if zero:
        optimizer.zero_grad()
    f = fake.detach() if detach else fake
    estimate = _critic_estimate(critic, real, f)
    lam = lambda_gp if weight is None else weight
    loss = -estimate + sign * lam * _gp_penalty(critic, real, fake)
    loss.backward()
    optimizer.step()
    return estimate


def _gp_penalty(critic, real, fake):
    return ((_norms(critic, real.detach(), fake.detach()) - 1) ** 2).mean()


@buggy("gp_critic_step", "penalty-sign")
def gp_step_penalty_subtracted(critic, optimizer, real, fake, lambda_gp):
    return _gp_step(critic, optimizer, real, fake, lambda_gp, sign=-1.0).item()


@buggy("gp_critic_step", "penalty-missing")
def gp_step_no_penalty(critic, optimizer, real, fake, lambda_gp):
    return _gp_step(critic, optimizer, real, fake, lambda_gp, weight=0.0).item()


@buggy("gp_critic_step", "lambda-missing")
def gp_step_no_lambda(critic, optimizer, real, fake, lambda_gp):
    return _gp_step(critic, optimizer, real, fake, lambda_gp, weight=1.0).item()


@buggy("gp_critic_step", "lambda-ignored")
def gp_step_lambda_ten(critic, optimizer, real, fake, lambda_gp):
    return _gp_step(critic, optimizer, real, fake, lambda_gp, weight=10.0).item()


@buggy("gp_critic_step", "missing-zero-grad")
def gp_step_no_zero_grad(critic, optimizer, real, fake, lambda_gp):
    return _gp_step(critic, optimizer, real, fake, lambda_gp, zero=False).item()


@buggy("gp_critic_step", "fake-not-detached")
def gp_step_fake_attached(critic, optimizer, real, fake, lambda_gp):
    return _gp_step(critic, optimizer, real, fake, lambda_gp, detach=False).item()


@buggy("gp_critic_step", "returns-tensor-not-float")
def gp_step_tensor(critic, optimizer, real, fake, lambda_gp):
    return _gp_step(critic, optimizer, real, fake, lambda_gp).detach()


@buggy("gp_critic_step", "estimate-includes-penalty")
def gp_step_estimate_with_penalty(critic, optimizer, real, fake, lambda_gp):
    optimizer.zero_grad()
    estimate = _critic_estimate(critic, real, fake.detach())
    penalty = _gp_penalty(critic, real, fake)
    (-estimate + lambda_gp * penalty).backward()
    optimizer.step()
    return (estimate - lambda_gp * penalty).item()


@buggy("gp_critic_step", "returns-loss-not-estimate")
def gp_step_returns_loss(critic, optimizer, real, fake, lambda_gp):
    optimizer.zero_grad()
    loss = -_critic_estimate(critic, real, fake.detach()) + lambda_gp * _gp_penalty(critic, real, fake)
    loss.backward()
    optimizer.step()
    return loss.item()


@buggy("gp_critic_step", "real-fake-swapped")
def gp_step_swapped(critic, optimizer, real, fake, lambda_gp):
    optimizer.zero_grad()
    estimate = _critic_estimate(critic, real, fake.detach())
    (estimate + lambda_gp * _gp_penalty(critic, real, fake)).backward()
    optimizer.step()
    return estimate.item()


@buggy("gp_critic_step", "zero-grad-after-backward")
def gp_step_zero_grad_late(critic, optimizer, real, fake, lambda_gp):
    estimate = _critic_estimate(critic, real, fake.detach())
    (-estimate + lambda_gp * _gp_penalty(critic, real, fake)).backward()
    optimizer.zero_grad()
    optimizer.step()
    return estimate.item()


@buggy("gp_critic_step", "missing-optimizer-step")
def gp_step_no_step(critic, optimizer, real, fake, lambda_gp):
    optimizer.zero_grad()
    estimate = _critic_estimate(critic, real, fake.detach())
    (-estimate + lambda_gp * _gp_penalty(critic, real, fake)).backward()
    return estimate.item()


@buggy("gp_critic_step", "value-after-step")
def gp_step_estimate_after(critic, optimizer, real, fake, lambda_gp):
    _gp_step(critic, optimizer, real, fake, lambda_gp)
    with torch.no_grad():
        return _critic_estimate(critic, real, fake).item()


@buggy("gp_critic_step", "wrong-gradient")
def gp_step_doubled(critic, optimizer, real, fake, lambda_gp):
    optimizer.zero_grad()
    estimate = _critic_estimate(critic, real, fake.detach())
    (2 * (-estimate + lambda_gp * _gp_penalty(critic, real, fake))).backward()
    optimizer.step()
    return estimate.item()


@buggy("gp_critic_step", "wrong-value")
def gp_step_clips(critic, optimizer, real, fake, lambda_gp):
    estimate = _gp_step(critic, optimizer, real, fake, lambda_gp)
    _clip(critic, 0.5)
    return estimate.item()


def _gen_loss(generator, critic, z):
    return -critic(generator(z)).mean()


@buggy("generator_step", "generator-detached-fake")
def generator_step_detached(generator, critic, optimizer, z):
    optimizer.zero_grad()
    loss = -critic(generator(z).detach()).mean()
    loss.backward()
    optimizer.step()
    return loss.item()


@buggy("generator_step", "generator-detached-fake")
def generator_step_detached_frozen_critic(generator, critic, optimizer, z):
    for p in critic.parameters():
        p.requires_grad_(False)
    try:
        optimizer.zero_grad()
        loss = -critic(generator(z).detach()).mean()
        loss.backward()  # RuntimeError: element 0 of tensors does not require grad
        optimizer.step()
    finally:
        for p in critic.parameters():
            p.requires_grad_(True)
    return loss.item()


@buggy("generator_step", "critic-left-frozen")
def generator_step_never_unfreezes(generator, critic, optimizer, z):
    for p in critic.parameters():
        p.requires_grad_(False)
    optimizer.zero_grad()
    loss = _gen_loss(generator, critic, z)
    loss.backward()
    optimizer.step()
    return loss.item()


@buggy("generator_step", "critic-flags-not-restored")
def generator_step_unfreezes_everything(generator, critic, optimizer, z):
    critic.requires_grad_(False)
    optimizer.zero_grad()
    loss = -critic(generator(z)).mean()
    loss.backward()
    optimizer.step()
    critic.requires_grad_(True)  # also switches on a parameter the caller had frozen
    return loss.item()


@buggy("generator_step", "critic-changed")
def generator_step_clips_critic(generator, critic, optimizer, z):
    optimizer.zero_grad()
    loss = _gen_loss(generator, critic, z)
    loss.backward()
    optimizer.step()
    _clip(critic, 0.01)
    return loss.item()


@buggy("generator_step", "generator-loss-sign")
def generator_step_plus(generator, critic, optimizer, z):
    optimizer.zero_grad()
    loss = critic(generator(z)).mean()
    loss.backward()
    optimizer.step()
    return loss.item()


@buggy("generator_step", "missing-zero-grad")
def generator_step_no_zero_grad(generator, critic, optimizer, z):
    loss = _gen_loss(generator, critic, z)
    loss.backward()
    optimizer.step()
    return loss.item()


@buggy("generator_step", "zero-grad-after-backward")
def generator_step_zero_grad_late(generator, critic, optimizer, z):
    loss = _gen_loss(generator, critic, z)
    loss.backward()
    optimizer.zero_grad()
    optimizer.step()
    return loss.item()


@buggy("generator_step", "missing-optimizer-step")
def generator_step_no_step(generator, critic, optimizer, z):
    optimizer.zero_grad()
    loss = _gen_loss(generator, critic, z)
    loss.backward()
    return loss.item()


@buggy("generator_step", "returns-tensor-not-float")
def generator_step_tensor(generator, critic, optimizer, z):
    optimizer.zero_grad()
    loss = _gen_loss(generator, critic, z)
    loss.backward()
    optimizer.step()
    return loss


@buggy("generator_step", "value-after-step")
def generator_step_loss_after(generator, critic, optimizer, z):
    optimizer.zero_grad()
    _gen_loss(generator, critic, z).backward()
    optimizer.step()
    with torch.no_grad():
        return _gen_loss(generator, critic, z).item()


@buggy("generator_step", "wrong-gradient")
def generator_step_halved(generator, critic, optimizer, z):
    optimizer.zero_grad()
    loss = _gen_loss(generator, critic, z)
    (0.5 * loss).backward()
    optimizer.step()
    return loss.item()


@buggy("generator_step", "wrong-value")
def generator_step_twice(generator, critic, optimizer, z):
    for _ in range(2):
        optimizer.zero_grad()
        loss = _gen_loss(generator, critic, z)
        loss.backward()
        optimizer.step()
    return loss.item()


# ---------------------------------------------------------------------------- examples kept with their exercise
# An exercise module (course_utils/exercises/<name>.py) may hold its own buggy versions, as (id, function) pairs.
for _module in exercises.exercise_modules():
    for _bug, _fn in getattr(_module, "BUGGY", []):
        BUGGY.append(Buggy(_module.EXERCISE.name, _bug, _fn, _fn.__name__))
