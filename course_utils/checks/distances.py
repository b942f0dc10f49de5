"""Self-checks of the distances between distributions: wasserstein_1d (notebook 02),
and js_divergence (notebook 01); frechet_distance's check lives with its exercise
(:mod:`course_utils.exercises.frechet_distance`)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from .core import CheckResult, Finding, as_number, call_learner, close, fmt, run_check

__all__ = ["check_wasserstein_1d", "check_js_divergence"]


# ---------------------------------------------------------------------------- wasserstein_1d


def _w1_body(fn: Callable) -> str:
    name = "wasserstein_1d"
    gen = torch.Generator().manual_seed(7)
    probes = [
        (torch.tensor([3.0, -1.0, 0.5, 2.0]), torch.tensor([0.0, 4.0, -2.0, 1.0])),
        # same mean, different spread: signed differences cancel
        (torch.tensor([0.0, 2.0, -2.0, 1.0, -1.0]), torch.tensor([0.5, -0.5, 0.2, -0.2, 0.0])),
        (torch.randn(200, generator=gen), torch.randn(200, generator=gen) * 2 + 0.7),
    ]
    for x, y in probes:
        x_in, y_in = x.clone(), y.clone()
        result = call_learner(name, fn, x_in, y_in)
        value = as_number(name, result)
        if not (torch.equal(x_in, x) and torch.equal(y_in, y)):
            raise Finding(
                "input-modified",
                f"For samples of {len(x)} points, your function changed the caller's tensors (they came back "
                "sorted or otherwise altered): NumPy's ndarray.sort() on a .numpy() view, or an in-place write "
                "such as x[:] = ... or x.copy_(...).",
            )
        xs, ys = torch.sort(x.double()).values, torch.sort(y.double()).values
        correct = float((xs - ys).abs().mean())
        setting = f"For samples of {len(x)} points"
        if close(value, correct):
            continue
        candidates = [
            ("no-sort", (x.double() - y.double()).abs().mean(), "mean(|x - y|) in the given order"),
            ("sorted-only-one", (xs - y.double()).abs().mean(), "mean(|sort(x) - y|)"),
            ("sorted-only-one", (x.double() - ys).abs().mean(), "mean(|x - sort(y)|)"),
            ("mean-of-differences-without-abs", (xs - ys).mean(), "mean(sort(x) - sort(y))"),
            ("mean-of-differences-without-abs", (xs - ys).mean().abs(), "|mean(sort(x) - sort(y))|"),
            ("w2-instead-of-w1", ((xs - ys) ** 2).mean(), "mean((sort(x) - sort(y))^2)"),
            ("w2-instead-of-w1", ((xs - ys) ** 2).mean().sqrt(), "sqrt(mean((sort(x) - sort(y))^2))"),
            ("sum-instead-of-mean", (xs - ys).abs().sum(), "sum(|sort(x) - sort(y)|)"),
        ]
        for bug_id, target, formula in candidates:
            if close(value, float(target)):
                raise Finding(bug_id, f"{setting}, W1 is {fmt(correct)}, but yours is {fmt(value)} = {formula}.")
        raise Finding("wrong-value", f"{setting}, W1 is {fmt(correct)}, but yours is {fmt(value)}.")
    if not isinstance(result, torch.Tensor):
        raise Finding(
            "wrong-type",
            f"{name} returned the right number as a {type(result).__name__}; the exercise asks for a scalar tensor "
            "(the course uses it in tensor code).",
        )
    x, y = probes[0]
    column = as_number(name, call_learner(name, fn, x[:, None].clone(), y[:, None].clone()))
    correct = float((torch.sort(x).values - torch.sort(y).values).abs().mean())
    if not close(column, correct):
        bug_id = "not-flattened" if close(column, float((x - y).abs().mean())) else "wrong-value"
        raise Finding(
            bug_id,
            f"For the same {len(x)} points given as columns of shape ({len(x)}, 1), W1 is {fmt(correct)}, but yours "
            f"is {fmt(column)} (1-D tensors gave the right answer).",
        )
    x, y = torch.tensor([0.0, 1.0, 2.0]), torch.tensor([0.0, 1.0])
    try:
        result = fn(x, y)
    except ValueError:
        pass
    except NotImplementedError as exc:
        raise Finding("not-implemented", f"{name} still raises NotImplementedError: {exc}") from None
    except Exception as exc:
        raise Finding(
            "no-size-check",
            f"For samples of 3 and 2 points, {name} raised {type(exc).__name__}: {exc}; the exercise asks for a "
            "ValueError that says the sizes differ.",
        ) from None
    else:
        raise Finding(
            "no-size-check",
            f"For samples of 3 and 2 points, {name} returned {result!r} instead of raising ValueError.",
        )
    return "Your wasserstein_1d matches the exact W1 (sorted samples, mean absolute difference)."


def check_wasserstein_1d(fn: Callable) -> CheckResult:
    """Check ``wasserstein_1d(x, y)`` (exact W1 of two equal-size 1-D samples). Used in notebook 02."""
    return run_check(
        "wasserstein_1d",
        fn,
        _w1_body,
        [
            "exact W1 on two small hand-made samples (one pair with equal means) and on 200 random points",
            "a scalar tensor, also for samples of shape (n, 1)",
            "the caller's tensors are left unchanged",
            "samples of different sizes raise ValueError",
        ],
    )


# ---------------------------------------------------------------------------- js_divergence


def _kl(p: np.ndarray, q: np.ndarray) -> float:
    mask = p > 0
    return float((p[mask] * np.log(p[mask] / q[mask])).sum())


def _js_body(fn: Callable) -> str:
    name = "js_divergence"
    probes = [
        ("two distributions on 4 outcomes", np.array([0.1, 0.4, 0.3, 0.2]), np.array([0.25, 0.25, 0.4, 0.1])),
        ("disjoint supports", np.array([0.5, 0.5, 0.0, 0.0]), np.array([0.0, 0.0, 0.3, 0.7])),
        ("identical distributions", np.array([0.2, 0.3, 0.5]), np.array([0.2, 0.3, 0.5])),
        ("partly overlapping supports", np.array([0.6, 0.4, 0.0]), np.array([0.0, 0.5, 0.5])),
    ]
    for kind in ("numpy", "torch"):
        for what, p, q in probes:
            args = (p.copy(), q.copy()) if kind == "numpy" else (torch.tensor(p), torch.tensor(q))
            result = call_learner(name, fn, *args)
            value = as_number(name, result)
            m = (p + q) / 2
            correct = 0.5 * _kl(p, m) + 0.5 * _kl(q, m)
            setting = f"For {what} given as {'NumPy arrays' if kind == 'numpy' else 'tensors'} (p = {p.tolist()}, q = {q.tolist()})"
            if close(value, correct, atol=1e-6):
                if isinstance(result, torch.Tensor):
                    raise Finding(
                        "returns-tensor-not-float",
                        f"{setting}, your value is right but it is a tensor; the exercise asks for a Python float.",
                    )
                if isinstance(result, bool) or not isinstance(result, float):
                    raise Finding(
                        "wrong-type",
                        f"{setting}, your value is right but it is a {type(result).__name__}; the exercise asks for a "
                        "Python float: return float(...).",
                    )
                continue
            if not math.isfinite(value):
                raise Finding(
                    "zero-probability-nan",
                    f"{setting}, JS is {fmt(correct)}, but yours is {value}: a 0 * log 0 term (outcomes with zero "
                    "probability) was not treated as 0.",
                )
            candidates = [
                ("log-base-2", correct / math.log(2), "the JS divergence in bits (log base 2)"),
                ("js-not-halved", 2 * correct, "KL(p || m) + KL(q || m), without the halves"),
                ("kl-instead-of-js", _kl_or_nan(p, q), "KL(p || q)"),
                ("kl-instead-of-js", _kl_or_nan(q, p), "KL(q || p)"),
                (
                    "kl-instead-of-js",
                    0.5 * (_kl_or_nan(p, q) + _kl_or_nan(q, p)),
                    "the symmetrised KL (KL(p||q) + KL(q||p)) / 2",
                ),
            ]
            for bug_id, target, formula in candidates:
                if math.isfinite(target) and close(value, target, atol=1e-6):
                    raise Finding(bug_id, f"{setting}, JS is {fmt(correct)}, but yours is {fmt(value)} = {formula}.")
            raise Finding("wrong-value", f"{setting}, JS is {fmt(correct)}, but yours is {fmt(value)}.")
    return "Your js_divergence matches JS(p, q) (natural log, so log 2 for disjoint supports), for arrays and tensors."


def _kl_or_nan(p: np.ndarray, q: np.ndarray) -> float:
    if ((p > 0) & (q == 0)).any():
        return float("inf")
    return _kl(p, q)


def check_js_divergence(fn: Callable) -> CheckResult:
    """Check ``js_divergence(p, q)`` (JS divergence of two discrete distributions, natural log). Used in notebook 01."""
    return run_check(
        "js_divergence",
        fn,
        _js_body,
        [
            "matches the exact JS divergence on 4 pairs of distributions, as NumPy arrays and as tensors",
            "disjoint supports give log 2 = 0.693; identical distributions give 0",
            "outcomes with zero probability contribute nothing (0 log 0 = 0)",
            "the result is a Python float",
        ],
    )
