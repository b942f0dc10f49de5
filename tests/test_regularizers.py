"""Tests for course_utils.regularizers: known values on a linear critic, gradients, shapes, registry."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from course_utils import losses
from course_utils import regularizers as R
from course_utils.training import TrainConfig, train_wgan

SHAPES = [(16, 2), (8, 1, 28, 28)]
PENALTIES_ON_INTERPOLATES = [R.two_sided_penalty, R.one_sided_penalty]
ALL_PENALTIES = [R.two_sided_penalty, R.one_sided_penalty, R.lipschitz_penalty, R.r1_penalty, R.dragan_penalty]


class LinearCritic(nn.Module):
    """``D(x) = <w, flatten(x)> + b``: its input gradient is ``w`` everywhere, of norm ``||w||``."""

    def __init__(self, dim: int, slope: float, seed: int = 0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        direction = torch.randn(dim, generator=g)
        self.w = nn.Parameter(slope * direction / direction.norm())
        self.b = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x.flatten(start_dim=1) @ self.w + self.b).unsqueeze(1)


def _batch(shape, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=g), torch.randn(shape, generator=g)


def _dim(shape):
    return math.prod(shape[1:])


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("slope", [0.0, 0.5, 1.0, 2.5])
def test_known_values_on_linear_critic(shape, slope):
    critic = LinearCritic(_dim(shape), slope)
    real, fake = _batch(shape)
    expected = {
        R.two_sided_penalty: (slope - 1) ** 2,
        R.one_sided_penalty: max(0.0, slope - 1) ** 2,
        R.lipschitz_penalty: max(0.0, slope - 1) ** 2,
        R.r1_penalty: slope**2,
        R.dragan_penalty: (slope - 1) ** 2,
    }
    for fn, value in expected.items():
        got = fn(critic, real, fake)
        assert got.shape == (), f"{fn.__name__} should return a scalar, got shape {tuple(got.shape)}"
        assert got.item() == pytest.approx(value, abs=1e-5), f"{fn.__name__} at slope {slope}: {got.item()} != {value}"


def test_two_sided_matches_course_reference():
    critic = LinearCritic(2, 1.7)
    real, fake = _batch((32, 2))
    assert R.two_sided_penalty(critic, real, fake).item() == pytest.approx(
        losses.gradient_penalty(critic, real, fake).item(), abs=1e-6
    )


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("fn", ALL_PENALTIES, ids=lambda f: f.__name__)
def test_differentiable_wrt_critic_parameters(shape, fn):
    critic = LinearCritic(_dim(shape), 2.0)
    real, fake = _batch(shape)
    penalty = fn(critic, real, fake)
    penalty.backward()
    assert critic.w.grad is not None and critic.w.grad.norm() > 0, f"{fn.__name__}: no gradient reaches the weights"
    # d/dw of the penalty for a linear critic: along w, with the known derivative of the scalar formula.
    s = critic.w.detach().norm()
    d_ds = {R.two_sided_penalty: 2 * (s - 1), R.one_sided_penalty: 2 * (s - 1), R.lipschitz_penalty: 2 * (s - 1),
            R.r1_penalty: 2 * s, R.dragan_penalty: 2 * (s - 1)}[fn]
    expected = d_ds * critic.w.detach() / s
    torch.testing.assert_close(critic.w.grad, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("fn", ALL_PENALTIES, ids=lambda f: f.__name__)
def test_penalties_on_mlp_critic_and_images(fn):
    critic = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 16), nn.ReLU(), nn.Linear(16, 1))
    real, fake = _batch((4, 1, 28, 28))
    fake.requires_grad_(True)  # as if it still carried the generator's graph
    penalty = fn(critic, real, fake)
    assert penalty.shape == () and torch.isfinite(penalty)
    penalty.backward()
    first, last = critic[1], critic[3]
    assert first.weight.grad is not None and last.weight.grad is not None, f"{fn.__name__}: weights get no gradient"
    assert fake.grad is None, f"{fn.__name__} must not send gradients into the fake batch"


def test_one_sided_ignores_gentle_slopes_but_two_sided_does_not():
    critic = LinearCritic(2, 0.3)
    real, fake = _batch((32, 2))
    assert R.one_sided_penalty(critic, real, fake).item() == 0.0
    assert R.two_sided_penalty(critic, real, fake).item() == pytest.approx(0.49, abs=1e-5)


def test_r1_and_dragan_only_look_at_real_data():
    """A critic flat around the real data but steep elsewhere pays no R1 penalty."""

    class Bump(nn.Module):  # gradient 0 for x_1 < 1, slope 3 for x_1 > 1
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(torch.tensor(3.0))

        def forward(self, x):
            return (self.scale * torch.relu(x[:, :1] - 1.0))

    real = torch.full((8, 2), -2.0) + 0.01 * torch.randn(8, 2)
    fake = torch.full((8, 2), 3.0)
    assert R.r1_penalty(Bump(), real, fake).item() == 0.0
    assert R.dragan_penalty(Bump(), real, fake).item() == pytest.approx(1.0)  # (0 - 1)^2 near real data
    assert R.two_sided_penalty(Bump(), real, fake).item() > 0.0


def test_dragan_perturbation_stays_near_real_data():
    real = torch.randn(1000, 2)
    x = R.dragan_perturb(real)
    delta = x - real
    assert x.shape == real.shape
    assert (delta >= 0).all(), "the original DRAGAN noise U(0,1) only pushes up"
    assert delta.max() <= 0.5 * real.std() + 1e-6


def test_spectral_norm_critic_is_1_lipschitz():
    torch.manual_seed(0)
    critic = R.spectral_norm_critic(width=64, depth=3)
    norms = R.layer_spectral_norms(critic)
    assert len(norms) == 4
    assert all(abs(n - 1) < 0.05 for n in norms), norms
    x = torch.randn(256, 2) * 2
    grad_norms = losses.input_gradient_norms(critic, x)
    assert grad_norms.max() <= 1.05, f"an SN critic should be at most 1-Lipschitz, got slope {grad_norms.max():.3f}"


def test_spectral_norm_survives_training_steps():
    torch.manual_seed(0)
    critic = R.spectral_norm_critic(width=32, depth=2)
    opt = torch.optim.Adam(critic.parameters(), lr=1e-2)
    for _ in range(30):
        loss = critic(torch.randn(64, 2)).mean() - critic(torch.randn(64, 2) + 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    critic(torch.randn(8, 2))  # one more forward refreshes the power-iteration estimate
    assert max(R.layer_spectral_norms(critic)) < 1.1


def test_apply_spectral_norm_on_conv_and_refuses_empty():
    conv = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 26 * 26, 1))
    R.apply_spectral_norm(conv)
    assert conv(torch.randn(2, 1, 28, 28)).shape == (2, 1)
    with pytest.raises(ValueError):
        R.apply_spectral_norm(nn.ReLU())
    with pytest.raises(ValueError):
        R.spectral_norm_critic(norm="layernorm")


def test_spectral_norm_on_a_convolution_is_not_a_bound():
    """PyTorch normalises the reshaped kernel: a normalised 3 x 3 blur still stretches a flat image by nearly 3."""
    blur = R.apply_spectral_norm(nn.Conv2d(1, 1, 3, padding=1, bias=False))
    with torch.no_grad():
        blur.parametrizations.weight.original.fill_(1.0)
        image = torch.ones(1, 1, 28, 28)
        stretch = float(blur(image).norm() / image.norm())
        kernel_sigma = float(torch.linalg.matrix_norm(blur.weight.reshape(1, -1), ord=2))
    assert kernel_sigma == pytest.approx(1.0, abs=1e-4)
    assert 2.5 < stretch <= 3.0


def test_nonsaturating_losses():
    zeros = torch.zeros(4, 1)
    assert R.nonsaturating_critic_loss(zeros, zeros, torch.tensor(2.0), 0.5).item() == pytest.approx(2 * math.log(2) + 1)
    assert R.nonsaturating_generator_loss(zeros).item() == pytest.approx(math.log(2))


def test_registry():
    assert set(R.VARIANTS) == {"gp", "one_sided", "r1", "dragan", "sn"}
    assert R.get_variant("LP") is R.VARIANTS["one_sided"]
    assert R.get_variant("spectral_norm").penalty is None
    with pytest.raises(ValueError):
        R.get_variant("nope")
    for v in R.VARIANTS.values():
        assert v.loss in R.LOSSES
        cfg = v.config(n_steps=1)
        assert isinstance(cfg, TrainConfig)
        assert cfg.method == ("none" if v.spectral_norm else "gp")
        assert cfg.lambda_gp == v.weight
        if v.penalty is not None:
            assert v.weight > 0 and v.toy_weight > 0
        assert v.for_toy().weight == v.toy_weight
    assert R.VARIANTS["r1"].with_weight(0.5).weight == 0.5


@pytest.mark.parametrize("name", sorted(R.VARIANTS))
def test_every_variant_trains_a_few_steps(name):
    torch.manual_seed(0)
    from course_utils.models import MLPGenerator
    from course_utils.toy_data import get_sampler

    v = R.get_variant(name)
    generator, critic = MLPGenerator(width=16, depth=1), v.make_critic(width=16, depth=1)
    history = train_wgan(generator, critic, get_sampler("8gaussians"), v.config(n_steps=3, n_critic=2, batch_size=32),
                         progress=False, **v.train_kwargs())
    assert len(history.step) >= 1
    assert all(math.isfinite(x) for x in history.critic_loss)
