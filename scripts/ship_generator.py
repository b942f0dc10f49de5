"""Ship a checkpoint of the long image run as the course's pretrained generator (issue 16's bookkeeping).

    python scripts/ship_generator.py runs/images/checkpoints/step_027000.pt \
        --selection "best of steps ... by FD on noise seed 1: ..." --command "how it was trained" \
        --hardware "what it ran on"

It writes ``data/wgan_gp_fashion.pt`` (weights only, the moving average as the generator),
``data/wgan_gp_fashion_resume.pt`` (the full training state, to continue the run),
``data/wgan_gp_fashion_samples.png`` (the run's own grid of that step) and updates
``data/wgan_gp_fashion.json``: the generator shipped until now moves to ``earlier_shipped_generators``,
and the new one gets its recipe, time and metrics, measured here on the shipped test images: issue 16's
protocol (2,000 samples, noise seed 2026) and notebook 08's setting (1,000 samples, seed 0), and, apart from
them, the generator filtered by its critic (2,500 samples, the 2,000 best-scored kept, seed 2026). The prose in
README.md and data/README.md is left to the person shipping. Prints the new metrics as JSON.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_utils import fid, image_data  # noqa: E402
from course_utils.image_training import export_pretrained, load_pretrained  # noqa: E402
from scripts.evaluate_generator import critic_filtered, load_generator  # noqa: E402

DATA = ROOT / "data"
CRITIC_KEEP = 0.8  # the fraction kept by the critic's filter, chosen on noise seeds 0-3 (data/image_recipe_study.md)


def _rounded(evaluation: fid.Evaluation) -> dict:
    return {"fd": round(evaluation.fd, 2), "confident_share": round(evaluation.confident, 4),
            "balance": round(evaluation.balance, 4), "histogram": [round(float(x), 4) for x in evaluation.histogram]}


def measure(generator: torch.nn.Module, critic: torch.nn.Module) -> dict:
    """Issue 16's protocol and notebook 08's setting, against the shipped test images; then the same protocol
    for the generator filtered by its critic (kept apart: those are the pair's numbers, not the generator's)."""
    test = image_data.load_images("test").tensor()
    classifier = fid.load_classifier(device="cpu")
    big = fid.Evaluator(test, classifier, n=2000)
    small = fid.Evaluator(test, classifier, n=1000)
    issue = big(generator.sample(2000, generator=torch.Generator().manual_seed(2026)))
    notebook = small.generator(generator, seed=0)
    filtered = big(critic_filtered(generator, critic, 2000, CRITIC_KEEP, torch.Generator().manual_seed(2026)))
    return {"n2000_seed2026": _rounded(issue), "n1000_seed0": _rounded(notebook),
            "critic_filtered_n2000_seed2026": _rounded(filtered)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", type=Path, help="a training checkpoint (runs/images/checkpoints/step_NNNNNN.pt)")
    parser.add_argument("--selection", required=True, help="how this checkpoint was chosen (never on seed 2026)")
    parser.add_argument("--command", required=True, help="the commands that trained it")
    parser.add_argument("--hardware", required=True, help="the machine and its load")
    parser.add_argument("--note", default="", help="what the person shipping wants recorded")
    parser.add_argument("--data-dir", type=Path, default=DATA, help="where the shipped files are (default data/)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)

    state = torch.load(args.checkpoint, map_location="cpu", weights_only=False)
    step, seconds = int(state["step"]), round(float(state["seconds"]))
    samples_png = args.checkpoint.parent.parent / "samples" / f"step_{step:06d}.png"
    if not samples_png.exists():
        raise SystemExit(f"{samples_png} is missing: ship a step the run saved a sample grid for")
    info = {"hardware": args.hardware, "wall_seconds": seconds, "command": args.command,
            "data": "full Fashion-MNIST training set (60,000 images, /usr/share/datasets/fashion-mnist)",
            "torch": torch.__version__, "checkpoint": args.checkpoint.name,
            "exported_weights": "generator = exponential moving average; critic = trained critic"}
    data = args.data_dir
    export_pretrained(args.checkpoint, data / "wgan_gp_fashion.pt", info)
    shutil.copy(args.checkpoint, data / "wgan_gp_fashion_resume.pt")
    shutil.copy(samples_png, data / "wgan_gp_fashion_samples.png")

    generator, _meta = load_generator(args.checkpoint)  # the weight average, as evaluate_generator.py scores it
    _, critic, _ = load_pretrained(args.checkpoint, device="cpu")  # the critic trained beside it
    metrics = measure(generator, critic)

    record_path = data / "wgan_gp_fashion.json"
    record = json.loads(record_path.read_text())
    old = record.get("metrics_n2000_seed2026_reference_shipped_test_subset", {}).get("shipped")
    if old is not None:
        record.setdefault("earlier_shipped_generators", []).insert(0, {
            "step": record["step"], "train_seconds": record["train_seconds"], "metrics_n2000_seed2026": old,
            "note": f"shipped before step {step} (same run, step {record['step']})"})
    history = state["history"]
    issue, notebook = metrics["n2000_seed2026"], metrics["n1000_seed0"]
    record.update({
        "step": step, "train_seconds": seconds, "config": state["config"], "info": info,
        "heldout_w_last": round(history["heldout_w"][-1], 3),
        "grad_norm_mean_last20": round(sum(history["grad_norm"][-20:]) / len(history["grad_norm"][-20:]), 3),
        "selection": args.selection,
    })
    record["metrics_n1000_reference_shipped_test_subset"]["shipped"] = {
        "fd": notebook["fd"], "confident_share": notebook["confident_share"], "balance": notebook["balance"]}
    record["metrics_n2000_seed2026_reference_shipped_test_subset"] = {
        "note": "issue 16's protocol: 2,000 samples from noise seed 2026 (never used for tuning or selection) "
                "against the 2,000 shipped test images, measured by scripts/ship_generator.py",
        "shipped": issue}
    record["critic_filtered_seed2026"] = {
        "note": "NOT the generator's own numbers: the generator together with the critic shipped beside it. "
                f"{round(2000 / CRITIC_KEEP):,} samples from noise seed 2026, the 2,000 the critic scores highest kept "
                f"(keep fraction {CRITIC_KEEP}, chosen on noise seeds 0-3, data/image_recipe_study.md), against the "
                "2,000 shipped test images; python scripts/evaluate_generator.py data/wgan_gp_fashion.pt --seed 2026 "
                f"--critic-keep {CRITIC_KEEP}",
        "step": step, "keep": CRITIC_KEEP, **metrics["critic_filtered_n2000_seed2026"]}
    met = issue["fd"] <= 30 and issue["confident_share"] >= 0.5
    record["targets_issue16"] = {
        "fd_at_most": 30, "confident_share_at_least": 0.5, "met": met,
        "note": f"FD {issue['fd']} ({'met' if issue['fd'] <= 30 else 'not met'}), confident "
                f"{issue['confident_share']:.1%} ({'met' if issue['confident_share'] >= 0.5 else 'not met'}) on the "
                "issue's protocol (seed 2026, 2,000 samples)" + (f"; {args.note}" if args.note else "")}
    record_path.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps({"step": step, "train_seconds": seconds, **metrics}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
