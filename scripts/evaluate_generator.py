"""Score a generator the way issue 16 asks: 2,000 samples from a noise seed nobody tuned on, against the
2,000 shipped test images, on the course classifier (Frechet distance, confident share, class balance),
plus a per-class grid to look at.

    python scripts/evaluate_generator.py data/wgan_gp_fashion.pt --seed 2026 --grid /tmp/shipped_grid.png
    python scripts/evaluate_generator.py runs/images/long/checkpoints/step_001000.pt --seed 2026
    python scripts/evaluate_generator.py data/wgan_gp_fashion.pt --seed 2026 --critic-keep 0.8

A training checkpoint is scored with its weight average (EMA) when it has one, an exported file with the
generator it holds. Prints one JSON line. ``--critic-keep F`` scores the generator together with its critic
(notebook 08, section 7): it draws round(n / F) samples and keeps the n the critic scores highest.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from course_utils import fid, image_data  # noqa: E402
from course_utils.image_plots import per_class_grid, save_grid  # noqa: E402
from course_utils.image_training import ImageTrainConfig, load_pretrained  # noqa: E402


@torch.no_grad()
def critic_filtered(generator: torch.nn.Module, critic: torch.nn.Module, n: int, keep: float,
                    rng: torch.Generator) -> torch.Tensor:
    """``n`` samples: draw ``round(n / keep)`` and keep the ``n`` the critic scores highest, in noise order."""
    images = generator.sample(round(n / keep), generator=rng)
    scores = torch.cat([critic(chunk).flatten() for chunk in images.split(500)])
    kept = scores.argsort(descending=True)[:n].sort().values
    return images[kept]


def load_generator(path: Path) -> tuple[torch.nn.Module, dict]:
    """The generator to score from a checkpoint (its EMA when present) or an exported file, and its config."""
    state = torch.load(path, map_location="cpu", weights_only=False)
    config = ImageTrainConfig(**state["config"])
    generator, _ = config.models()
    weights = state.get("ema") if state.get("ema") is not None else state["generator"]
    generator.load_state_dict(weights)
    return generator.eval(), {"step": state.get("step"), "seconds": state.get("seconds"),
                              "weights": "ema" if state.get("ema") is not None else state.get("generator_weights", "raw")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("generator", type=Path, help="a training checkpoint or an exported generator file")
    parser.add_argument("--seed", type=int, default=2026, help="noise seed (use one you did not tune on)")
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument("--grid", type=Path, help="write a per-class grid (one row per predicted class) here")
    parser.add_argument("--critic-keep", type=float, metavar="F",
                        help="keep the fraction F (0 < F <= 1) of samples the saved critic scores highest")
    args = parser.parse_args(argv)
    if args.critic_keep is not None and not 0 < args.critic_keep <= 1:
        parser.error(f"--critic-keep is the fraction of samples kept, in (0, 1]; got {args.critic_keep}")
    torch.set_num_threads(1)
    test = image_data.load_images("test").tensor()
    evaluator = fid.Evaluator(test, fid.load_classifier(device="cpu"), n=args.n)
    generator, meta = load_generator(args.generator)
    rng = torch.Generator().manual_seed(args.seed)
    if args.critic_keep is None:
        samples = generator.sample(args.n, generator=rng)
    else:
        samples = critic_filtered(generator, load_pretrained(args.generator, device="cpu")[1], args.n, args.critic_keep,
                                  rng)  # the critic saved beside it
    result = evaluator(samples)
    _, labels, confidence = fid.classify_with_confidence(evaluator.classifier, samples)
    confident = confidence >= fid.CONFIDENT
    # per predicted class: the share of its samples the classifier is confident about (None: no sample)
    by_class = [round(float(confident[labels == c].mean()), 4) if (labels == c).any() else None for c in range(10)]
    if args.grid:
        save_grid(per_class_grid(image_data.from_unit_range(samples), labels), args.grid, nrow=8)
    print(json.dumps({"file": str(args.generator), **meta, "seed": args.seed, "n": args.n,
                      "critic_keep": args.critic_keep, "fd": round(result.fd, 2),
                      "confident": round(result.confident, 4), "balance": round(result.balance, 4),
                      "histogram": [round(float(x), 4) for x in result.histogram],
                      "confident_by_predicted_class": by_class}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
