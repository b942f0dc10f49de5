"""MLP generator and critic for the 2-D toy problems.

The critic has a *linear* output (a WGAN critic scores, it does not classify)
and no BatchNorm unless you ask for it: BatchNorm couples the samples of a batch,
while the gradient penalty assumes each sample's score depends on that sample
alone. LayerNorm normalises each sample on its own and is safe.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

__all__ = [
    "Norm", "mlp", "MLPGenerator", "MLPCritic", "count_parameters"
]

Norm = Literal["none", "layernorm", "batchnorm"]


def _norm_layer(norm: Norm, width: int) -> nn.Module | None:
    if norm == "none":
        return None
    if norm == "layernorm":
        return nn.LayerNorm(width)
    if norm == "batchnorm":
        return nn.BatchNorm1d(width)
    raise ValueError(f"Unknown normalisation {norm!r}; use 'none', 'layernorm' or 'batchnorm'.")


def mlp(in_dim: int, out_dim: int, width: int, depth: int, norm: Norm = "none") -> nn.Sequential:
    """``depth`` hidden layers of ``width`` ReLU units (optionally normalised), then a linear layer.
    Not called in a notebook.
    """
    if depth < 1 or width < 1:
        raise ValueError(f"depth and width must be at least 1, got depth={depth}, width={width}")
    layers: list[nn.Module] = []
    dim = in_dim
    for _ in range(depth):
        layers.append(nn.Linear(dim, width))
        norm_layer = _norm_layer(norm, width)
        if norm_layer is not None:
            layers.append(norm_layer)
        layers.append(nn.ReLU())
        dim = width
    layers.append(nn.Linear(dim, out_dim))
    return nn.Sequential(*layers)


class MLPGenerator(nn.Module):
    """Maps Gaussian noise of size ``latent_dim`` to points in ``out_dim`` dimensions.

    Used in notebooks 00, 01, 03, 06 and 09.
    """

    def __init__(self, latent_dim: int = 2, out_dim: int = 2, width: int = 512, depth: int = 3, norm: Norm = "none"):
        super().__init__()
        self.latent_dim = latent_dim
        self.net = mlp(latent_dim, out_dim, width, depth, norm)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)

    def sample_latent(self, n: int, device: torch.device | str | None = None) -> torch.Tensor:
        """``n`` latent vectors from the standard normal, on the model's device by default."""
        device = device if device is not None else next(self.parameters()).device
        return torch.randn(n, self.latent_dim, device=device)

    @torch.no_grad()
    def sample(self, n: int) -> torch.Tensor:
        """``n`` generated points, without gradient tracking."""
        return self(self.sample_latent(n))


class MLPCritic(nn.Module):
    """Scores points with one unbounded number per sample (output shape ``(B, 1)``).

    ``norm`` is ``'none'`` (default, as in the paper's toy code), ``'layernorm'``,
    or ``'batchnorm'`` (only to demonstrate why it breaks the penalty).

    Used in notebooks 00, 01, 02, 03, 04, 05, 06, 07 and 09.
    """

    def __init__(self, in_dim: int = 2, width: int = 512, depth: int = 3, norm: Norm = "none"):
        super().__init__()
        self.net = mlp(in_dim, 1, width, depth, norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.flatten(start_dim=1))


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters. Used in notebook 08."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
