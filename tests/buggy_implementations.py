"""One or more buggy implementation for every entry of the bug catalog.

Each :class:`Buggy` names the exercise, the catalog id the self-check must
report, and the function. ``tests/test_checks.py`` checks that every
(bug, exercise) pair of :mod:`course_utils.bugs` has at least one entry here and
that the check reports exactly that id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

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


for _exercise in ("gradient_penalty", "critic_loss", "generator_loss", "wasserstein_1d", "per_sample_grad_norms"):
    _returns(_exercise, "returned-none", None, "returns None")
    _returns(_exercise, "wrong-type", "0.5", "returns a string")
for _exercise in ("gradient_penalty", "critic_loss", "generator_loss", "wasserstein_1d"):
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
