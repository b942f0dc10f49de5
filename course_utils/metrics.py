"""Metrics: exact Wasserstein distances for small samples, mode coverage for mixtures,
and the critic's own estimate of W1.

* :func:`wasserstein_1d` - exact W1 between two 1-D empirical distributions (sorting).
* :func:`exact_w1` - exact W1 between two empirical distributions in any dimension with the
  same number of points (an optimal assignment, :func:`scipy.optimize.linear_sum_assignment`).
* :func:`critic_w1_estimate` - ``E D(real) - E D(fake)``, what a (near-)optimal critic says W1 is.
* :func:`frechet_distance` - the Frechet distance between two Gaussians (the core of FID).
* :func:`js_divergence` - the Jensen-Shannon divergence of two discrete distributions.
* :func:`mode_coverage` - modes captured and the fraction of high-quality samples, the
  measure of VEEGAN (Srivastava et al., 2017) and PacGAN (Lin et al., 2018): a sample is of
  *high quality* when it lies within ``n_sigma`` standard deviations of its nearest mode, and a
  mode is *captured* when it is the nearest mode of at least one high-quality sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

__all__ = [
    "wasserstein_1d",
    "exact_w1",
    "critic_w1_estimate",
    "frechet_distance",
    "js_divergence",
    "ModeStats",
    "mode_coverage",
]


def wasserstein_1d(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Exact W1 between two 1-D empirical distributions with the same number of points.

    In one dimension the optimal transport plan matches the sorted samples in
    order, so W1 is the mean absolute difference of the sorted values. The inputs are not
    changed. Used in notebook 02.
    """
    x, y = torch.as_tensor(x).flatten(), torch.as_tensor(y).flatten()
    if x.numel() != y.numel() or x.numel() == 0:
        raise ValueError(f"x and y need the same, non-zero number of points; got {x.numel()} and {y.numel()}.")
    return (torch.sort(x).values - torch.sort(y).values).abs().mean()


def _as_points(x: torch.Tensor | np.ndarray, name: str) -> torch.Tensor:
    x = torch.as_tensor(x).detach()
    if x.dim() == 1:
        x = x.unsqueeze(1)
    if x.dim() != 2:
        raise ValueError(f"{name} must have shape (N, d), got {tuple(x.shape)}.")
    return x.cpu().double()


def exact_w1(x: torch.Tensor, y: torch.Tensor) -> float:
    """Exact W1 between the empirical distributions of ``x`` and ``y`` (Euclidean ground cost).

    Both are ``(N, d)`` with the same ``N``: each point carries mass ``1/N``, so an optimal
    transport plan is a permutation (Birkhoff - von Neumann) and W1 is the mean distance of the
    optimal one-to-one matching, found with :func:`scipy.optimize.linear_sum_assignment`.
    Cost grows like ``N^3``: a few thousand points take seconds. Used in notebooks 03, 05, 06, 07 and 09.
    """
    from scipy.optimize import linear_sum_assignment

    x, y = _as_points(x, "x"), _as_points(y, "y")
    if x.shape[0] != y.shape[0] or x.shape[0] == 0:
        raise ValueError(
            f"exact_w1 needs the same, non-zero number of points in x and y; got {x.shape[0]} and {y.shape[0]}. "
            "Subsample the larger set (or draw equal sizes)."
        )
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must live in the same dimension; got {x.shape[1]} and {y.shape[1]}.")
    cost = torch.cdist(x, y).numpy()
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].mean())


@torch.no_grad()
def critic_w1_estimate(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> float:
    """The critic's estimate of W1, ``mean D(real) - mean D(fake)``, without gradients.

    Use held-out samples (not the batch the critic was just trained on). The critic is put in
    eval mode for the evaluation and restored afterwards. Used in notebooks 05, 06, 07 and 09.
    """
    was_training = critic.training
    critic.eval()
    try:
        device = next(critic.parameters()).device
        value = critic(real.to(device)).mean() - critic(fake.to(device)).mean()
    finally:
        critic.train(was_training)
    return float(value)


def _as_array(x: torch.Tensor | np.ndarray, name: str, ndim: int) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    array = np.asarray(x, dtype=np.float64)
    if array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {array.shape}.")
    return array


def frechet_distance(
    mu1: torch.Tensor | np.ndarray,
    sigma1: torch.Tensor | np.ndarray,
    mu2: torch.Tensor | np.ndarray,
    sigma2: torch.Tensor | np.ndarray,
) -> float:
    """Frechet distance ``||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))`` of two Gaussians.

    Means of shape ``(d,)`` and covariances of shape ``(d, d)`` (NumPy arrays or tensors).
    The trace of the matrix square root is computed as ``Tr((A^(1/2) sigma2 A^(1/2))^(1/2))``
    with ``A = sigma1``, a symmetric matrix whose eigenvalues are real, so the result is a real
    float even when ``sigma1 sigma2`` is not symmetric. Used in notebook 08.
    """
    m1, m2 = _as_array(mu1, "mu1", 1), _as_array(mu2, "mu2", 1)
    s1, s2 = _as_array(sigma1, "sigma1", 2), _as_array(sigma2, "sigma2", 2)
    d = m1.shape[0]
    if m2.shape != (d,) or s1.shape != (d, d) or s2.shape != (d, d):
        raise ValueError(
            f"frechet_distance needs means of shape (d,) and covariances of shape (d, d); got {m1.shape}, "
            f"{s1.shape}, {m2.shape}, {s2.shape}."
        )
    s1, s2 = (s1 + s1.T) / 2, (s2 + s2.T) / 2
    values, vectors = np.linalg.eigh(s1)
    root1 = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    middle = root1 @ s2 @ root1
    trace_root = float(np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)).sum())
    diff = m1 - m2
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2 * trace_root)


def js_divergence(p: torch.Tensor | np.ndarray, q: torch.Tensor | np.ndarray) -> float:
    """Jensen-Shannon divergence of two discrete distributions, natural log (so at most log 2).

    ``p`` and ``q`` are 1-D arrays (or tensors) of probabilities of the same length, each summing
    to 1. ``JS = KL(p || m) / 2 + KL(q || m) / 2`` with ``m = (p + q) / 2``; terms with zero
    probability contribute nothing (``0 log 0 = 0``). Used in notebook 01.
    """
    a, b = _as_array(p, "p", 1), _as_array(q, "q", 1)
    if a.shape != b.shape or a.size == 0:
        raise ValueError(f"p and q need the same, non-zero length; got {a.shape} and {b.shape}.")
    for name, x in (("p", a), ("q", b)):
        if (x < 0).any() or abs(x.sum() - 1) > 1e-6:
            raise ValueError(f"{name} must be probabilities: non-negative and summing to 1 (sum is {x.sum():.6g}).")
    m = (a + b) / 2

    def kl(x: np.ndarray) -> float:
        mask = x > 0
        return float((x[mask] * np.log(x[mask] / m[mask])).sum())

    return 0.5 * kl(a) + 0.5 * kl(b)


@dataclass(frozen=True)
class ModeStats:
    """Mode coverage of generated samples on a Gaussian mixture."""

    modes_captured: int
    n_modes: int
    hq_fraction: float

    def __str__(self) -> str:
        return f"{self.modes_captured}/{self.n_modes} modes, {100 * self.hq_fraction:.1f}% high-quality samples"


def mode_coverage(
    samples: torch.Tensor, centers: torch.Tensor, std: float, n_sigma: float = 3.0
) -> ModeStats:
    """Modes captured and high-quality fraction of ``samples`` ``(N, 2)`` on a mixture.

    A sample is of high quality when its distance to the nearest of ``centers`` ``(K, 2)`` is
    at most ``n_sigma * std``; a mode is captured when it is the nearest mode of at least one
    high-quality sample (VEEGAN / PacGAN). Used in notebooks 00, 01, 03, 07 and 09.
    """
    samples, centers = _as_points(samples, "samples"), _as_points(centers, "centers")
    if samples.shape[0] == 0 or centers.shape[0] == 0:
        raise ValueError("mode_coverage needs at least one sample and one centre.")
    if samples.shape[1] != centers.shape[1]:
        raise ValueError(f"samples and centers differ in dimension: {samples.shape[1]} vs {centers.shape[1]}.")
    if std <= 0 or n_sigma <= 0:
        raise ValueError(f"std and n_sigma must be positive, got std={std}, n_sigma={n_sigma}.")
    dist, nearest = torch.cdist(samples, centers).min(dim=1)
    hq = dist <= n_sigma * std
    captured = int(torch.unique(nearest[hq]).numel())
    return ModeStats(modes_captured=captured, n_modes=int(centers.shape[0]), hq_fraction=float(hq.double().mean()))
