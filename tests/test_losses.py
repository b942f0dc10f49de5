import pytest
import torch
from torch import nn

from course_utils import losses


class LinearCritic(nn.Module):
    """D(x) = w . x with a known input gradient w."""

    def __init__(self, w: torch.Tensor):
        super().__init__()
        self.w = nn.Parameter(w.clone())

    def forward(self, x):
        return (x.flatten(1) * self.w).sum(dim=1, keepdim=True)


@pytest.mark.parametrize("norm", [0.5, 1.0, 3.0])
@pytest.mark.parametrize("shape", [(16, 2), (5, 1, 4, 4)])
def test_gradient_penalty_on_a_linear_critic(norm, shape):
    d = int(torch.tensor(shape[1:]).prod())
    w = torch.randn(d)
    critic = LinearCritic(w / w.norm() * norm)
    gp = losses.gradient_penalty(critic, torch.randn(shape), torch.randn(shape))
    assert gp.shape == ()
    assert torch.allclose(gp, torch.tensor((norm - 1) ** 2), atol=1e-5)


def test_gradient_penalty_is_differentiable_in_the_critic_parameters():
    critic = LinearCritic(torch.tensor([3.0, 4.0]))  # norm 5: gp = (5 - 1)^2
    gp = losses.gradient_penalty(critic, torch.randn(8, 2), torch.randn(8, 2))
    gp.backward()
    # d/dw (|w| - 1)^2 = 2 (|w| - 1) w / |w|
    expected = 2 * 4 * torch.tensor([3.0, 4.0]) / 5
    assert torch.allclose(critic.w.grad, expected, atol=1e-5)


def test_interpolates_lie_on_the_segments_with_one_alpha_per_sample():
    real, fake = torch.randn(6, 3, 2), torch.randn(6, 3, 2)
    alpha = torch.rand(6)
    xhat = losses.interpolate(real, fake, alpha)
    assert torch.allclose(xhat, alpha[:, None, None] * real + (1 - alpha[:, None, None]) * fake)
    with pytest.raises(ValueError, match="same shape"):
        losses.interpolate(real, fake[:3])


def test_input_gradient_norms_are_per_sample():
    critic = LinearCritic(torch.tensor([0.0, 2.0]))
    norms = losses.input_gradient_norms(critic, torch.randn(5, 2))
    assert norms.shape == (5,) and torch.allclose(norms, torch.full((5,), 2.0))


def test_critic_and_generator_losses():
    real, fake = torch.tensor([1.0, 3.0]), torch.tensor([0.0, -2.0])
    assert losses.critic_loss(real, fake, torch.tensor(0.5), 10.0).item() == pytest.approx(-1 - 2 + 5)
    assert losses.generator_loss(fake).item() == pytest.approx(1.0)
    assert losses.wasserstein_estimate(real, fake) == pytest.approx(3.0)


def test_clip_weights_clamps_every_parameter_in_place():
    critic = nn.Sequential(nn.Linear(2, 4), nn.Linear(4, 1))
    params_before = [id(p) for p in critic.parameters()]
    with torch.no_grad():
        for p in critic.parameters():
            p.mul_(100)
    losses.clip_weights_(critic, 0.05)
    assert [id(p) for p in critic.parameters()] == params_before
    assert all(p.abs().max() <= 0.05 for p in critic.parameters())
    assert any((p.abs() == 0.05).any() for p in critic.parameters())
    with pytest.raises(ValueError):
        losses.clip_weights_(critic, 0)


@pytest.mark.parametrize("norm", [0.5, 1.0, 3.0])
@pytest.mark.parametrize("shape", [(16, 2), (5, 1, 4, 4)])
def test_one_sided_and_r1_on_a_linear_critic(norm, shape):
    d = int(torch.tensor(shape[1:]).prod())
    w = torch.randn(d)
    critic = LinearCritic(w / w.norm() * norm)
    real, fake = torch.randn(shape), torch.randn(shape)
    one_sided = losses.one_sided_penalty(critic, real, fake)
    r1 = losses.r1_penalty(critic, real)
    assert one_sided.shape == () and r1.shape == ()
    assert float(one_sided) == pytest.approx(max(0.0, norm - 1) ** 2, abs=1e-5)
    assert float(r1) == pytest.approx(norm**2, rel=1e-5)
    (grad,) = torch.autograd.grad(r1, critic.w)
    assert torch.allclose(grad, 2 * critic.w.detach(), atol=1e-5)  # d ||w||^2 / dw


def test_training_steps_follow_their_contracts():
    from course_utils import steps

    torch.manual_seed(0)
    critic = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
    generator = nn.Linear(3, 2)
    real, z = torch.randn(32, 2) + 2, torch.randn(32, 3)
    c_opt = torch.optim.RMSprop(critic.parameters(), lr=5e-5)
    g_opt = torch.optim.RMSprop(generator.parameters(), lr=5e-5)
    fake = generator(z)
    with torch.no_grad():
        before = float(critic(real).mean() - critic(fake).mean())
    estimate = steps.clip_critic_step(critic, c_opt, real, fake, 0.01)
    assert isinstance(estimate, float) and estimate == pytest.approx(before, abs=1e-6)
    assert all(float(p.abs().max()) <= 0.01 for p in critic.parameters())
    assert all(p.grad is None for p in generator.parameters()), "no gradient may reach the generator"
    assert isinstance(steps.gp_critic_step(critic, c_opt, real, generator(z), 10.0), float)
    loss = steps.generator_step(generator, critic, g_opt, z)
    assert isinstance(loss, float)
    assert all(p.requires_grad for p in critic.parameters()), "the critic is unfrozen afterwards"
