import math

import pytest
import torch
import torch.nn.functional as F

from course_utils import env, models, standard_gan, toy_data

torch.set_num_threads(1)  # tiny models: one thread is fastest, and CI shares its cores


def _models(width=32):
    return models.MLPGenerator(width=width, depth=2), models.MLPCritic(width=width, depth=2)


def test_discriminator_loss_is_binary_cross_entropy_on_logits():
    real, fake = torch.tensor([[2.0], [-0.5], [0.3]]), torch.tensor([[-1.0], [0.7], [4.0]])
    expected = F.binary_cross_entropy_with_logits(real, torch.ones_like(real)) + F.binary_cross_entropy_with_logits(
        fake, torch.zeros_like(fake)
    )
    assert torch.allclose(standard_gan.discriminator_loss(real, fake), expected)


def test_generator_losses_match_their_formulas_and_derivatives():
    logits = torch.tensor([-3.0, -0.2, 0.0, 1.5], requires_grad=True)
    d = torch.sigmoid(logits.detach())
    sat = standard_gan.saturating_generator_loss(logits)
    assert torch.allclose(sat, torch.log(1 - d).mean())
    (g_sat,) = torch.autograd.grad(sat, logits)
    assert torch.allclose(g_sat, -d / len(d))  # d/dl log(1 - sigmoid(l)) = -D

    nonsat = standard_gan.nonsaturating_generator_loss(logits)
    assert torch.allclose(nonsat, -torch.log(d).mean())
    (g_non,) = torch.autograd.grad(nonsat, logits)
    assert torch.allclose(g_non, -(1 - d) / len(d))  # d/dl -log sigmoid(l) = -(1 - D)


def test_losses_are_finite_for_extreme_logits():
    big = torch.tensor([-200.0, 200.0])
    for fn in (standard_gan.saturating_generator_loss, standard_gan.nonsaturating_generator_loss):
        assert torch.isfinite(fn(big))
    assert torch.isfinite(standard_gan.discriminator_loss(big, big))


def test_js_lower_bound_reaches_log2_for_a_perfect_discriminator_and_zero_for_a_clueless_one():
    perfect = standard_gan.js_lower_bound(torch.full((5, 1), 50.0), torch.full((5, 1), -50.0))
    assert perfect == pytest.approx(math.log(2), abs=1e-9)
    clueless = standard_gan.js_lower_bound(torch.zeros(5, 1), torch.zeros(5, 1))
    assert clueless == pytest.approx(0.0, abs=1e-6)


def test_config_validates_and_defaults_to_dcgan_adam():
    cfg = standard_gan.GANConfig()
    assert (cfg.lr, cfg.betas, cfg.loss) == (2e-4, (0.5, 0.999), "nonsaturating")
    with pytest.raises(ValueError, match="loss"):
        standard_gan.GANConfig(loss="wasserstein")
    with pytest.raises(ValueError):
        standard_gan.GANConfig(n_disc=0)


@pytest.mark.parametrize("loss", ["nonsaturating", "saturating"])
def test_train_gan_logs_and_calls_back(loss):
    env.seed_everything(0)
    g, d = _models()
    calls = []
    cfg = standard_gan.GANConfig(n_steps=7, batch_size=16, log_every=3, loss=loss)
    h = standard_gan.train_gan(g, d, toy_data.get_sampler("8gaussians"), cfg, progress=False,
                               callback=lambda step, gen: calls.append(step), callback_every=3)
    assert h.step == [0, 3, 6]
    assert calls == [0, 3, 6]
    assert all(len(v) == 3 for v in h.as_dict().values())
    assert all(0.0 <= v <= 1.0 for v in h.d_real + h.d_fake)


def test_train_gan_needs_both_models_on_one_device():
    g, d = _models()
    g.latent_dim = None
    with pytest.raises(AttributeError, match="latent_dim"):
        standard_gan.train_gan(g, d, toy_data.get_sampler("8gaussians"), standard_gan.GANConfig(n_steps=1),
                               progress=False)


def test_generator_gradient_norm_matches_autograd_and_leaves_grads_alone():
    env.seed_everything(1)
    g, d = _models()
    z = torch.randn(64, 2)
    value = standard_gan.generator_gradient_norm(g, d, "saturating", z)
    loss = standard_gan.saturating_generator_loss(d(g(z)))
    grads = torch.autograd.grad(loss, list(g.parameters()))
    assert value == pytest.approx(float(torch.sqrt(sum((x**2).sum() for x in grads))), rel=1e-5)
    assert all(p.grad is None for p in list(g.parameters()) + list(d.parameters()))


def test_watch_generator_gradients_sees_the_saturating_gradient_shrink():
    env.seed_everything(0)
    g, d = _models(width=32)
    watch = standard_gan.watch_generator_gradients(g, d, toy_data.get_sampler("8gaussians"), n_steps=200,
                                                   every=50, n_eval=256, progress=False)
    assert watch.step == [0, 50, 100, 150, 200]
    assert all(len(v) == 5 for v in watch.as_dict().values())
    assert watch.d_fake[-1] < 0.1 and watch.d_real[-1] > 0.9
    assert watch.saturating[-1] < 0.5 * max(watch.saturating)
    assert watch.nonsaturating[-1] > 10 * watch.saturating[-1]
    assert watch.js_bound[-1] > 0.6
    assert all(p.grad is None for p in g.parameters())
