"""What a GPU must prove for this course (issue 16), in one command.

1. every notebook in **full mode** executes on the GPU (``WGAN_COURSE_DEVICE`` set, quick mode off);
2. the mixed-precision gradient penalty (bfloat16 where native, float16 + GradScaler) against float32;
3. the time for the shipped recipe to reach the shipped generator's Frechet distance
   (from ``data/wgan_gp_fashion.json``) on the GPU.

    python scripts/gpu_check.py --out gpu_check.json            # on a CUDA machine
    python scripts/gpu_check.py --dry-run --out /tmp/dry.json    # anywhere: the same code paths, tiny sizes, on the CPU

``--dry-run`` executes no notebook (it lists them), compares the penalty in bfloat16 against
float32 on the CPU, and trains for a few steps only; the tests run it. Paste the JSON's
numbers into the README's GPU section.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_utils import fid, image_data  # noqa: E402
from course_utils.image_models import DCGANCritic, DCGANGenerator  # noqa: E402
from course_utils.image_precision import amp_gradient_penalty, make_scaler, native_bf16, resolve_amp  # noqa: E402
from course_utils.image_training import ImageTrainConfig, ImageWGANGP  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def run_notebooks(device: str, dry_run: bool, timeout_s: int) -> list[dict]:
    """Execute every notebook in full mode on ``device`` (dry run: list them only)."""
    results = []
    for nb in NOTEBOOKS:
        if dry_run:
            results.append({"notebook": nb.name, "status": "listed (dry run)"})
            continue
        env = {**os.environ, "WGAN_COURSE_DEVICE": device, "WGAN_COURSE_QUICK": "0", "MPLBACKEND": "Agg"}
        out = Path("/tmp") / f"gpu_check_{nb.name}"
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                               f"--ExecutePreprocessor.timeout={timeout_s}", "--output", str(out), str(nb)],
                              env=env, cwd=ROOT, capture_output=True, text=True)
        results.append({"notebook": nb.name, "status": "ok" if proc.returncode == 0 else "FAILED",
                        "seconds": round(time.perf_counter() - t0, 1),
                        **({"error": proc.stderr[-2000:]} if proc.returncode else {})})
        print(results[-1], flush=True)
    return results


def penalty_check(device: torch.device, batch: int = 64, width: int = 32) -> dict:
    """The penalty and gradient norms under each mixed-precision mode available, against float32."""
    torch.manual_seed(0)
    critic = DCGANCritic(width=width).to(device)
    real = torch.rand(batch, 1, 28, 28, device=device) * 2 - 1
    fake = DCGANGenerator(width=16).to(device).sample(batch)
    alpha = torch.rand(batch, device=device)
    p32, n32 = amp_gradient_penalty(critic, real, fake, mode="off", alpha=alpha)
    modes = ["bf16"] + (["fp16"] if device.type == "cuda" else [])
    out = {"float32_penalty": float(p32), "auto_mode": resolve_amp("auto", device), "native_bf16": native_bf16(device)}
    for mode in modes:
        scaler = make_scaler(device, mode)
        p, n = amp_gradient_penalty(critic, real, fake, mode=mode, scaler=scaler, alpha=alpha)
        out[mode] = {"penalty": float(p), "penalty_rel_err": float((p - p32).abs() / p32.abs().clamp_min(1e-12)),
                     "norm_max_rel_err": float(((n - n32).abs() / n32.abs().clamp_min(1e-12)).max())}
    return out


def time_to_shipped_fd(device: torch.device, dry_run: bool, max_steps: int, eval_every: int) -> dict:
    """Train the shipped recipe on ``device`` until its weight-averaged generator's FD reaches the shipped one."""
    meta = json.loads((image_data.REPO_DATA / "wgan_gp_fashion.json").read_text())
    # the shipped generator's FD at n = 1,000 (noise seed 0) against the first 1,000 shipped test images
    target = float(meta["metrics_n1000_reference_shipped_test_subset"]["shipped"]["fd"])
    recipe = {k: v for k, v in meta["config"].items() if k in ImageTrainConfig.__dataclass_fields__}
    recipe.update(eval_every=0, sample_every=0, checkpoint_every=0, keep_checkpoints=False, time_budget_s=None)
    n_eval = 100 if dry_run else 1000
    if dry_run:
        recipe.update(batch_size=8, g_width=4, c_width=4, amp="off")
        max_steps, eval_every = 2, 1
    evaluator = fid.Evaluator(image_data.load_images("test").tensor(), fid.load_classifier(device=device), n=n_eval)
    trainer = ImageWGANGP(ImageTrainConfig(**recipe), device=device)
    trail = []
    t0 = time.perf_counter()
    while trainer.step < max_steps:
        trainer.train(eval_every, progress=False)
        if device.type == "cuda":
            torch.cuda.synchronize()
        e = evaluator.generator(trainer.sampler_generator, seed=0)
        trail.append({"step": trainer.step, "seconds": round(time.perf_counter() - t0, 1), "fd": round(e.fd, 1),
                      "confident": round(e.confident, 3)})
        print(trail[-1], flush=True)
        if e.fd <= target:
            break
    reached = bool(trail) and trail[-1]["fd"] <= target
    return {"target_fd": target, "reached": reached, "precision": trainer.mode, "n_eval": n_eval, "trail": trail,
            "seconds": trail[-1]["seconds"] if trail else None, "steps": trainer.step}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="tiny sizes on the CPU, no notebook executed")
    parser.add_argument("--out", type=Path, default=Path("gpu_check.json"))
    parser.add_argument("--max-steps", type=int, default=20000)
    parser.add_argument("--eval-every", type=int, default=500)
    parser.add_argument("--notebook-timeout", type=int, default=1800)
    parser.add_argument("--skip-notebooks", action="store_true")
    args = parser.parse_args(argv)
    if args.dry_run:
        device = torch.device("cpu")
    elif torch.cuda.is_available():
        device = torch.device("cuda")
    else:
        parser.error("no CUDA GPU here; use --dry-run to exercise the script on the CPU")
    report = {
        "dry_run": args.dry_run,
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu (dry run)",
        "torch": torch.__version__,
        "notebooks": [] if args.skip_notebooks else run_notebooks(device.type, args.dry_run, args.notebook_timeout),
        "penalty": penalty_check(device),
        "time_to_shipped_fd": time_to_shipped_fd(device, args.dry_run, args.max_steps, args.eval_every),
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    failed = [r["notebook"] for r in report["notebooks"] if r["status"] == "FAILED"]
    print(f"wrote {args.out}" + (f"; FAILED notebooks: {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
