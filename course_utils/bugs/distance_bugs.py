"""Mistakes in the distances between distributions: exact 1-D W1 (02) and JS divergence (01).
The Frechet distance's entries live with its exercise (:mod:`course_utils.exercises.frechet_distance`)."""

from __future__ import annotations

from .model import JS, PRACTICE, W1, Bug

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
