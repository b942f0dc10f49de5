"""Quality per CPU second of image WGAN-GP recipes, one change at a time (issue 16).

Each configuration trains with one torch thread until it has used ``--cpu-seconds`` of
*process* CPU time (so a busy machine slows it down but does not bias the comparison),
then scores the raw generator and its weight average (EMA) on 1,000 samples (noise seed 0)
against the first 1,000 shipped test images: Frechet distance on the course classifier's
features and the share of samples the classifier is confident about (max softmax >= 0.9).

    python scripts/image_study.py --cpu-seconds 180 --out /work/runs/images/study.jsonl base nearest ...

Results are appended as JSON lines; ``--table`` prints them as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from course_utils import fid, image_data  # noqa: E402
from course_utils.image_training import ImageTrainConfig, ImageWGANGP  # noqa: E402

BASE = dict(eval_every=0, sample_every=0, checkpoint_every=0, ema_decay=0.999)
# the notebook-sized model (generator width 8, critic width 16, latent 32, batch 32): on a shared CPU it is
# the only size for which a few CPU minutes buy enough steps to compare recipes
SMALL = dict(g_width=8, c_width=16, latent_dim=32, batch_size=32, ema_decay=0.99)
CONFIGS: dict[str, dict] = {
    "base": {},                                   # the shipped recipe (transposed conv, width 16/32, n_critic 5)
    "nearest": {"g_upsample": "nearest"},         # upsample + 3x3 conv instead of transposed conv
    "ncritic2": {"n_critic": 2},
    "lr2e-4_b0": {"lr": 2e-4, "betas": (0.0, 0.9)},
    "b0": {"betas": (0.0, 0.9)},
    "lr3e-4": {"lr": 3e-4},
    "wide": {"g_width": 32, "c_width": 64},
    "nearest_ncritic2": {"g_upsample": "nearest", "n_critic": 2},
    "nearest_nobn": {"g_upsample": "nearest", "g_batchnorm": False},
    "nearest_lr2e-4_b0": {"g_upsample": "nearest", "lr": 2e-4, "betas": (0.0, 0.9)},
    "small": SMALL,
    "small_nearest": {**SMALL, "g_upsample": "nearest"},
    "small_nearest_lr2e-4": {**SMALL, "g_upsample": "nearest", "lr": 2e-4},
    "small_nearest_lr2e-4_b0": {**SMALL, "g_upsample": "nearest", "lr": 2e-4, "betas": (0.0, 0.9)},
    "small_nearest_lr2e-4_ncritic2": {**SMALL, "g_upsample": "nearest", "lr": 2e-4, "n_critic": 2},
    "small_nearest_lr2e-4_nobn": {**SMALL, "g_upsample": "nearest", "lr": 2e-4, "g_batchnorm": False},
}


def run(name: str, cpu_seconds: float, evaluator: fid.Evaluator, extra: dict) -> dict:
    config = ImageTrainConfig(**{**BASE, **CONFIGS[name], **extra})
    trainer = ImageWGANGP(config, device="cpu")
    c0, w0 = time.process_time(), time.perf_counter()
    while time.process_time() - c0 < cpu_seconds:
        trainer.train(10, progress=False)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    raw = evaluator.generator(trainer.generator, seed=0)
    ema = evaluator.generator(trainer.ema, seed=0)
    return {"name": name, "change": CONFIGS[name], "steps": trainer.step, "cpu_s": round(cpu), "wall_s": round(wall),
            "fd_raw": round(raw.fd, 1), "fd_ema": round(ema.fd, 1), "conf_raw": round(raw.confident, 3),
            "conf_ema": round(ema.confident, 3), "balance_ema": round(ema.balance, 3), "extra": extra}


def table(path: Path) -> str:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    out = ["| config | change vs base | CPU s | gen. steps | FD raw | FD EMA | confident raw | confident EMA |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        change = ", ".join(f"{k}={v}" for k, v in {**r["change"], **r.get("extra", {})}.items()) or "-"
        out.append(f"| {r['name']} | {change} | {r['cpu_s']} | {r['steps']} | {r['fd_raw']} | {r['fd_ema']} | "
                   f"{r['conf_raw']:.0%} | {r['conf_ema']:.0%} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("configs", nargs="*", help=f"any of {sorted(CONFIGS)}")
    parser.add_argument("--cpu-seconds", type=float, default=180.0)
    parser.add_argument("--data", choices=["subset", "full"], default="subset")
    parser.add_argument("--out", type=Path, default=Path("runs/image_study.jsonl"))
    parser.add_argument("--table", action="store_true", help="print the results so far as Markdown and exit")
    args = parser.parse_args(argv)
    if args.table:
        print(table(args.out))
        return 0
    torch.set_num_threads(1)
    evaluator = fid.Evaluator(image_data.load_images("test").tensor(), fid.load_classifier(device="cpu"), n=1000)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for name in args.configs:
        result = run(name, args.cpu_seconds, evaluator, {"data": args.data} if args.data != "subset" else {})
        print(json.dumps(result), flush=True)
        with args.out.open("a") as f:
            f.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
