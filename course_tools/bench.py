"""Side-by-side benchmarks of the course's training code (CPU by default, GPU if present).

Usage::

    python -m course_tools bench                     # default: about 12 minutes on 2 CPU cores
    python -m course_tools bench --quick --sections steps,quality,images   # about a minute
    python -m course_tools bench --repeats 7 --out bench_results/bench.json \\
        --sections steps,quality,images,notebooks --notebook-modes quick,full

Every comparison is measured within one run, with the variants *interleaved inside each
repeat* (variant A, B, C, ... then the next repeat), so slow drift of a shared machine hits
all variants alike. Results are ratios to a baseline with min / median / max over repeats.

Sections:

* ``steps``: critic step time (forward on real and fake, loss, backward, optimizer step)
  for weight clipping vs the gradient penalty, on the MLP critic (3 x 512, batch 256) and
  the DCGAN critic (28 x 28, batch 64); the course's ``gradient_penalty`` vs a textbook
  implementation; and two candidate optimisations (one critic forward over
  ``torch.cat([real, fake])`` instead of two; ``torch.set_flush_denormal(True)``).
* ``quality``: the ``gp-fast`` recipe on 8 Gaussians, modes and high-quality fraction read
  from one run's evaluation trace at 15, 30 and 60 s (5, 10, 15 s with ``--quick``).
* ``images``: generator iterations per second of the image WGAN-GP training step
  (CPU float32; GPU float32 and AMP when CUDA is available). Random images stand in for
  the data set (speed does not depend on the pixels).
* ``notebooks`` (:mod:`course_tools.bench_notebooks`): wall time of every notebook executed top to bottom in a fresh kernel, in
  quick mode (``--notebook-modes quick``, the default), full mode or both; or the times of an
  earlier run's JSON with ``--notebook-times``.
"""

from __future__ import annotations

import copy
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import torch
from torch import nn

from course_utils.image_models import DCGANCritic
from course_utils.losses import clip_weights_, critic_loss, gradient_penalty
from course_utils.models import MLPCritic

from . import cli
from .bench_machine import cpu_model, machine_info, summarize
from .bench_notebooks import NOTEBOOK_DIR, notebook_times, time_notebooks
from .paths import BENCH_RESULTS

__all__ = [
    "SECTIONS", "TARGETS", "STEP_VARIANTS", "DEFAULT_SIZES", "cpu_model", "machine_info", "summarize",
    "textbook_gradient_penalty", "time_critic_steps", "thread_scaling", "toy_quality", "image_speed",
    "NOTEBOOK_DIR", "time_notebooks", "notebook_times", "to_markdown", "verdicts", "run", "main",
]

SECTIONS = ("steps", "quality", "images", "notebooks")
TARGETS = {"mlp": 1.4, "conv": 1.8}  # GP / clip step-time targets


# ----------------------------------------------------------------------------- penalties
def textbook_gradient_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """The usual WGAN-GP penalty as found in most tutorials (for comparison with the course's)."""
    b = real.shape[0]
    alpha = torch.rand(b, *([1] * (real.dim() - 1)), device=real.device, dtype=real.dtype)
    xhat = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    out = critic(xhat)
    (grads,) = torch.autograd.grad(outputs=out, inputs=xhat, grad_outputs=torch.ones_like(out),
                                   create_graph=True, retain_graph=True)
    return ((grads.view(b, -1).norm(2, dim=1) - 1) ** 2).mean()


# ----------------------------------------------------------------------------- critic steps
def _make_step(variant: str, critic: nn.Module, real: torch.Tensor, fake: torch.Tensor,
               lambda_gp: float = 10.0, clip: float = 0.01) -> Callable[[], None]:
    """One critic update for ``variant``; every variant uses Adam so only the constraint differs."""
    if variant == "gp_channels_last":  # convolutional critics only
        critic = critic.to(memory_format=torch.channels_last)
        real = real.contiguous(memory_format=torch.channels_last)
        fake = fake.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.Adam(critic.parameters(), lr=1e-4, betas=(0.5, 0.9))
    penalty_fn = textbook_gradient_penalty if variant == "gp_textbook" else gradient_penalty
    b = real.shape[0]

    def step() -> None:
        if variant == "gp_concat":
            scores = critic(torch.cat([real, fake]))
            real_scores, fake_scores = scores[:b], scores[b:]
        elif variant == "gp_concat3":  # real, fake and the interpolates in one forward pass
            alpha = torch.rand(b, *([1] * (real.dim() - 1)), dtype=real.dtype)
            xhat = torch.lerp(fake, real, alpha).requires_grad_(True)
            scores = critic(torch.cat([real, fake, xhat]))
            real_scores, fake_scores = scores[:b], scores[b:2 * b]
            (grads,) = torch.autograd.grad(scores[2 * b:].sum(), xhat, create_graph=True)
            penalty = ((grads.flatten(start_dim=1).norm(2, dim=1) - 1) ** 2).mean()
        else:
            real_scores, fake_scores = critic(real), critic(fake)
        if variant == "clip":
            loss = critic_loss(real_scores, fake_scores, 0.0, 0.0)
        elif variant == "gp_concat3":
            loss = critic_loss(real_scores, fake_scores, penalty, lambda_gp)
        elif variant == "gp_half_batch":  # the penalty's expectation estimated on half the pairs
            half = b // 2
            loss = critic_loss(real_scores, fake_scores, penalty_fn(critic, real[:half], fake[:half]), lambda_gp)
        else:
            loss = critic_loss(real_scores, fake_scores, penalty_fn(critic, real, fake), lambda_gp)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if variant == "clip":
            clip_weights_(critic, clip)

    return step


#: variant -> (what it is, baseline it is compared with)
STEP_VARIANTS = {
    "clip": ("weight clipping (c=0.01)", None),
    "gp": ("gradient penalty, course `gradient_penalty`", "clip"),
    "gp_textbook": ("gradient penalty, textbook autograd.grad(grad_outputs=ones)", "gp"),
    "gp_concat": ("GP, one critic forward over cat([real, fake])", "gp"),
    "gp_concat3": ("GP, one critic forward over cat([real, fake, interpolates])", "gp"),
    "gp_flush_denormal": ("GP with torch.set_flush_denormal(True)", "gp"),
    "gp_channels_last": ("GP, critic and images in channels_last (conv only)", "gp"),
    "gp_half_batch": ("GP on half the batch's pairs (changes the estimator)", "gp"),
}


def _model_setup(model: str, sizes: dict) -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    if model == "mlp":
        critic = MLPCritic(in_dim=2, width=sizes["mlp_width"], depth=sizes["mlp_depth"])
        shape = (sizes["mlp_batch"], 2)
    elif model == "conv":
        critic = DCGANCritic(width=sizes["conv_width"])
        shape = (sizes["conv_batch"], 1, 28, 28)
    else:
        raise ValueError(model)
    real = torch.randn(*shape)
    fake = torch.randn(*shape) * 0.5 + 0.3
    if model == "conv":
        real, fake = real.clamp(-1, 1), fake.clamp(-1, 1)
    return critic, real, fake


DEFAULT_SIZES = dict(mlp_width=512, mlp_depth=3, mlp_batch=256, conv_width=32, conv_batch=64)


def time_critic_steps(repeats: int = 5, iters: int = 20, warmup: int = 5, models: tuple[str, ...] = ("mlp", "conv"),
                      sizes: dict | None = None, seed: int = 0, variants: tuple[str, ...] | None = None) -> dict:
    """Milliseconds per critic step for every variant, interleaved inside each repeat.

    Returns ``{model: {"ms": {variant: summary}, "ratios": {name: summary}, ...}}``, where a
    summary has min / median / max (and the raw per-repeat values).
    """
    sizes = {**DEFAULT_SIZES, **(sizes or {})}
    all_variants = tuple(variants or STEP_VARIANTS)
    flush_before = False  # torch has no getter; the default is off
    out: dict = {}
    for model in models:
        variants = tuple(v for v in all_variants if not (v == "gp_channels_last" and model == "mlp"))
        torch.manual_seed(seed)
        base, real, fake = _model_setup(model, sizes)
        steps = {}
        for v in variants:
            torch.manual_seed(seed)
            steps[v] = _make_step(v, copy.deepcopy(base), real, fake)
        for v in variants:  # warm-up (allocator, kernels, optimizer state)
            torch.set_flush_denormal(v == "gp_flush_denormal")
            for _ in range(warmup):
                steps[v]()
        torch.set_flush_denormal(flush_before)
        ms: dict[str, list[float]] = {v: [] for v in variants}
        for r in range(repeats):
            order = variants if r % 2 == 0 else tuple(reversed(variants))  # cancel order effects
            for v in order:
                torch.set_flush_denormal(v == "gp_flush_denormal")
                torch.manual_seed(seed + r)
                t0 = time.perf_counter()
                for _ in range(iters):
                    steps[v]()
                ms[v].append(1000 * (time.perf_counter() - t0) / iters)
                torch.set_flush_denormal(flush_before)
        ratios = {}
        for v in variants:
            ref = STEP_VARIANTS[v][1]
            if ref is not None and ref in ms:
                ratios[f"{v}/{ref}"] = summarize([a / b for a, b in zip(ms[v], ms[ref], strict=True)])
        out[model] = {
            "sizes": ({"width": sizes["mlp_width"], "depth": sizes["mlp_depth"], "batch": sizes["mlp_batch"]}
                      if model == "mlp" else {"width": sizes["conv_width"], "batch": sizes["conv_batch"],
                                              "image": [1, 28, 28]}),
            "ms": {v: summarize(vals) for v, vals in ms.items()},
            "ratios": ratios,
            "target_gp_over_clip": TARGETS.get(model),
            "repeats": repeats, "iters": iters, "warmup": warmup,
        }
    return out


def _spin() -> None:
    while True:
        pass


def thread_scaling(repeats: int = 5, iters: int = 10, warmup: int = 3, sizes: dict | None = None,
                   threads: tuple[int, ...] = (1, 2), seed: int = 0, busy_core: bool = False) -> dict:
    """The course's GP critic step with 1 and 2 torch threads, interleaved; ratio to 1 thread.

    With ``busy_core=True`` a second process spins on one core for the whole measurement, as a
    browser, another kernel or a parallel test worker would: on a small machine a second
    torch thread helps when the other core is idle and hurts when it is busy.
    """
    import multiprocessing

    sizes = {**DEFAULT_SIZES, **(sizes or {})}
    before = torch.get_num_threads()
    out: dict = {}
    spinner = None
    if busy_core:
        spinner = multiprocessing.get_context("spawn").Process(target=_spin, daemon=True)
        spinner.start()
    try:
        for model in ("mlp", "conv"):
            torch.manual_seed(seed)
            base, real, fake = _model_setup(model, sizes)
            step = _make_step("gp", base, real, fake)
            for n in threads:
                torch.set_num_threads(n)
                for _ in range(warmup):
                    step()
            ms: dict[int, list[float]] = {n: [] for n in threads}
            for _ in range(repeats):
                for n in threads:
                    torch.set_num_threads(n)
                    t0 = time.perf_counter()
                    for _ in range(iters):
                        step()
                    ms[n].append(1000 * (time.perf_counter() - t0) / iters)
            out[model] = {"ms": {str(n): summarize(v) for n, v in ms.items()},
                          "speedup_vs_1": {str(n): summarize([a / b for a, b in zip(ms[threads[0]], v, strict=True)])
                                           for n, v in ms.items() if n != threads[0]}}
    finally:
        torch.set_num_threads(before)
        if spinner is not None:
            spinner.terminate()
            spinner.join()
    return out


# ----------------------------------------------------------------------------- toy quality
def toy_quality(checkpoints: tuple[float, ...] = (15, 30, 60), eval_every: int = 25, seed: int = 0) -> dict:
    """One ``gp-fast`` run on 8 Gaussians with a time budget of ``max(checkpoints)``; the trace read at each time."""
    from course_utils.recipes import get_recipe, train_recipe

    budget = max(checkpoints)
    run = train_recipe(get_recipe("gp-fast"), "8gaussians", time_budget_s=budget, eval_every=eval_every, seed=seed)
    rows = []
    for t in checkpoints:
        before = [p for p in run.trace if p.seconds <= t + 1e-9]
        p = before[-1] if before else run.trace[0]
        rows.append({"budget_s": t, "trace_seconds": round(p.seconds, 2), "step": p.step,
                     "modes_captured": p.modes_captured, "n_modes": p.n_modes, "hq_fraction": p.hq_fraction})
    return {"recipe": "gp-fast", "dataset": "8gaussians", "budget_s": budget, "eval_every": eval_every,
            "steps": run.steps, "steps_per_second": run.steps_per_second, "checkpoints": rows,
            "note": "the learning-rate decay follows the 60 s (or 15 s) budget, so earlier checkpoints are "
                    "mid-run snapshots, not runs with a shorter budget"}


# ----------------------------------------------------------------------------- images
def image_speed(steps: int = 3, warmup: int = 1, repeats: int = 2, seed: int = 0) -> dict:
    """Generator iterations per second (each with ``n_critic`` critic steps) of :class:`ImageWGANGP`."""
    from course_utils.image_training import ImageTrainConfig, ImageWGANGP

    g = torch.Generator().manual_seed(seed)
    train = torch.rand(512, 1, 28, 28, generator=g) * 2 - 1
    held = torch.rand(64, 1, 28, 28, generator=g) * 2 - 1
    settings = [("cpu", "off")]
    if torch.cuda.is_available():
        settings += [("cuda", "off"), ("cuda", "auto")]
    trainers = {}
    for dev, amp in settings:
        cfg = ImageTrainConfig(amp=amp, seed=seed, eval_every=0, sample_every=0, checkpoint_every=0, log_every=10**6)
        t = ImageWGANGP(cfg, device=dev, train_images=train, heldout_images=held)
        t.train(n_steps=warmup, progress=False)
        trainers[(dev, amp)] = t
    its: dict = {f"{d}/{t.mode}": [] for (d, _), t in trainers.items()}
    for _ in range(repeats):
        for (dev, _amp), t in trainers.items():
            if dev == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            t.train(n_steps=steps, progress=False)
            if dev == "cuda":
                torch.cuda.synchronize()
            its[f"{dev}/{t.mode}"].append(steps / (time.perf_counter() - t0))
    cfg = next(iter(trainers.values())).config
    res = {"config": {"batch_size": cfg.batch_size, "n_critic": cfg.n_critic, "g_width": cfg.g_width,
                      "c_width": cfg.c_width}, "steps": steps, "repeats": repeats,
           "it_per_s": {k: summarize(v) for k, v in its.items()}}
    if "cpu/off" in its:
        base = its["cpu/off"]
        res["speedup_vs_cpu"] = {k: summarize([a / b for a, b in zip(v, base, strict=True)]) for k, v in its.items()
                                 if k != "cpu/off"}
    return res


# ----------------------------------------------------------------------------- report
def _fmt(s: dict, digits: int = 2) -> str:
    return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}-{s['max']:.{digits}f})"


def _table(title: str, header: Sequence[str], rows: Iterable[Sequence[object]], intro: str = "") -> list[str]:
    """One markdown section: ``## title``, an optional sentence, the table, and a blank line."""
    lines = [f"## {title}", ""] + ([intro, ""] if intro else [])
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return [*lines, ""]


def _step_rows(steps: dict) -> Iterator[list[str]]:
    for model, r in steps.items():
        z = r["sizes"]
        label = f"MLP {z['depth']}x{z['width']}" if model == "mlp" else f"DCGAN w{z['width']} 28x28"
        for v, s in r["ms"].items():
            ref = STEP_VARIANTS[v][1]
            key = f"{v}/{ref}"
            ratio = _fmt(r["ratios"][key]) if key in r["ratios"] else "-"
            target = "-"
            if v == "gp" and r.get("target_gp_over_clip"):
                ok = r["ratios"][key]["median"] <= r["target_gp_over_clip"]
                target = f"<= {r['target_gp_over_clip']}x ({'met' if ok else 'MISSED'})"
            yield [f"{label}, batch {z['batch']}", STEP_VARIANTS[v][0], _fmt(s), ref or "-", ratio, target]


def to_markdown(results: dict) -> str:
    m = results["machine"]
    lines = ["# WGAN course benchmark", "",
             f"- date: {m['date']}",
             f"- machine: {m['cpu']} ({m['cpu_count']} cores), torch {m['torch_version']}, "
             f"{m['torch_threads']} torch thread(s), GPU: {m['gpu'] or 'none'}",
             f"- mode: {results['mode']}, repeats: {results['repeats']}; variants interleaved in each repeat; "
             "cells are median (min-max) over repeats. Timings on a shared machine are noisy.", ""]
    steps = results.get("steps")
    if steps:
        lines += _table("Critic step time", ["critic", "variant", "ms/step median (min-max)", "compared with",
                                             "ratio median (min-max)", "target"], _step_rows(steps))
        lines += ["Optimisation candidates (ratio < 1 = faster than the course's GP step):", ""]
        lines += [f"- {name}: {verdict}" for name, verdict in results.get("verdicts", {}).items()]
        lines.append("")
    th = results.get("threads")
    if th:
        lines += _table("Torch threads (course GP critic step)",
                        ["other core", "critic", "threads", "ms/step median (min-max)", "speed-up vs 1 thread"],
                        ([load.split()[0], model, n, _fmt(s), _fmt(r["speedup_vs_1"][n]) if r["speedup_vs_1"].get(n)
                          else "-"]
                         for load, per_model in th.items() for model, r in per_model.items()
                         for n, s in r["ms"].items()))
    q = results.get("quality")
    if q:
        lines += _table(f"Toy quality per compute ({q['recipe']} on {q['dataset']}, one {q['budget_s']} s run, "
                        f"{q['steps']} steps, {q['steps_per_second']:.1f} steps/s)",
                        ["time (s)", "trace at (s)", "step", "modes", "high-quality fraction"],
                        ([row["budget_s"], row["trace_seconds"], row["step"],
                          f"{row['modes_captured']}/{row['n_modes']}", f"{row['hq_fraction']:.2f}"]
                         for row in q["checkpoints"]))
        lines += [f"Note: {q['note']}.", ""]
    im = results.get("images")
    if im:
        speedups = im.get("speedup_vs_cpu", {})
        lines += _table(f"Image WGAN-GP training speed (batch {im['config']['batch_size']}, "
                        f"n_critic {im['config']['n_critic']}, random images)",
                        ["device/precision", "generator it/s median (min-max)", "speed-up vs CPU"],
                        ([k, _fmt(s, 3), _fmt(speedups[k]) if speedups.get(k) else "-"]
                         for k, s in im["it_per_s"].items()))
    nb = results.get("notebooks")
    if nb is not None and "skipped" in nb:
        lines += ["## Notebooks", "", f"Skipped: {nb['skipped']}.", ""]
    elif nb is not None:
        totals = nb.get("totals", {})
        rows = [[name, t.get("quick", "-"), t.get("full", "-")] for name, t in nb["times"].items()]
        if totals:
            rows.append(["**total**", totals.get("quick", "-"), totals.get("full", "-")])
        lines += _table("Notebooks", ["notebook", "quick (s)", "full (s)"], rows,
                        intro="Wall seconds to execute each notebook top to bottom in a fresh kernel.")
        failed = [f"FAILED: {name}: {err}" for name, err in nb.get("failed", {}).items()]
        lines += [*failed, ""] if failed else []
    lines.append(f"Total benchmark time: {results['total_seconds']:.1f} s")
    return "\n".join(lines) + "\n"


def verdicts(steps: dict) -> dict:
    """Which optimisation candidate wins, per critic (median ratio vs the plain GP step, with a 3% noise band)."""
    out = {}
    for cand, label in (("gp_concat", "single forward over cat([real, fake])"),
                        ("gp_concat3", "single forward over cat([real, fake, interpolates])"),
                        ("gp_flush_denormal", "torch.set_flush_denormal(True)"),
                        ("gp_channels_last", "channels_last memory format"),
                        ("gp_half_batch", "penalty on half the pairs (an estimator change, not a free speed-up)"),
                        ("gp_textbook", "textbook GP instead of the course's gradient_penalty")):
        parts = []
        for model, r in steps.items():
            s = r["ratios"].get(f"{cand}/gp")
            if s is None:
                continue
            med = s["median"]
            word = "wins" if med < 0.97 and s["max"] < 1.0 else "loses" if med > 1.03 and s["min"] > 1.0 else "no clear difference"
            parts.append(f"{model} {med:.2f}x ({word})")
        if parts:
            out[label] = "; ".join(parts)
    return out


def run(sections: tuple[str, ...] = SECTIONS, quick: bool = False, repeats: int | None = None,
        out: str | None = str(BENCH_RESULTS / "bench.json"), notebook_times_path: str | None = None,
        seed: int = 0, threads: int | None = 1, notebook_modes: tuple[str, ...] = ("quick",),
        notebook_paths: list[Path] | None = None) -> dict:
    """Run the chosen ``sections``; return the results (with a ``markdown`` report) and write JSON + markdown."""
    threads_before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        return _run(sections, quick, repeats, out, notebook_times_path, seed, notebook_modes, notebook_paths)
    finally:
        torch.set_num_threads(threads_before)


def _run(sections, quick, repeats, out, notebook_times_path, seed, notebook_modes, notebook_paths) -> dict:
    t0 = time.perf_counter()
    repeats = repeats or (3 if quick else 5)
    results: dict = {"machine": machine_info(), "mode": "quick" if quick else "default", "repeats": repeats,
                     "sections": list(sections)}
    if "steps" in sections:
        results["steps"] = time_critic_steps(repeats=repeats, iters=3 if quick else 10, warmup=1 if quick else 3,
                                             seed=seed)
        results["verdicts"] = verdicts(results["steps"])
        if (os.cpu_count() or 1) > 1:
            results["threads"] = {
                f"{name} other core": thread_scaling(repeats=repeats, iters=3 if quick else 10,
                                                    warmup=1 if quick else 3, seed=seed, busy_core=busy)
                for name, busy in (("idle", False), ("busy", True))}
    if "quality" in sections:
        results["quality"] = toy_quality((5, 10, 15) if quick else (15, 30, 60), seed=seed)
    if "images" in sections:
        results["images"] = image_speed(steps=1 if quick else 3, repeats=2 if quick else 3, seed=seed)
    if "notebooks" in sections:
        results["notebooks"] = (notebook_times(notebook_times_path) if notebook_times_path
                                else time_notebooks(notebook_paths, modes=notebook_modes))
    results["total_seconds"] = time.perf_counter() - t0
    results["markdown"] = to_markdown(results)
    if out:
        p = Path(out)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(results, indent=2, default=str))
        p.with_suffix(".md").write_text(results["markdown"])
        results["json_path"] = str(p)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = cli.parser("bench", __doc__)
    parser.add_argument("--quick", action="store_true", help="smaller run (under about a minute)")
    parser.add_argument("--repeats", type=int, default=None, help="repeats per comparison (default 5, quick 3)")
    parser.add_argument("--out", default=str(BENCH_RESULTS / "bench.json"), help="JSON output path ('' for none)")
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated subset of {SECTIONS}")
    parser.add_argument("--notebook-modes", default="quick",
                        help="notebooks section: 'quick', 'full' or 'quick,full' (full takes about 20 minutes on 2 cores)")
    parser.add_argument("--notebooks", nargs="+", default=None, metavar="PATH",
                        help="notebooks to time (default: every numbered notebook in notebooks/)")
    parser.add_argument("--notebook-times", default=None,
                        help="reuse the notebook times of an earlier bench JSON instead of executing the notebooks")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (default 1: on a small shared CPU more threads are slower; 0 = torch default)")
    args = parser.parse_args(argv)
    sections = tuple(s.strip() for s in args.sections.split(",") if s.strip())
    bad = [s for s in sections if s not in SECTIONS]
    if bad:
        parser.error(f"unknown section(s) {bad}; choose from {SECTIONS}")
    results = run(sections, quick=args.quick, repeats=args.repeats, out=args.out or None,
                  notebook_times_path=args.notebook_times, seed=args.seed, threads=args.threads,
                  notebook_modes=tuple(m.strip() for m in args.notebook_modes.split(",") if m.strip()),
                  notebook_paths=[Path(p) for p in args.notebooks] if args.notebooks else None)
    print(results["markdown"])
    if results.get("json_path"):
        print(f"JSON written to {results['json_path']} (markdown beside it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
