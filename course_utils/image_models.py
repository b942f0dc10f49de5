"""DCGAN-style generator and critic for 28 x 28 grey-scale images (Fashion-MNIST, MNIST).

The layout follows the convolutional models of Gulrajani et al. (2017, official code
``gan_mnist.py``): the generator maps noise through a linear layer to a 7 x 7 feature map
and doubles the resolution twice with transposed convolutions; the critic halves it
twice with strided convolutions and ends in one *linear* unit.

Two rules for the critic, both because of the gradient penalty:

* **no BatchNorm**: BatchNorm mixes the samples of a batch, so a sample's score (and
  its input gradient) depends on the other samples, while the penalty constrains
  the gradient of each sample's own score. ``norm='layernorm'`` normalises each
  sample on its own over (channels, height, width) and is safe; the paper recommends it.
* **no sigmoid**: a WGAN critic scores, it does not output a probability.

The generator may use BatchNorm (it is not penalised); it does by default, as in DCGAN.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

from .models import count_parameters  # noqa: F401  (re-exported for notebook 08)

__all__ = ["IMAGE_SHAPE", "CriticNorm", "DCGANCritic", "DCGANGenerator", "Upsample", "count_parameters",
           "has_batchnorm"]

CriticNorm = Literal["none", "layernorm"]
Upsample = Literal["transposed", "nearest"]
IMAGE_SHAPE = (1, 28, 28)


class DCGANGenerator(nn.Module):
    """Noise ``(B, latent_dim)`` -> images ``(B, 1, 28, 28)`` in ``[-1, 1]`` (tanh output).

    ``width`` is the number of channels of the last hidden layer; the 7 x 7 and
    14 x 14 layers have ``4 * width`` and ``2 * width`` channels. ``upsample='transposed'``
    doubles the resolution with stride-2 transposed convolutions (the paper's layout);
    ``'nearest'`` repeats each pixel and then convolves (3 x 3), which avoids the
    checkerboard artefacts of uneven kernel overlap (Odena et al., 2016). Used in notebook 08.
    """

    def __init__(self, latent_dim: int = 64, width: int = 16, batchnorm: bool = True,
                 upsample: Upsample = "transposed"):
        super().__init__()
        if latent_dim < 1 or width < 1:
            raise ValueError(f"latent_dim and width must be positive, got {latent_dim} and {width}")
        if upsample not in ("transposed", "nearest"):
            raise ValueError(f"upsample must be 'transposed' or 'nearest', got {upsample!r}")
        self.latent_dim = latent_dim
        self.width = width
        self.upsample = upsample

        def up(c_in: int, c_out: int) -> nn.Module:
            if upsample == "transposed":  # kernel 4, stride 2: overlapping footprints (checkerboards)
                return nn.ConvTranspose2d(c_in, c_out, kernel_size=4, stride=2, padding=1)
            # Odena et al. (2016): resize, then convolve; every output pixel gets the same kernel coverage
            return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                                 nn.Conv2d(c_in, c_out, kernel_size=3, padding=1))

        def norm2d(c: int) -> nn.Module:
            return nn.BatchNorm2d(c) if batchnorm else nn.Identity()

        c4, c2 = 4 * width, 2 * width
        self.project = nn.Sequential(
            nn.Linear(latent_dim, c4 * 7 * 7),
            nn.BatchNorm1d(c4 * 7 * 7) if batchnorm else nn.Identity(),
            nn.ReLU(),
        )
        self.net = nn.Sequential(
            up(c4, c2),  # 7 -> 14
            norm2d(c2),
            nn.ReLU(),
            up(c2, width),  # 14 -> 28
            norm2d(width),
            nn.ReLU(),
            nn.Conv2d(width, 1, kernel_size=3, padding=1),
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.project(z).view(z.shape[0], 4 * self.width, 7, 7)
        return self.net(h)

    def sample_latent(self, n: int, device: torch.device | str | None = None,
                      generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` standard-normal latent vectors (on the model's device by default)."""
        device = device if device is not None else next(self.parameters()).device
        if generator is not None:  # a seeded CPU generator: same noise on every device
            return torch.randn(n, self.latent_dim, generator=generator).to(device)
        return torch.randn(n, self.latent_dim, device=device)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, batch_size: int = 500) -> torch.Tensor:
        """``n`` images in eval mode (BatchNorm running statistics), without gradients."""
        was_training = self.training
        self.eval()
        z = self.sample_latent(n, generator=generator)
        out = torch.cat([self(z[i:i + batch_size]) for i in range(0, n, batch_size)]) if n else z.new_zeros(0, *IMAGE_SHAPE)
        self.train(was_training)
        return out


class DCGANCritic(nn.Module):
    """Images ``(B, 1, 28, 28)`` -> one unbounded score per image, shape ``(B, 1)``.

    ``norm`` is ``'none'`` (default, as in the paper's MNIST model) or ``'layernorm'``
    (per-sample normalisation over channels, height and width; safe with the penalty).
    BatchNorm is deliberately not offered.

    Used in notebook 08.
    """

    def __init__(self, width: int = 32, norm: CriticNorm = "none", leak: float = 0.2):
        super().__init__()
        if norm not in ("none", "layernorm"):
            raise ValueError(
                f"norm must be 'none' or 'layernorm', got {norm!r}; BatchNorm is not allowed in a "
                "WGAN-GP critic because it makes each score depend on the whole batch."
            )
        self.width = width
        self.norm = norm

        def norm_layer(c: int, size: int) -> nn.Module:
            return nn.LayerNorm([c, size, size]) if norm == "layernorm" else nn.Identity()

        self.features = nn.Sequential(
            nn.Conv2d(1, width, kernel_size=4, stride=2, padding=1),  # 28 -> 14
            nn.LeakyReLU(leak),
            nn.Conv2d(width, 2 * width, kernel_size=4, stride=2, padding=1),  # 14 -> 7
            norm_layer(2 * width, 7),
            nn.LeakyReLU(leak),
            nn.Flatten(),
        )
        self.head = nn.Linear(2 * width * 7 * 7, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def has_batchnorm(model: nn.Module) -> bool:
    """True when any sub-module is a BatchNorm layer (a WGAN-GP critic must have none). Used in notebook 08."""
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())
