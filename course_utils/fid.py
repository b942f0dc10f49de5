"""Evaluating image generators: a small Fashion-MNIST classifier, a Frechet distance on
its features, and a class-balance score on its predicted labels.

The Frechet Inception Distance (Heusel et al., 2017) compares two sets of images through
the features of a pretrained Inception network. Inception is far too large for this
course (and trained on other images), so we use the same formula on the 128 penultimate
features of a small CNN trained on Fashion-MNIST by this module::

    python -m course_utils.fid train-classifier            # full 60k training set, writes data/fashion_classifier.pt

``FD = ||mu_1 - mu_2||^2 + Tr(S_1 + S_2 - 2 (S_1 S_2)^{1/2})``. The number depends on
the feature network and on the sample size (it is biased upwards for small samples), so
compare only values computed with the same classifier and the same ``n``; it is **not**
comparable to published FID numbers.

The class-balance score is the entropy of the histogram of predicted classes divided by
``log(10)``: 1 when every class is equally frequent, 0 when one class takes everything
(mode collapse). ``kl_to_uniform`` gives the same information as a divergence.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from . import image_data
from .env import get_device
from .metrics import frechet_distance as gaussian_frechet_distance

GaussianDistance = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], float]

__all__ = ["CLASSIFIER_PATH", "CONFIDENT", "Evaluation", "Evaluator", "FashionClassifier", "accuracy",
           "class_balance", "class_histogram", "classify", "classify_with_confidence", "confident_share",
           "feature_frechet_distance", "feature_stats", "kl_to_uniform", "load_classifier", "main", "train_classifier"]

CLASSIFIER_PATH = image_data.REPO_DATA / "fashion_classifier.pt"
CONFIDENT = 0.9  # a sample is "confidently classified" when its max softmax probability reaches this


class FashionClassifier(nn.Module):
    """Two conv blocks and two linear layers; ``features(x)`` are the 128 penultimate activations.

    Inputs are images in ``[-1, 1]``, shape ``(B, 1, 28, 28)`` (the generator's range).

    Used in notebook 08.
    """

    def __init__(self, n_classes: int = 10, feature_dim: int = 128):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 14 x 14
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 7 x 7
            nn.Flatten(), nn.Dropout(0.25),
            nn.Linear(64 * 7 * 7, feature_dim), nn.ReLU(),
        )
        self.head = nn.Sequential(nn.Dropout(0.25), nn.Linear(feature_dim, n_classes))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def load_classifier(path: str | Path = CLASSIFIER_PATH, device: torch.device | str | None = None) -> FashionClassifier:
    """The shipped classifier in eval mode (raises with instructions when the file is missing). Used in notebook 08."""
    state = image_data.load_shipped(
        path, "train it with `python -m course_utils.fid train-classifier` (needs the full Fashion-MNIST training set).")
    model = FashionClassifier()
    model.load_state_dict(state["model"])
    return model.to(device if device is not None else get_device()).eval()


@torch.no_grad()
def classify_with_confidence(model: FashionClassifier, images: torch.Tensor,
                             batch_size: int = 500) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(features (N, 128), predicted labels (N,), max softmax probability (N,))`` as NumPy arrays.

    The float64 conversion happens on the CPU (Apple's MPS has no float64). Used in notebook 08.
    """
    device = next(model.parameters()).device
    feats, preds, conf = [], [], []
    for i in range(0, len(images), batch_size):
        f = model.features(images[i:i + batch_size].to(device).float())
        probs = model.head(f).float().softmax(1)
        feats.append(f.cpu().double())
        top = probs.max(1)
        preds.append(top.indices.cpu())
        conf.append(top.values.cpu().double())
    if not feats:
        raise ValueError("need at least one image to classify")
    return torch.cat(feats).numpy(), torch.cat(preds).numpy(), torch.cat(conf).numpy()


def classify(model: FashionClassifier, images: torch.Tensor, batch_size: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """``(features (N, 128), predicted labels (N,))`` as float64 / int64 NumPy arrays. Used in notebook 08."""
    feats, preds, _ = classify_with_confidence(model, images, batch_size)
    return feats, preds


def confident_share(confidence: np.ndarray, threshold: float = CONFIDENT) -> float:
    """Fraction of images whose top class gets softmax probability ``>= threshold``. Used in notebook 08."""
    return float((np.asarray(confidence) >= threshold).mean())


def feature_stats(feats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean ``(d,)`` and covariance ``(d, d)`` of a feature set ``(N, d)``, in float64.

    Used in notebook 08 (through the package).
    """
    feats = np.asarray(feats, dtype=np.float64)
    if feats.ndim != 2 or len(feats) < 2:
        raise ValueError(f"need an (N, d) feature array with N >= 2, got shape {feats.shape}")
    return feats.mean(0), np.cov(feats, rowvar=False)


def feature_frechet_distance(feats_a: np.ndarray, feats_b: np.ndarray, distance: GaussianDistance | None = None) -> float:
    """Frechet distance between Gaussians fitted to two feature sets ``(N, d)``.

    Fits mean and covariance to each set and calls ``distance(mu1, sigma1, mu2, sigma2)``,
    by default :func:`course_utils.metrics.frechet_distance` (notebook 08's exercise). Used in notebook 08 (through the package).
    """
    if feats_a.ndim != 2 or feats_b.ndim != 2 or feats_a.shape[1] != feats_b.shape[1]:
        raise ValueError(f"need two (N, d) arrays with the same d, got {feats_a.shape} and {feats_b.shape}")
    distance = distance if distance is not None else gaussian_frechet_distance
    return max(float(distance(*feature_stats(feats_a), *feature_stats(feats_b))), 0.0)


def class_histogram(labels: np.ndarray, n_classes: int = 10) -> np.ndarray:
    """Fraction of samples in each class. Used in notebook 08 (through the package)."""
    counts = np.bincount(labels, minlength=n_classes).astype(float)
    return counts / counts.sum()


def class_balance(labels: np.ndarray, n_classes: int = 10) -> float:
    """Normalised entropy of the predicted-class histogram: 1 = perfectly balanced, 0 = one class only.

    Used in notebook 08 (through the package).
    """
    p = class_histogram(labels, n_classes)
    nz = p[p > 0]
    return max(0.0, float(-(nz * np.log(nz)).sum() / np.log(n_classes)))


def kl_to_uniform(labels: np.ndarray, n_classes: int = 10) -> float:
    """KL(predicted-class histogram || uniform) in nats: 0 when balanced, log(10) = 2.30 for one class.

    Used in notebook 08 (through the package).
    """
    return float(np.log(n_classes) * (1.0 - class_balance(labels, n_classes)))


@dataclass(frozen=True)
class Evaluation:
    """Frechet distance to the reference set, class balance, KL to uniform, and the class histogram.

    Used in notebook 08.
    """

    fd: float
    balance: float
    kl_uniform: float
    histogram: np.ndarray
    n: int
    confident: float = float("nan")

    def __repr__(self) -> str:
        return (f"Evaluation(FD={self.fd:.2f}, confident={self.confident:.1%}, balance={self.balance:.3f}, "
                f"KL={self.kl_uniform:.3f}, n={self.n})")


class Evaluator:
    """Scores image sets against a fixed reference set (default: ``n`` held-out test images).

    ``distance(mu1, sigma1, mu2, sigma2)`` computes the Frechet distance of the fitted Gaussians
    (default :func:`course_utils.metrics.frechet_distance`; notebook 08 passes the learner's).

    ``evaluator(images)`` or ``evaluator.generator(G)`` returns an :class:`Evaluation`; the
    generator's images come from a seeded noise stream so a score is reproducible.

    Used in notebook 08.
    """

    def __init__(self, reference: torch.Tensor, classifier: FashionClassifier | None = None, n: int = 1000,
                 distance: GaussianDistance | None = None):
        if len(reference) < n:
            raise ValueError(f"the reference set has {len(reference)} images, fewer than n={n}")
        self.classifier = classifier if classifier is not None else load_classifier()
        self.n = n
        self.distance = distance
        self.ref_feats, self.ref_labels = classify(self.classifier, reference[:n])

    def __call__(self, images: torch.Tensor) -> Evaluation:
        if len(images) < self.n:
            raise ValueError(f"need at least n={self.n} images, got {len(images)}")
        feats, labels, conf = classify_with_confidence(self.classifier, images[: self.n])
        return Evaluation(feature_frechet_distance(self.ref_feats, feats, self.distance), class_balance(labels), kl_to_uniform(labels),
                          class_histogram(labels), self.n, confident_share(conf))

    def generator(self, generator: nn.Module, seed: int = 0) -> Evaluation:
        return self(generator.sample(self.n, generator=torch.Generator().manual_seed(seed)))


@torch.no_grad()
def accuracy(model: FashionClassifier, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of ``images`` whose predicted class is ``labels``. Used in notebook 08."""
    _, preds = classify(model, images)
    return float((preds == labels.numpy()).mean())


def train_classifier(epochs: int = 4, batch_size: int = 128, lr: float = 1e-3, seed: int = 0,
                     device: torch.device | str | None = None, full: bool = True, progress: bool = True) -> tuple[FashionClassifier, dict]:
    """Train the classifier on the Fashion-MNIST training set; returns ``(model, report)``.

    Not called in a notebook (used by the package and its commands).
    """
    torch.manual_seed(seed)
    device = torch.device(device) if device is not None else get_device()
    train = image_data.load_images("train", full=full)
    test = image_data.load_images("test", full=full)
    x, y = train.tensor(), torch.from_numpy(train.labels)
    model = FashionClassifier().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr * 3, total_steps=epochs * ((len(x) + batch_size - 1) // batch_size))
    rng = torch.Generator().manual_seed(seed)
    t0 = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(x), generator=rng)
        bar = tqdm(range(0, len(x), batch_size), desc=f"classifier epoch {epoch + 1}/{epochs}", disable=not progress,
                   mininterval=5.0)
        for i in bar:
            idx = perm[i:i + batch_size]
            xb = x[idx]
            # light augmentation: random horizontal flips (clothes are left-right symmetric)
            flip = torch.rand(len(xb), generator=rng) < 0.5
            xb = torch.where(flip[:, None, None, None], xb.flip(-1), xb)
            loss = nn.functional.cross_entropy(model(xb.to(device)), y[idx].to(device))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        model.eval()
    report = {
        "test_accuracy": accuracy(model, test.tensor(device), torch.from_numpy(test.labels)),
        "test_set": test.origin, "n_test": len(test), "train_set": train.origin, "n_train": len(train),
        "epochs": epochs, "batch_size": batch_size, "lr": lr, "seed": seed,
        "seconds": round(time.perf_counter() - t0, 1), "threads": torch.get_num_threads(), "device": str(device.type),
    }
    return model, report


def main(argv: list[str] | None = None) -> int:
    """The command line. Not called in a notebook (used by the package and its commands)."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.fid", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    tc = sub.add_parser("train-classifier", help="train the evaluation classifier and save it")
    tc.add_argument("--epochs", type=int, default=4)
    tc.add_argument("--batch-size", type=int, default=128)
    tc.add_argument("--lr", type=float, default=1e-3)
    tc.add_argument("--seed", type=int, default=0)
    tc.add_argument("--subset", action="store_true", help="train on the shipped 10k subset (for a quick try)")
    tc.add_argument("--threads", type=int)
    tc.add_argument("--out", type=Path, default=CLASSIFIER_PATH)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    model, report = train_classifier(args.epochs, args.batch_size, args.lr, args.seed, full=not args.subset)
    torch.save({"model": model.cpu().state_dict(), "report": report}, args.out)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
