"""scripts/evaluate_generator.py and scripts/image_study.py run end to end on tiny inputs."""

import json
import subprocess
import sys
from pathlib import Path

import torch

from course_utils.image_training import ImageTrainConfig, ImageWGANGP

ROOT = Path(__file__).resolve().parents[1]
ENV = {"WGAN_COURSE_THREADS": "1", "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}


def test_evaluate_generator_scores_the_average_of_a_checkpoint(tmp_path):
    g = torch.Generator().manual_seed(0)
    data = torch.rand(32, 1, 28, 28, generator=g) * 2 - 1
    config = ImageTrainConfig(batch_size=8, n_critic=1, latent_dim=8, g_width=2, c_width=2, amp="off", ema_decay=0.9,
                              eval_every=0, sample_every=0, checkpoint_every=0)
    trainer = ImageWGANGP(config, device="cpu", train_images=data, heldout_images=data)
    trainer.train(1, progress=False)
    ckpt = trainer.save(tmp_path / "ck.pt")
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "evaluate_generator.py"), str(ckpt), "-n", "40",
                           "--seed", "5", "--grid", str(tmp_path / "grid.png")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, env=ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["weights"] == "ema" and result["step"] == 1 and result["n"] == 40 and result["fd"] > 0
    assert 0 <= result["confident"] <= 1 and abs(sum(result["histogram"]) - 1) < 1e-3
    by_class, histogram = result["confident_by_predicted_class"], result["histogram"]
    assert len(by_class) == 10 and all((share is None) == (h == 0) for share, h in zip(by_class, histogram, strict=True))
    overall = sum(share * h for share, h in zip(by_class, histogram, strict=True) if share is not None)
    assert abs(overall - result["confident"]) < 2e-3, "the per-class shares, weighted by the histogram, give the total"
    assert (tmp_path / "grid.png").stat().st_size > 0


def test_critic_filter_keeps_the_highest_scored_samples():
    sys.path.insert(0, str(ROOT))
    from scripts.evaluate_generator import critic_filtered

    class Brightness(torch.nn.Module):   # a "critic" that scores an image by its mean pixel
        def forward(self, x):
            return x.mean(dim=(1, 2, 3)).unsqueeze(1)

    config = ImageTrainConfig(latent_dim=8, g_width=2, c_width=2)
    generator, _ = config.models()
    everything = generator.sample(50, generator=torch.Generator().manual_seed(3))
    kept = critic_filtered(generator, Brightness(), 40, 0.8, torch.Generator().manual_seed(3))
    means = everything.mean(dim=(1, 2, 3))
    best = means.argsort(descending=True)[:40].sort().values
    assert torch.equal(kept, everything[best]), "the 40 brightest of the 50, in the order they were drawn"
    assert torch.equal(critic_filtered(generator, Brightness(), 50, 1.0, torch.Generator().manual_seed(3)), everything)


def test_evaluate_generator_critic_keep(tmp_path):
    config = ImageTrainConfig(batch_size=8, n_critic=1, latent_dim=8, g_width=2, c_width=2, amp="off",
                              eval_every=0, sample_every=0, checkpoint_every=0)
    data = torch.rand(32, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    ckpt = ImageWGANGP(config, device="cpu", train_images=data, heldout_images=data).save(tmp_path / "ck.pt")
    script = [sys.executable, str(ROOT / "scripts" / "evaluate_generator.py"), str(ckpt), "-n", "40"]
    proc = subprocess.run([*script, "--critic-keep", "0.5"], cwd=ROOT, capture_output=True, text=True, timeout=300, env=ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["critic_keep"] == 0.5 and result["n"] == 40 and result["fd"] > 0
    bad = subprocess.run([*script, "--critic-keep", "80"], cwd=ROOT, capture_output=True, text=True, timeout=300, env=ENV)
    assert bad.returncode == 2 and "fraction of samples kept, in (0, 1]" in bad.stderr


def test_study_table_renders_rows(tmp_path):
    rows = tmp_path / "s.jsonl"
    rows.write_text(json.dumps({"name": "small", "change": {"lr": 2e-4}, "steps": 10, "cpu_s": 3, "fd_raw": 300.0,
                                "fd_ema": 290.0, "conf_raw": 0.01, "conf_ema": 0.02}) + "\n")
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "image_study.py"), "--table", "--out", str(rows)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, env=ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| small | lr=0.0002 | 3 | 10 | 300.0 | 290.0 | 1% | 2% |" in proc.stdout


def test_ship_generator_exports_records_and_keeps_the_previous_one(tmp_path):
    import shutil

    g = torch.Generator().manual_seed(0)
    data = torch.rand(32, 1, 28, 28, generator=g) * 2 - 1
    config = ImageTrainConfig(batch_size=8, n_critic=1, latent_dim=8, g_width=2, c_width=2, amp="off", ema_decay=0.9,
                              eval_every=1, sample_every=2, checkpoint_every=2, keep_checkpoints=True)
    run = tmp_path / "run"
    trainer = ImageWGANGP(config, device="cpu", train_images=data, heldout_images=data, out_dir=run)
    trainer.train(2, progress=False)
    shipped = tmp_path / "data"
    shipped.mkdir()
    shutil.copy(ROOT / "data" / "wgan_gp_fashion.json", shipped / "wgan_gp_fashion.json")
    before = json.loads((shipped / "wgan_gp_fashion.json").read_text())
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "ship_generator.py"),
                           str(run / "checkpoints" / "step_000002.pt"), "--selection", "test", "--command", "test",
                           "--hardware", "test", "--data-dir", str(shipped)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, env=ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]
    after = json.loads((shipped / "wgan_gp_fashion.json").read_text())
    assert after["step"] == 2 and after["selection"] == "test" and after["targets_issue16"]["met"] is False
    assert after["earlier_shipped_generators"][0]["step"] == before["step"]
    assert after["earlier_shipped_generators"][0]["metrics_n2000_seed2026"] == before[
        "metrics_n2000_seed2026_reference_shipped_test_subset"]["shipped"]
    issue = after["metrics_n2000_seed2026_reference_shipped_test_subset"]["shipped"]
    assert issue["fd"] > 30 and abs(sum(issue["histogram"]) - 1) < 1e-3
    filtered = after["critic_filtered_seed2026"]
    assert filtered["step"] == 2 and filtered["keep"] == 0.8 and "NOT the generator's own" in filtered["note"]
    assert filtered["fd"] > 0 and filtered["confident_share"] is not None and filtered != before["critic_filtered_seed2026"]
    for name in ("wgan_gp_fashion.pt", "wgan_gp_fashion_resume.pt", "wgan_gp_fashion_samples.png"):
        assert (shipped / name).stat().st_size > 0, name
    from course_utils.image_training import load_pretrained

    _, _, info = load_pretrained(shipped / "wgan_gp_fashion.pt", device="cpu")
    assert info["step"] == 2 and info["info"]["checkpoint"] == "step_000002.pt"


def test_background_script_starts_a_run_and_resumes_it(tmp_path):
    """scripts/train_images_background.sh: a first call starts the recipe, a second continues from its checkpoint."""
    run_dir = tmp_path / "run"
    env = {**ENV, "RUN_DIR": str(run_dir), "STOP_AT": "23:59", "STEPS": "2", "THREADS": "1", "NICE": "0",
           "PYTHON": sys.executable, "LR_DECAY": "1 6", "G_TOP_K": "0.5",
           "RECIPE": "--data subset --batch-size 8 --n-critic 1 --g-width 2 --c-width 2 --latent-dim 8 "
                     "--checkpoint-every 0 --sample-every 0 --eval-every 0"}
    script = str(ROOT / "scripts" / "train_images_background.sh")
    for expected_step in (2, 4):
        proc = subprocess.run(["bash", script], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
        assert proc.returncode == 0, proc.stderr[-3000:]
        state = torch.load(run_dir / "checkpoint.pt", map_location="cpu", weights_only=False)
        assert state["step"] == expected_step
        assert state["config"]["g_width"] == 2 and tuple(state["config"]["lr_decay"]) == (1, 6)
        assert state["config"]["g_top_k"] == 0.5
    assert "resumed from" in proc.stdout and "then linearly to 0 at 6" in proc.stdout
