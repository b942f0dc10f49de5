"""Sample grids for 28 x 28 images: tile, save, show, and one row per predicted class.

Used in notebook 08.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from . import image_data

__all__ = ["make_grid", "per_class_grid", "save_grid", "show_grid"]


def save_grid(images: torch.Tensor, path: str | Path, nrow: int = 8, title: str | None = None) -> Path:
    """Save images in ``[0, 1]``, shape ``(N, 1, H, W)``, as one PNG grid.

    Not called in a notebook (used by the package and its commands).
    """
    from matplotlib.image import imsave

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    imsave(path, make_grid(images, nrow), cmap="gray", vmin=0.0, vmax=1.0)
    return path


def make_grid(images: torch.Tensor, nrow: int = 8, pad: int = 2) -> np.ndarray:
    """Tile ``(N, 1, H, W)`` images into one 2-D array with ``pad`` pixels of white between them.

    Used in notebook 08 (through the package).
    """
    images = images.detach().float().cpu()
    n, _, h, w = images.shape
    ncol = nrow
    nrows = (n + ncol - 1) // ncol
    grid = np.ones((nrows * (h + pad) + pad, ncol * (w + pad) + pad), dtype=np.float32)
    for i in range(n):
        r, c = divmod(i, ncol)
        grid[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = images[i, 0].numpy()
    return grid

def show_grid(images: torch.Tensor, ax=None, title: str = "Samples", nrow: int = 8, unit_range: bool = False):
    """Draw images as one grid on ``ax`` (made if None); ``unit_range=True`` when they are in ``[-1, 1]``.

    Used in notebook 08.
    """
    import matplotlib.pyplot as plt

    if unit_range:
        images = image_data.from_unit_range(images)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5 * ((len(images) + nrow - 1) // nrow) / nrow + 0.4))
    ax.imshow(make_grid(images, nrow), cmap="gray", vmin=0.0, vmax=1.0)
    ax.set(title=title, xlabel=f"{nrow} images per row (28 x 28 pixels each)", ylabel="", xticks=[], yticks=[])
    return ax


def per_class_grid(images: torch.Tensor, labels, n_classes: int = 10, per_class: int = 8,
                   blank: float = 1.0) -> torch.Tensor:
    """Up to ``per_class`` images for each label, one class per row, in their original order.

    ``images`` are in ``[0, 1]``; rows with fewer images are padded with ``blank`` squares.
    Returns ``(n_classes * per_class, 1, H, W)`` for :func:`show_grid` with ``nrow=per_class``.
    Used in notebook 08 (per-class grids of generated samples, classes as predicted).
    """
    labels = np.asarray(labels)
    if len(labels) != len(images):
        raise ValueError(f"got {len(images)} images but {len(labels)} labels")
    rows = []
    for c in range(n_classes):
        picked = images[torch.as_tensor(np.flatnonzero(labels == c)[:per_class], dtype=torch.long)]
        pad = images.new_full((per_class - len(picked), *images.shape[1:]), blank)
        rows.append(torch.cat([picked, pad]))
    return torch.cat(rows)
