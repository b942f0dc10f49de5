"""Tests of course_utils.metrics on cases with known answers."""

import math

import pytest
import torch
from torch import nn

from course_utils import toy_data
from course_utils.metrics import ModeStats, critic_w1_estimate, exact_w1, mode_coverage, wasserstein_1d


def test_wasserstein_1d_shift():
    x = torch.randn(500)
    assert float(wasserstein_1d(x, x + 0.3)) == pytest.approx(0.3, abs=1e-6)


def test_exact_w1_translation_is_shift_length():
    torch.manual_seed(0)
    x = torch.randn(200, 2)
    shift = torch.tensor([0.3, 0.4])
    assert exact_w1(x, x + shift) == pytest.approx(0.5, abs=1e-6)


def test_exact_w1_permutation_invariant_and_zero():
    x = torch.randn(100, 2)
    assert exact_w1(x, x[torch.randperm(100)]) == pytest.approx(0.0, abs=1e-9)


def test_exact_w1_matches_1d_formula():
    torch.manual_seed(1)
    x, y = torch.randn(300, 1), 2 * torch.rand(300, 1)
    assert exact_w1(x, y) == pytest.approx(float(wasserstein_1d(x, y)), rel=1e-6)


def test_exact_w1_two_point_sets():
    # (0,0),(1,0) -> (0,1),(1,1): each point moves 1 straight up
    x = torch.tensor([[0.0, 0.0], [1.0, 0.0]])
    y = torch.tensor([[1.0, 1.0], [0.0, 1.0]])
    assert exact_w1(x, y) == pytest.approx(1.0)
    # swapping mass across: (0,0)->(3,4) and (3,4)->(0,0) costs 5 each, W1 = 0 via the identity
    a = torch.tensor([[0.0, 0.0], [3.0, 4.0]])
    assert exact_w1(a, a.flip(0)) == pytest.approx(0.0)


def test_exact_w1_symmetric():
    x, y = torch.randn(50, 3), torch.rand(50, 3)
    assert exact_w1(x, y) == pytest.approx(exact_w1(y, x))


def test_exact_w1_size_mismatch_is_clear():
    with pytest.raises(ValueError, match="same"):
        exact_w1(torch.zeros(10, 2), torch.zeros(11, 2))
    with pytest.raises(ValueError, match="dimension"):
        exact_w1(torch.zeros(10, 2), torch.zeros(10, 3))


class _Linear(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.lin = nn.Linear(len(w), 1)
        with torch.no_grad():
            self.lin.weight.copy_(torch.tensor([w]))
            self.lin.bias.fill_(0.7)

    def forward(self, x):
        return self.lin(x)


def test_critic_w1_estimate_linear_critic():
    # D(x) = u.x with unit u is 1-Lipschitz and optimal for a pure translation by -u*d: estimate = d
    critic = _Linear([0.6, 0.8])
    real = torch.randn(400, 2)
    fake = real - 0.25 * torch.tensor([0.6, 0.8])
    assert critic_w1_estimate(critic, real, fake) == pytest.approx(0.25, abs=1e-5)
    assert critic_w1_estimate(critic, real, fake) == pytest.approx(exact_w1(real, fake), abs=1e-5)
    assert critic.training  # mode restored
    assert all(p.grad is None for p in critic.parameters())


def test_mode_coverage_perfect_samples():
    ds = toy_data.get_dataset("8gaussians")
    torch.manual_seed(0)
    stats = mode_coverage(ds.sample(4000), ds.centers, ds.std)
    assert isinstance(stats, ModeStats)
    assert stats.modes_captured == 8 and stats.n_modes == 8
    # 2-D Gaussian: P(r <= 3 sigma) = 1 - exp(-9/2) = 0.9889
    assert stats.hq_fraction == pytest.approx(1 - math.exp(-4.5), abs=0.01)
    assert "8/8" in str(stats) and "%" in str(stats)


def test_mode_coverage_counts_only_high_quality():
    centers = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [5.0, 5.0]])
    samples = torch.tensor([[0.01, 0.0], [0.99, 0.0], [0.3, 0.3], [2.0, 2.0]])
    stats = mode_coverage(samples, centers, std=0.01, n_sigma=3.0)
    # only the first two samples are within 0.03 of a centre
    assert stats == ModeStats(modes_captured=2, n_modes=4, hq_fraction=0.5)
    wide = mode_coverage(samples, centers, std=0.25, n_sigma=3.0)  # radius 0.75: 3 samples
    assert wide.modes_captured == 2 and wide.hq_fraction == pytest.approx(0.75)


def test_mode_coverage_collapsed_generator():
    ds = toy_data.get_dataset("25gaussians")
    samples = ds.centers[3] + 0.001 * torch.randn(1000, 2)
    stats = mode_coverage(samples, ds.centers, ds.std)
    assert stats.modes_captured == 1 and stats.n_modes == 25 and stats.hq_fraction == 1.0


def test_mode_coverage_rejects_bad_input():
    with pytest.raises(ValueError):
        mode_coverage(torch.zeros(5, 3), torch.zeros(2, 2), 0.1)
    with pytest.raises(ValueError):
        mode_coverage(torch.zeros(5, 2), torch.zeros(2, 2), 0.0)


# --- course_utils.recipes (the toy recipes evaluated with these metrics) ---------------------------

def test_recipes_registry_and_config():
    from course_utils import recipes

    fast = recipes.get_recipe("gp-fast")
    config = fast.config()
    assert (config.method, config.n_critic, config.lambda_gp, config.lr, config.betas) == ("gp", 2, 0.1, 2e-3, (0.5, 0.9))
    assert recipes.get_recipe("clip-fast").config().make_optimizer([torch.zeros(1, requires_grad=True)]).__class__ \
        is torch.optim.RMSprop
    assert fast.with_(lambda_gp=10.0).config(n_steps=7).lambda_gp == 10.0
    with pytest.raises(ValueError, match="gp-fast"):
        recipes.get_recipe("nope")
    generator, critic = fast.make_models()
    assert generator(torch.zeros(3, 2)).shape == (3, 2) and critic(torch.zeros(3, 2)).shape == (3, 1)


def test_train_recipe_short_run_traces_quality_and_decays_lr():
    from course_utils import recipes

    run = recipes.train_recipe("gp-fast", "8gaussians", n_steps=20, eval_every=10, w1_points=50, seed=0)
    assert run.steps == 20 and [p.step for p in run.trace] == [0, 10, 20]
    assert all(p.n_modes == 8 and 0 <= p.hq_fraction <= 1 and p.w1 > 0 for p in run.trace)
    assert isinstance(run.final_modes(200), ModeStats)
    # the learning rate has decayed to its floor by the end of the run
    floor = recipes.GP_FAST.lr * recipes.GP_FAST.min_lr_factor
    assert all(group["lr"] == pytest.approx(floor) for opt in run.optimizers for group in opt.param_groups)
    assert run.steps_per_second > 0
    swiss = recipes.train_recipe("gp-fast", "swissroll", n_steps=5, eval_every=0, w1_points=30)
    assert swiss.trace[-1].modes_captured is None and swiss.trace[-1].w1 > 0
    with pytest.raises(ValueError, match="no modes"):
        swiss.final_modes()


def test_frechet_distance_known_cases():
    import numpy as np

    from course_utils.metrics import frechet_distance

    mu, sigma = np.array([0.5, -1.0]), np.array([[2.0, 0.3], [0.3, 1.0]])
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-9)
    # diagonal covariances: ||mu1 - mu2||^2 + sum (sqrt(a) - sqrt(b))^2
    value = frechet_distance(torch.zeros(2), torch.diag(torch.tensor([1.0, 4.0])), torch.ones(2), torch.eye(2))
    assert isinstance(value, float) and value == pytest.approx(2.0 + 0.0 + 1.0)
    with pytest.raises(ValueError, match="shape"):
        frechet_distance(np.zeros(2), np.eye(3), np.zeros(2), np.eye(2))


def test_js_divergence_known_cases():
    from course_utils.metrics import js_divergence

    assert js_divergence([0.5, 0.5, 0.0], [0.0, 0.0, 1.0]) == pytest.approx(math.log(2))
    assert js_divergence(torch.tensor([0.2, 0.8]), torch.tensor([0.2, 0.8])) == pytest.approx(0.0, abs=1e-12)
    assert 0 < js_divergence([0.6, 0.4], [0.4, 0.6]) < math.log(2)
    with pytest.raises(ValueError, match="probabilities"):
        js_divergence([0.5, 0.6], [0.5, 0.5])


def test_wasserstein_1d_leaves_inputs_alone_and_rejects_unequal_sizes():
    x, y = torch.tensor([3.0, 1.0, 2.0]), torch.tensor([0.0, 5.0, 1.0])
    x0, y0 = x.clone(), y.clone()
    wasserstein_1d(x, y)
    assert torch.equal(x, x0) and torch.equal(y, y0)
    with pytest.raises(ValueError, match="same"):
        wasserstein_1d(x, y[:2])
