"""Mixed-precision penalty against float32, the GradScaler recipe, and exact checkpoint resume."""

import pytest
import torch

from course_utils.image_models import DCGANCritic
from course_utils.image_training import (
    ImageTrainConfig,
    ImageWGANGP,
    amp_gradient_penalty,
    export_pretrained,
    load_pretrained,
)
from course_utils.losses import gradient_penalty

torch.set_num_threads(1)  # tiny models: one thread is faster, and CI's cores are shared


def _setup():
    torch.manual_seed(0)
    critic = DCGANCritic(width=8)
    real, fake = torch.randn(16, 1, 28, 28), torch.randn(16, 1, 28, 28)
    alpha = torch.rand(16)
    return critic, real, fake, alpha


def test_fp32_path_matches_reference_penalty():
    critic, real, fake, alpha = _setup()
    ours, _ = amp_gradient_penalty(critic, real, fake, mode="off", alpha=alpha)
    torch.manual_seed(1)
    a = torch.rand(16)
    torch.manual_seed(1)
    ref = gradient_penalty(critic, real, fake)
    again, _ = amp_gradient_penalty(critic, real, fake, mode="off", alpha=a)
    torch.testing.assert_close(again, ref)
    assert ours.ndim == 0


def test_bf16_penalty_close_to_fp32():
    critic, real, fake, alpha = _setup()
    p32, n32 = amp_gradient_penalty(critic, real, fake, mode="off", alpha=alpha)
    p16, n16 = amp_gradient_penalty(critic, real, fake, mode="bf16", alpha=alpha)
    torch.testing.assert_close(n16, n32, rtol=3e-2, atol=3e-2)
    torch.testing.assert_close(p16, p32, rtol=5e-2, atol=5e-3)
    # and it stays differentiable w.r.t. the critic's parameters
    p16.backward()
    assert critic.features[0].weight.grad is not None and critic.head.weight.grad.abs().sum() > 0


def test_scaler_recipe_unscales_before_the_norm():
    critic, real, fake, alpha = _setup()
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0 ** 12)
    p_ref, n_ref = amp_gradient_penalty(critic, real, fake, mode="off", alpha=alpha)
    p_s, n_s = amp_gradient_penalty(critic, real, fake, mode="off", scaler=scaler, alpha=alpha)
    torch.testing.assert_close(n_s, n_ref, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(p_s, p_ref, rtol=1e-5, atol=1e-6)


def _tiny(seed=0, **kw):
    return ImageTrainConfig(n_steps=4, batch_size=8, n_critic=2, latent_dim=8, g_width=2, c_width=2, amp="off",
                            seed=seed, log_every=1, eval_every=1, eval_size=16, sample_every=2, checkpoint_every=0,
                            **{"ema_decay": 0.9, **kw})


def _data():
    g = torch.Generator().manual_seed(0)
    return torch.rand(64, 1, 28, 28, generator=g) * 2 - 1, torch.rand(16, 1, 28, 28, generator=g) * 2 - 1


@pytest.mark.parametrize(("upsample", "lr_decay", "top_k"),
                         [("transposed", None, 1.0), ("nearest", None, 1.0), ("nearest", (1, 4), 0.5)])
def test_resume_continues_identically(tmp_path, upsample, lr_decay, top_k):
    train, held = _data()
    straight = ImageWGANGP(_tiny(g_upsample=upsample, lr_decay=lr_decay, g_top_k=top_k), device="cpu",
                           train_images=train, heldout_images=held)
    straight.train(4, progress=False)

    first = ImageWGANGP(_tiny(g_upsample=upsample, lr_decay=lr_decay, g_top_k=top_k), device="cpu",
                        train_images=train, heldout_images=held)
    first.train(2, progress=False)
    path = first.save(tmp_path / "ck.pt")
    torch.manual_seed(999)  # whatever happens in between must not matter
    resumed = ImageWGANGP.resume(path, device="cpu", train_images=train, heldout_images=held)
    assert resumed.step == 2 and resumed.config.g_top_k == top_k
    assert resumed.opt_c.state_dict()["state"][0]["step"] == first.opt_c.state_dict()["state"][0]["step"]
    resumed.train(2, progress=False)

    assert resumed.step == straight.step == 4
    for a, b in zip(straight.generator.state_dict().values(), resumed.generator.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    for a, b in zip(straight.critic.parameters(), resumed.critic.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    for a, b in zip(straight.ema.state_dict().values(), resumed.ema.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert straight.history.critic_loss == resumed.history.critic_loss
    assert straight.history.heldout_w == resumed.history.heldout_w


def test_learning_rate_decays_linearly_to_zero_and_reaches_the_optimizers():
    config = ImageTrainConfig(lr=2e-4, lr_decay=(10, 20))
    assert [config.learning_rate(s) for s in (0, 10, 15, 20, 30)] == [2e-4, 2e-4, 1e-4, 0.0, 0.0]
    assert ImageTrainConfig().learning_rate(10**6) == 1e-4, "no decay unless asked"
    for bad in [(5, 5), (7, 3), (-1, 4)]:
        with pytest.raises(ValueError, match="lr_decay"):
            ImageTrainConfig(lr_decay=bad)
    train, held = _data()
    trainer = ImageWGANGP(_tiny(lr=1e-3, lr_decay=(0, 4)), device="cpu", train_images=train, heldout_images=held)
    trainer.train(3, progress=False)  # the last of the three steps ran with the rate of step 2
    assert {g["lr"] for opt in (trainer.opt_c, trainer.opt_g) for g in opt.param_groups} == {5e-4}


@pytest.mark.parametrize("top_k", [1.0, 0.5, 0.05])
def test_generator_step_learns_from_the_best_scored_fraction(top_k):
    train, held = _data()
    trainer = ImageWGANGP(_tiny(lr=0.0, ema_decay=0.0, g_top_k=top_k), device="cpu", train_images=train,
                          heldout_images=held)
    rng = torch.get_rng_state()
    loss = trainer.generator_step()  # lr 0: the weights stay, the gradients are kept in .grad
    torch.set_rng_state(rng)
    g, critic = trainer.generator, trainer.critic
    scores = critic(g(g.sample_latent(8))).flatten()
    kept = scores.topk({1.0: 8, 0.5: 4, 0.05: 1}[top_k]).values  # 0.05 of 8 rounds to 0: at least one is kept
    expected = -kept.mean()
    grads = torch.autograd.grad(expected, list(g.parameters()))
    torch.testing.assert_close(loss, expected.detach())
    for p, want in zip(g.parameters(), grads, strict=True):
        torch.testing.assert_close(p.grad, want)
    if top_k < 1.0:
        assert not torch.isclose(expected, -scores.mean()), "the test must tell top-k from the full batch"
    for bad in (0.0, -0.5, 1.5):
        with pytest.raises(ValueError, match="g_top_k"):
            ImageTrainConfig(g_top_k=bad)


def test_ema_is_a_moving_average_and_is_what_gets_sampled():
    from course_utils.image_training import update_ema

    avg, model = torch.nn.Linear(2, 1), torch.nn.Linear(2, 1)
    with torch.no_grad():
        avg.weight.fill_(0.0), model.weight.fill_(1.0)
    update_ema(avg, model, decay=0.9)  # late step: d = 0.9
    torch.testing.assert_close(avg.weight, torch.full_like(avg.weight, 0.1))
    update_ema(avg, model, decay=0.999, step=0)  # warm-up: d = 1/10
    torch.testing.assert_close(avg.weight, torch.full_like(avg.weight, 0.1 * 0.1 + 0.9))
    train, held = _data()
    t = ImageWGANGP(_tiny(), device="cpu", train_images=train, heldout_images=held)
    t.train(2, progress=False)
    assert t.sampler_generator is t.ema and not any(p.requires_grad for p in t.ema.parameters())
    assert not torch.equal(t.ema.project[0].weight, t.generator.project[0].weight)
    off = ImageWGANGP(_tiny(ema_decay=0.0), device="cpu", train_images=train, heldout_images=held)
    assert off.ema is None and off.sampler_generator is off.generator
    with pytest.raises(ValueError, match="ema_decay"):
        _tiny(ema_decay=1.0)


def test_stop_at_parses_utc_times():
    from course_utils.image_training import seconds_until_utc

    assert 0 <= seconds_until_utc("00:00") <= 24 * 3600
    with pytest.raises(ValueError, match="HH:MM"):
        seconds_until_utc("10h15")


def test_export_and_load_pretrained(tmp_path):
    train, held = _data()
    t = ImageWGANGP(_tiny(), device="cpu", train_images=train, heldout_images=held)
    t.train(1, progress=False)
    out = export_pretrained(t.save(tmp_path / "ck.pt"), tmp_path / "g.pt", {"note": "x"})
    g, c, info = load_pretrained(out, device="cpu")
    assert info["step"] == 1 and info["info"]["note"] == "x"
    torch.testing.assert_close(g.project[0].weight, t.ema.project[0].weight.cpu())  # the average is exported
    assert g.sample(3).shape == (3, 1, 28, 28) and c(g.sample(3)).shape == (3, 1)


def test_fp16_needs_cuda():
    if torch.cuda.is_available():
        pytest.skip("CUDA present")
    with pytest.raises(ValueError, match="CUDA"):
        ImageWGANGP(ImageTrainConfig(amp="fp16"), device="cpu", train_images=_data()[0], heldout_images=_data()[1])


def test_auto_precision_uses_native_bf16_only(monkeypatch):
    """A T4 (capability 7.5, bf16 only emulated) gets fp16 + GradScaler; an A100 (8.0) gets bf16."""
    from course_utils import image_training as it

    cuda = torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)

    def emulating(including_emulation=True):
        return including_emulation

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", emulating)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (7, 5))
    assert it.resolve_amp("auto", cuda) == "fp16"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (8, 0))
    assert it.resolve_amp("auto", cuda) == "bf16"
    assert it.resolve_amp("auto", torch.device("cpu")) == "off"


def test_command_line_sets_top_k_and_decay_on_resume(tmp_path, capsys):
    from course_utils.image_training import main

    tiny = ["--batch-size", "8", "--n-critic", "1", "--latent-dim", "8", "--g-width", "2", "--c-width", "2",
            "--amp", "off", "--device", "cpu", "--eval-every", "0", "--sample-every", "0"]
    assert main(["train", "--steps", "1", "--out", str(tmp_path / "fresh"), "--g-top-k", "0.5", *tiny]) == 0
    assert torch.load(tmp_path / "fresh" / "checkpoint.pt", weights_only=False)["config"]["g_top_k"] == 0.5
    assert "best-scored 50% of each batch" in capsys.readouterr().out
    assert main(["train", "--steps", "2", "--out", str(tmp_path), *tiny]) == 0
    path = tmp_path / "checkpoint.pt"
    assert torch.load(path, weights_only=False)["config"]["g_top_k"] == 1.0, "the full batch unless asked"
    assert "best-scored" not in capsys.readouterr().out
    assert main(["train", "--resume", str(path), "--steps", "1", "--out", str(tmp_path), "--device", "cpu",
                 "--g-top-k", "0.75", "--lr-decay", "2", "10"]) == 0
    state = torch.load(path, weights_only=False)
    assert state["step"] == 3 and state["config"]["g_top_k"] == 0.75 and state["config"]["lr_decay"] == (2, 10)
    assert "best-scored 75% of each batch" in capsys.readouterr().out
