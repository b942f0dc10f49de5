"""Mistakes in the distances between distributions: exact 1-D W1 (02), Frechet distance (08), JS divergence (01)."""

from __future__ import annotations

from .model import FD, JS, PRACTICE, W1, Bug

__all__ = ["ENTRIES"]

ENTRIES: list[Bug] = [
    # ------------------------------------------------------------------ exact 1-D W1
    Bug(
        "no-sort",
        "Samples paired in their given order",
        "The result depends on the order of the points: mean(|x - y|) without sorting.",
        "In 1-D the optimal transport plan pairs the i-th smallest x with the i-th smallest y; pairing in the "
        "given order is some plan, so it only gives an upper bound on W1.",
        "Sort both samples first: `(torch.sort(x).values - torch.sort(y).values).abs().mean()`.",
        PRACTICE,
        W1,
    ),
    Bug(
        "sorted-only-one",
        "Only one of the two samples sorted",
        "One sample is sorted, the other is used in its given order.",
        "Both samples must be in increasing order for the pairing to be the optimal (monotone) one.",
        "Sort both x and y.",
        PRACTICE,
        W1,
    ),
    Bug(
        "mean-of-differences-without-abs",
        "Mean of signed differences",
        "The result is mean(x) - mean(y) (possibly its absolute value): 0 for samples with the same mean.",
        "Positive and negative displacements cancel; W1 adds up how far every unit of mass moves.",
        "Take the absolute value of each difference before averaging: `(xs - ys).abs().mean()`.",
        PRACTICE,
        W1,
    ),
    Bug(
        "not-flattened",
        "Samples of shape (n, 1) sorted along the wrong axis",
        "Right for 1-D tensors, wrong for samples of shape (n, 1): the result is that of unsorted samples.",
        "torch.sort sorts along the last dimension, which has size 1 for a column of n values, so nothing is "
        "sorted and the points are paired in their given order.",
        "Flatten both samples first: `x = x.flatten()` (or `x.reshape(-1)`), then sort.",
        PRACTICE,
        W1,
    ),
    Bug(
        "w2-instead-of-w1",
        "Squared differences (W2) instead of absolute ones",
        "The result is mean((xs - ys) ** 2) or its square root.",
        "That is the 2-Wasserstein distance (squared); the course's critic estimates W1, the absolute-value version.",
        "Average absolute differences: `(xs - ys).abs().mean()`.",
        PRACTICE,
        W1,
    ),
    # ------------------------------------------------------------------ notebook 08: Frechet distance
    Bug(
        "complex-result",
        "Complex number returned",
        "The distance is a complex number (with a tiny imaginary part).",
        "scipy.linalg.sqrtm of a non-symmetric product sigma1 @ sigma2 returns a complex matrix from round-off.",
        "Keep the real part (`sqrtm(...).real`) or compute the trace from eigenvalues of a symmetric matrix.",
        PRACTICE,
        FD,
    ),
    Bug(
        "sqrt-elementwise",
        "Square root of each entry instead of the matrix square root",
        "The cross term uses np.sqrt / torch.sqrt of sigma1 @ sigma2, entry by entry.",
        "(sigma1 sigma2)^(1/2) is the matrix whose square is sigma1 sigma2; the entry-wise root is a different "
        "matrix except for diagonal covariances.",
        "Use scipy.linalg.sqrtm(sigma1 @ sigma2).real, or the eigenvalues of sigma1^(1/2) sigma2 sigma1^(1/2).",
        PRACTICE,
        FD,
    ),
    Bug(
        "roots-multiplied-separately",
        "Tr(sigma1^(1/2) sigma2^(1/2)) for the cross term",
        "Right when the covariances commute (for example diagonal ones), wrong otherwise.",
        "(sigma1 sigma2)^(1/2) equals sigma1^(1/2) sigma2^(1/2) only when the two matrices commute.",
        "Take the root of the product: scipy.linalg.sqrtm(sigma1 @ sigma2).",
        PRACTICE,
        FD,
    ),
    Bug(
        "mean-distance-not-squared",
        "Distance of the means not squared",
        "The first term is ||mu1 - mu2|| instead of ||mu1 - mu2|| ** 2.",
        "The Frechet (2-Wasserstein) distance between Gaussians adds the squared distance of the means to the "
        "covariance term.",
        "Use `((mu1 - mu2) ** 2).sum()`.",
        PRACTICE,
        FD,
    ),
    Bug(
        "trace-term-factor",
        "Cross term without its factor 2",
        "The value is ||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - (sigma1 sigma2)^(1/2)).",
        "For identical Gaussians the distance must be 0, which needs 2 (sigma1 sigma2)^(1/2) = 2 sigma.",
        "Subtract `2 * trace(sqrtm(sigma1 @ sigma2))`.",
        PRACTICE,
        FD,
    ),
    # ------------------------------------------------------------------ notebook 01: JS divergence
    Bug(
        "log-base-2",
        "JS divergence in bits",
        "The value is the natural-log JS divergence divided by log 2 (at most 1, not log 2).",
        "The course measures JS with the natural log, so disjoint supports give log 2 = 0.693.",
        "Use np.log / torch.log, not log2.",
        PRACTICE,
        JS,
    ),
    Bug(
        "js-not-halved",
        "KL terms not halved",
        "The value is KL(p || m) + KL(q || m), twice the JS divergence.",
        "JS averages the two KL divergences to the mixture m = (p + q) / 2.",
        "Return `0.5 * kl(p, m) + 0.5 * kl(q, m)`.",
        PRACTICE,
        JS,
    ),
    Bug(
        "kl-instead-of-js",
        "KL divergence instead of JS",
        "The value is KL(p || q), KL(q || p) or their average: infinite as soon as the supports differ.",
        "JS compares each distribution with the mixture m = (p + q) / 2, which is positive wherever p or q is, "
        "so it stays finite (at most log 2).",
        "Build m = (p + q) / 2 and average KL(p || m) and KL(q || m).",
        PRACTICE,
        JS,
    ),
    Bug(
        "zero-probability-nan",
        "0 * log 0 gives NaN",
        "The result is nan when some outcome has probability 0.",
        "p * log(p / m) evaluates 0 * log 0 = 0 * (-inf) = nan in floating point; by convention the term is 0.",
        "Sum only over outcomes with p > 0 (a mask, or torch.xlogy / scipy.special.xlogy).",
        PRACTICE,
        JS,
    ),
]
