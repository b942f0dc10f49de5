"""Exercise ``frechet_distance`` (notebook 08): the Frechet distance between two Gaussians.

Everything that belongs to this exercise alone is here, as CONTRIBUTING.md describes for a new
exercise: the record, its check, its catalog entries and the correct and buggy versions the
tests run the check on. The reference stays in :mod:`course_utils.metrics`, because
:mod:`course_utils.fid` builds the feature-based distance on it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from .. import metrics
from ..bugs.model import PRACTICE, Bug
from ..checks.core import CheckResult, Finding, as_number, call_learner, close, fmt, run_check
from .registry import Exercise

__all__ = ["BUGGY", "BUGS", "CORRECT", "EXERCISE", "check_frechet_distance"]


# ---------------------------------------------------------------------------- the self-check
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


# ---------------------------------------------------------------------------- the record
EXERCISE = Exercise(
    "frechet_distance",
    notebook="08",
    reference=metrics.frechet_distance,
    check=check_frechet_distance,
    spec="""`frechet_distance(mu1, sigma1, mu2, sigma2) -> float` (notebook 08): the Frechet distance
between two Gaussians, `||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))`,
for NumPy arrays or tensors of shapes `(d,)` and `(d, d)`; returns a real float. (The
package's existing feature-based Frechet distance should build on the reference of this
one, under a name that does not clash with it.)""",
    shared_bugs=("returned-none", "wrong-type", "wrong-shape"),
)

# ---------------------------------------------------------------------------- catalog entries
#: The mistakes of this exercise alone (the catalog adds the ones every exercise can make).
BUGS: list[Bug] = [
    Bug(
        "complex-result",
        "Complex number returned",
        "The distance is a complex number (with a tiny imaginary part).",
        "scipy.linalg.sqrtm of a non-symmetric product sigma1 @ sigma2 returns a complex matrix from round-off.",
        "Keep the real part (`sqrtm(...).real`) or compute the trace from eigenvalues of a symmetric matrix.",
        PRACTICE,
        ("frechet_distance",),
    ),
    Bug(
        "sqrt-elementwise",
        "Square root of each entry instead of the matrix square root",
        "The cross term uses np.sqrt / torch.sqrt of sigma1 @ sigma2, entry by entry.",
        "(sigma1 sigma2)^(1/2) is the matrix whose square is sigma1 sigma2; the entry-wise root is a different "
        "matrix except for diagonal covariances.",
        "Use scipy.linalg.sqrtm(sigma1 @ sigma2).real, or the eigenvalues of sigma1^(1/2) sigma2 sigma1^(1/2).",
        PRACTICE,
        ("frechet_distance",),
    ),
    Bug(
        "roots-multiplied-separately",
        "Tr(sigma1^(1/2) sigma2^(1/2)) for the cross term",
        "Right when the covariances commute (for example diagonal ones), wrong otherwise.",
        "(sigma1 sigma2)^(1/2) equals sigma1^(1/2) sigma2^(1/2) only when the two matrices commute.",
        "Take the root of the product: scipy.linalg.sqrtm(sigma1 @ sigma2).",
        PRACTICE,
        ("frechet_distance",),
    ),
    Bug(
        "mean-distance-not-squared",
        "Distance of the means not squared",
        "The first term is ||mu1 - mu2|| instead of ||mu1 - mu2|| ** 2.",
        "The Frechet (2-Wasserstein) distance between Gaussians adds the squared distance of the means to the "
        "covariance term.",
        "Use `((mu1 - mu2) ** 2).sum()`.",
        PRACTICE,
        ("frechet_distance",),
    ),
    Bug(
        "trace-term-factor",
        "Cross term without its factor 2",
        "The value is ||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - (sigma1 sigma2)^(1/2)).",
        "For identical Gaussians the distance must be 0, which needs 2 (sigma1 sigma2)^(1/2) = 2 sigma.",
        "Subtract `2 * trace(sqrtm(sigma1 @ sigma2))`.",
        PRACTICE,
        ("frechet_distance",),
    ),
]


# ---------------------------------------------------------------------------- examples for the tests
def _as_arrays(mu1, sigma1, mu2, sigma2):
    return (
        np.asarray(v.detach().numpy() if isinstance(v, torch.Tensor) else v, dtype=np.float64)
        for v in (mu1, sigma1, mu2, sigma2)
    )


def _sqrtm(a):
    import scipy.linalg  # only the examples need scipy

    return scipy.linalg.sqrtm(a)


def _fd_complex(mu1, sigma1, mu2, sigma2):
    mu1, sigma1, mu2, sigma2 = _as_arrays(mu1, sigma1, mu2, sigma2)
    return complex(
        ((mu1 - mu2) ** 2).sum() + np.trace(sigma1 + sigma2 - 2 * _sqrtm(sigma1 @ sigma2).astype(complex)) + 1e-12j
    )


def _fd_elementwise_sqrt(mu1, sigma1, mu2, sigma2):
    mu1, sigma1, mu2, sigma2 = _as_arrays(mu1, sigma1, mu2, sigma2)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(sigma1 + sigma2 - 2 * np.sqrt(np.abs(sigma1 @ sigma2))))


def _fd_product_of_roots(mu1, sigma1, mu2, sigma2):
    mu1, sigma1, mu2, sigma2 = _as_arrays(mu1, sigma1, mu2, sigma2)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(sigma1 + sigma2 - 2 * (_sqrtm(sigma1) @ _sqrtm(sigma2)).real))


def _fd_mean_norm(mu1, sigma1, mu2, sigma2):
    mu1, sigma1, mu2, sigma2 = _as_arrays(mu1, sigma1, mu2, sigma2)
    return float(np.linalg.norm(mu1 - mu2) + np.trace(sigma1 + sigma2 - 2 * _sqrtm(sigma1 @ sigma2).real))


def _fd_no_factor_two(mu1, sigma1, mu2, sigma2):
    mu1, sigma1, mu2, sigma2 = _as_arrays(mu1, sigma1, mu2, sigma2)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(sigma1 + sigma2 - _sqrtm(sigma1 @ sigma2).real))


def _fd_means_only(mu1, sigma1, mu2, sigma2):
    mu1, sigma1, mu2, sigma2 = _as_arrays(mu1, sigma1, mu2, sigma2)
    return float(((mu1 - mu2) ** 2).sum())


def _with_scipy_sqrtm(mu1, sigma1, mu2, sigma2) -> float:
    mu1, mu2, sigma1, sigma2 = (np.asarray(v, dtype=np.float64) for v in (mu1, mu2, sigma1, sigma2))
    covmean = _sqrtm(sigma1 @ sigma2)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(sigma1 + sigma2 - 2 * covmean.real))


def _with_torch_eigvals(mu1, sigma1, mu2, sigma2) -> float:
    mu1, mu2, sigma1, sigma2 = (torch.as_tensor(v, dtype=torch.float64) for v in (mu1, mu2, sigma1, sigma2))
    roots = torch.linalg.eigvals(sigma1 @ sigma2).real.clamp(min=0).sqrt()
    return (torch.sum((mu1 - mu2) ** 2) + torch.trace(sigma1) + torch.trace(sigma2) - 2 * roots.sum()).item()


#: Correct versions in other styles than the reference: the check must pass each (tests/test_checks.py).
CORRECT: dict[str, Callable] = {"scipy_sqrtm": _with_scipy_sqrtm, "torch_eigvals": _with_torch_eigvals}

#: (catalog id, buggy version): the check must report exactly that id for each (tests/test_checks.py).
BUGGY: list[tuple[str, Callable]] = [
    ("complex-result", _fd_complex),
    ("sqrt-elementwise", _fd_elementwise_sqrt),
    ("roots-multiplied-separately", _fd_product_of_roots),
    ("mean-distance-not-squared", _fd_mean_norm),
    ("trace-term-factor", _fd_no_factor_two),
    ("wrong-value", _fd_means_only),
]
