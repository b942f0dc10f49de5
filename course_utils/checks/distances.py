"""Self-checks of the distances between distributions: wasserstein_1d (notebook 02),
js_divergence (notebook 01) and frechet_distance (notebook 08)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from .core import CheckResult, Finding, as_number, call_learner, close, fmt, run_check

__all__ = ["check_wasserstein_1d", "check_js_divergence", "check_frechet_distance"]


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


# ---------------------------------------------------------------------------- frechet_distance


def _sym_sqrt(a: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh(a)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def _frechet_probes() -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(8)
    a, b = rng.normal(size=(4, 4)), rng.normal(size=(4, 4))
    return [
        ("two Gaussians in 3-D with diagonal covariances", np.array([0.0, 1.0, -1.0]), np.diag([1.0, 4.0, 0.25]),
         np.array([1.0, -1.0, 0.5]), np.diag([4.0, 1.0, 1.0])),
        ("two Gaussians in 4-D whose covariances do not commute", rng.normal(size=4), a @ a.T + 0.1 * np.eye(4),
         rng.normal(size=4), b @ b.T + 0.1 * np.eye(4)),
        ("two identical Gaussians in 2-D", np.array([0.3, -0.2]), np.array([[2.0, 0.5], [0.5, 1.0]]),
         np.array([0.3, -0.2]), np.array([[2.0, 0.5], [0.5, 1.0]])),
    ]  # fmt: skip


def _frechet_body(fn: Callable) -> str:
    name = "frechet_distance"
    for kind in ("numpy", "torch"):
        for what, m1, s1, m2, s2 in _frechet_probes():
            args = [m1, s1, m2, s2]
            args = [x.copy() for x in args] if kind == "numpy" else [torch.tensor(x) for x in args]
            result = call_learner(name, fn, *args)
            setting = f"For {what} ({'NumPy arrays' if kind == 'numpy' else 'tensors'})"
            if isinstance(result, complex) or (isinstance(result, np.ndarray | np.generic) and np.iscomplexobj(result)):
                raise Finding(
                    "complex-result",
                    f"{setting}, your function returned the complex number {result!r}: scipy.linalg.sqrtm returns "
                    "complex matrices (with tiny imaginary parts); keep the real part.",
                )
            value = as_number(name, result)
            root1, root2 = _sym_sqrt(s1), _sym_sqrt(s2)
            middle = root1 @ s2 @ root1
            trace_root = float(np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)).sum())
            diff = float(((m1 - m2) ** 2).sum())
            traces = float(np.trace(s1) + np.trace(s2))
            correct = diff + traces - 2 * trace_root
            if close(value, correct, rtol=1e-4, atol=1e-6):
                continue
            elementwise = np.sqrt(np.abs(s1 @ s2)).trace()
            candidates = [
                ("sqrt-elementwise", diff + traces - 2 * float(elementwise), "a square root of each entry of sigma1 sigma2"),
                ("roots-multiplied-separately", diff + traces - 2 * float(np.trace(root1 @ root2)), "Tr(sigma1^(1/2) sigma2^(1/2)) for the cross term"),
                ("mean-distance-not-squared", math.sqrt(diff) + traces - 2 * trace_root, "||mu1 - mu2|| (not squared)"),
                ("trace-term-factor", diff + traces - trace_root, "the cross term without its factor 2"),
            ]  # fmt: skip
            for bug_id, target, formula in candidates:
                if close(value, target, rtol=1e-4, atol=1e-6):
                    raise Finding(
                        bug_id,
                        f"{setting}, the distance is {fmt(correct)}, but yours is {fmt(value)}: it uses {formula}.",
                    )
            raise Finding("wrong-value", f"{setting}, the distance is {fmt(correct)}, but yours is {fmt(value)}.")
    return (
        "Your frechet_distance matches ||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2)), "
        "also when the covariances do not commute, for arrays and tensors."
    )


def check_frechet_distance(fn: Callable) -> CheckResult:
    """Check ``frechet_distance(mu1, sigma1, mu2, sigma2)`` (Frechet distance of two Gaussians). Used in notebook 08."""
    return run_check(
        "frechet_distance",
        fn,
        _frechet_body,
        [
            "diagonal covariances (closed form), covariances that do not commute, identical Gaussians (0)",
            "NumPy arrays and tensors; the result is one real number",
        ],
    )
