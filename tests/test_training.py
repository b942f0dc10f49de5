import matplotlib

matplotlib.use("Agg")

import pytest
import torch

from course_utils import env, losses, models, plots, toy_data, training


def _models(width=32):
    return models.MLPGenerator(width=width, depth=2), models.MLPCritic(width=width, depth=2)


def test_config_takes_the_papers_defaults():
    gp = training.TrainConfig(method="gp")
    assert (gp.lr, gp.betas, gp.lambda_gp, gp.n_critic) == (1e-4, (0.0, 0.9), 10.0, 5)
    clip = training.TrainConfig(method="clip")
    assert (clip.lr, clip.clip_value) == (5e-5, 0.01)
    assert isinstance(clip.make_optimizer(torch.nn.Linear(1, 1).parameters()), torch.optim.RMSprop)
    with pytest.raises(ValueError, match="method"):
        training.TrainConfig(method="sgd")


@pytest.mark.parametrize("method", ["gp", "clip"])
def test_train_wgan_records_history_and_respects_the_constraint(method):
    env.seed_everything(0)
    g, c = _models()
    sampler = toy_data.get_sampler("8gaussians")
    cfg = training.TrainConfig(method=method, n_steps=12, n_critic=2, batch_size=32, log_every=5)
    calls = []
    h = training.train_wgan(g, c, sampler, cfg, progress=False, callback=lambda s, h: calls.append(s), callback_every=4)
    assert h.step == [0, 5, 10, 11]
    assert calls == [4, 8, 12]
    assert all(len(getattr(h, k)) == 4 for k in ("critic_loss", "generator_loss", "w_estimate", "grad_norm", "seconds"))
    if method == "clip":
        assert all(p.abs().max() <= 0.01 + 1e-8 for p in c.parameters())
        assert h.penalty == [0.0] * 4


def test_train_wgan_uses_the_functions_it_is_given():
    g, c = _models()
    used = {"gp": 0, "clip": 0}

    def my_penalty(critic, real, fake):
        used["gp"] += 1
        return losses.gradient_penalty(critic, real, fake)

    cfg = training.TrainConfig(n_steps=3, n_critic=2, batch_size=16)
    training.train_wgan(g, c, toy_data.get_sampler("swissroll"), cfg, gradient_penalty=my_penalty, progress=False)
    assert used["gp"] == 6


def test_seeded_training_is_reproducible_and_resumable():
    def run():
        env.seed_everything(3)
        g, c = _models()
        cfg = training.TrainConfig(n_steps=5, n_critic=2, batch_size=16, log_every=1)
        return training.train_wgan(g, c, toy_data.get_sampler("8gaussians"), cfg, progress=False)

    a, b = run(), run()
    assert a.critic_loss == b.critic_loss and a.w_estimate == b.w_estimate
    g, c = _models()
    cfg = training.TrainConfig(n_steps=2, n_critic=1, batch_size=8, log_every=1)
    opts = (cfg.make_optimizer(g.parameters()), cfg.make_optimizer(c.parameters()))
    h = training.train_wgan(g, c, toy_data.get_sampler("8gaussians"), cfg, optimizers=opts, progress=False)
    h = training.train_wgan(g, c, toy_data.get_sampler("8gaussians"), cfg, optimizers=opts, history=h, progress=False)
    assert h.step == [0, 1, 2, 3]
    assert h.last("step", 2) == 2.5


def test_time_budget_stops_early():
    g, c = _models()
    cfg = training.TrainConfig(n_steps=10_000, n_critic=1, batch_size=8, time_budget_s=0.3)
    h = training.train_wgan(g, c, toy_data.get_sampler("8gaussians"), cfg, progress=False)
    assert h.step[-1] < 9_999 and h.seconds[-1] >= 0.3


def test_train_critic_estimates_a_known_distance():
    env.seed_everything(0)
    critic = models.MLPCritic(in_dim=1, width=32, depth=2)
    cfg = training.TrainConfig(n_steps=300, batch_size=128, lr=3e-3, betas=(0.5, 0.9), log_every=50)
    h = training.train_critic(critic, lambda n: torch.randn(n, 1) + 2.0, lambda n: torch.randn(n, 1), cfg, progress=False)
    # W1 between N(2, 1) and N(0, 1) is 2
    assert abs(h.last("w_estimate", 3) - 2.0) < 0.4
    assert abs(h.last("grad_norm", 3) - 1.0) < 0.2


def test_models_on_different_devices_are_refused():
    g, _ = _models()
    c_meta = models.MLPCritic(width=4).to("meta")
    with pytest.raises(ValueError, match="move both"):
        training.train_wgan(g, c_meta, toy_data.get_sampler("8gaussians"), training.TrainConfig(n_steps=1), progress=False)


def test_plots_draw_titled_labelled_figures():
    import matplotlib.pyplot as plt

    real = toy_data.eight_gaussians(500)
    c = models.MLPCritic(width=8, depth=1)
    ax = plots.plot_value_surface(c, real, real + 0.1, title="surface")
    assert ax.get_title() == "surface" and ax.get_xlabel() and ax.get_ylabel()
    ax = plots.plot_samples(real, real, title="samples")
    assert ax.get_title() == "samples"
    h = training.History(step=[0, 1], critic_loss=[1, 0], generator_loss=[0, 1], w_estimate=[0, 1],
                         penalty=[0, 0], grad_norm=[1, 1], seconds=[0, 1])
    axes = plots.plot_history(h)
    assert all(a.get_title() and a.get_xlabel() for a in axes)
    axes = plots.plot_sample_snapshots({10: real, 20: real}, real)
    assert [a.get_title() for a in axes] == ["step 10", "step 20"]
    with pytest.raises(ValueError):
        plots.plot_sample_snapshots({}, real)
    plt.close("all")
