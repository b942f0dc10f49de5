"""Metrics: exact Wasserstein distances for small samples, and mode coverage for mixtures."""

from __future__ import annotations

import torch


def wasserstein_1d(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Exact W1 between two 1-D empirical distributions with the same number of points.

    In one dimension the optimal transport plan matches the sorted samples in
    order, so W1 is the mean absolute difference of the sorted values.
    """
    x, y = torch.as_tensor(x).flatten(), torch.as_tensor(y).flatten()
    if x.numel() != y.numel() or x.numel() == 0:
        raise ValueError(f"x and y need the same, non-zero number of points; got {x.numel()} and {y.numel()}.")
    return (torch.sort(x).values - torch.sort(y).values).abs().mean()
