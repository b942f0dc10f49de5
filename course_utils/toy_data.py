"""The 2-D toy distributions of the WGAN-GP paper's toy experiments.

The recipes and scales follow the official toy code of Gulrajani et al. (2017):

* **8 Gaussians**: centres on a circle of radius 2, standard deviation 0.02,
  then everything divided by 1.414, so the modes lie at radius ~1.414 with
  standard deviation ~0.0141.
* **25 Gaussians**: centres on the grid {-4, -2, 0, 2, 4}^2, standard deviation
  0.05, then divided by 2.828 (grid spacing ~0.707, standard deviation ~0.0177).
* **Swiss roll**: the 2-D slice (x, z) of scikit-learn's 3-D Swiss roll with
  noise 0.25, divided by 7.5 (implemented here without scikit-learn).

Every sampler takes ``n`` and returns a float32 tensor of shape ``(n, 2)`` on
the requested device. Pass a ``torch.Generator`` for a private random stream.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

__all__ = [
    "Sampler", "eight_gaussians_centers", "twenty_five_gaussians_centers", "EIGHT_GAUSSIANS_STD",
    "TWENTY_FIVE_GAUSSIANS_STD", "eight_gaussians", "twenty_five_gaussians", "swiss_roll", "ToyDataset", "DATASETS",
    "get_dataset", "get_sampler"
]

Sampler = Callable[[int], torch.Tensor]

_SQRT2 = 1.414  # the official code divides by these rounded constants
_2SQRT2 = 2.828


def _check_n(n: int) -> None:
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")


def eight_gaussians_centers() -> torch.Tensor:
    """The 8 mode centres, shape ``(8, 2)``, after the official scaling. Used in notebook 00."""
    angles = torch.arange(8, dtype=torch.float32) * (math.pi / 4)
    centers = 2.0 * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    return centers / _SQRT2


def twenty_five_gaussians_centers() -> torch.Tensor:
    """The 25 mode centres, shape ``(25, 2)``, after the official scaling. Not called in a notebook."""
    grid = torch.arange(-2, 3, dtype=torch.float32) * 2.0
    xs, ys = torch.meshgrid(grid, grid, indexing="ij")
    return torch.stack([xs.flatten(), ys.flatten()], dim=1) / _2SQRT2


EIGHT_GAUSSIANS_STD = 0.02 / _SQRT2
TWENTY_FIVE_GAUSSIANS_STD = 0.05 / _2SQRT2


def _mixture(centers: torch.Tensor, std: float, n: int, device, generator) -> torch.Tensor:
    _check_n(n)
    idx = torch.randint(len(centers), (n,), generator=generator)
    noise = torch.randn(n, 2, generator=generator) * std
    return (centers[idx] + noise).to(device)


def eight_gaussians(n: int, device: torch.device | str = "cpu", generator: torch.Generator | None = None) -> torch.Tensor:
    """``n`` samples from the 8-Gaussian mixture, shape ``(n, 2)``. Used in notebooks 05 and 06."""
    return _mixture(eight_gaussians_centers(), EIGHT_GAUSSIANS_STD, n, device, generator)


def twenty_five_gaussians(
    n: int, device: torch.device | str = "cpu", generator: torch.Generator | None = None
) -> torch.Tensor:
    """``n`` samples from the 25-Gaussian grid mixture, shape ``(n, 2)``. Not called in a notebook."""
    return _mixture(twenty_five_gaussians_centers(), TWENTY_FIVE_GAUSSIANS_STD, n, device, generator)


def swiss_roll(n: int, device: torch.device | str = "cpu", generator: torch.Generator | None = None) -> torch.Tensor:
    """``n`` samples from the 2-D Swiss roll, shape ``(n, 2)``.

    ``t = 1.5 pi (1 + 2u)`` with ``u ~ U(0, 1)``; the point is ``(t cos t, t sin t)``
    plus Gaussian noise of standard deviation 0.25, all divided by 7.5.
    Not called in a notebook.
    """
    _check_n(n)
    t = 1.5 * math.pi * (1 + 2 * torch.rand(n, generator=generator))
    points = torch.stack([t * torch.cos(t), t * torch.sin(t)], dim=1)
    points = points + 0.25 * torch.randn(n, 2, generator=generator)
    return (points / 7.5).to(device)


@dataclass(frozen=True)
class ToyDataset:
    """A named toy distribution: its sampler, and its modes where it has them."""

    name: str
    sample: Callable[..., torch.Tensor]
    centers: torch.Tensor | None
    std: float | None

    def sampler(self, device: torch.device | str = "cpu", generator: torch.Generator | None = None) -> Sampler:
        """A one-argument function ``n -> samples`` bound to ``device``."""
        return lambda n: self.sample(n, device=device, generator=generator)


DATASETS: dict[str, ToyDataset] = {
    "8gaussians": ToyDataset("8gaussians", eight_gaussians, eight_gaussians_centers(), EIGHT_GAUSSIANS_STD),
    "25gaussians": ToyDataset(
        "25gaussians", twenty_five_gaussians, twenty_five_gaussians_centers(), TWENTY_FIVE_GAUSSIANS_STD
    ),
    "swissroll": ToyDataset("swissroll", swiss_roll, None, None),
}


def get_dataset(name: str) -> ToyDataset:
    """Look up a toy dataset by name: ``'8gaussians'``, ``'25gaussians'`` or ``'swissroll'``.

    Used in notebooks 01, 03, 07 and 09.
    """
    key = name.lower().replace("_", "").replace("-", "").replace(" ", "")
    if key not in DATASETS:
        raise ValueError(f"Unknown toy dataset {name!r}; choose one of {sorted(DATASETS)}.")
    return DATASETS[key]


def get_sampler(name: str, device: torch.device | str = "cpu", generator: torch.Generator | None = None) -> Sampler:
    """``get_dataset(name).sampler(device)``: a function ``n -> (n, 2)`` tensor. Used in notebooks 00 and 07."""
    return get_dataset(name).sampler(device, generator)
