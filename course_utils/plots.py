"""Figures used across the notebooks: samples over the real density, critic value
surfaces, training curves, distributions and heatmaps. Every function draws on a given
``ax`` (or makes one) and returns the axes, with a title and labelled axes.

Densities of 2-D samples are seaborn kernel density estimates with a bandwidth in data
units (:data:`DENSITY_BANDWIDTH`), so the 8 Gaussians' tiny modes (standard deviation
0.014) are drawn as round blobs instead of a few histogram pixels.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
import torch
from torch import nn

from .training import History

__all__ = [
    "Extent", "DEFAULT_EXTENT", "DENSITY_BANDWIDTH", "plot_density", "plot_samples", "grid_points", "critic_grid",
    "plot_value_surface", "plot_history", "plot_sample_snapshots", "plot_distributions", "plot_heatmap",
]

Extent = tuple[float, float, float, float]
DEFAULT_EXTENT: Extent = (-2.0, 2.0, -2.0, 2.0)
#: Kernel width (in data units) of the 2-D density plots: wider than the 8 Gaussians' modes, so each
#: is a visible blob, and narrow enough to keep the 25 Gaussians' modes apart.
DENSITY_BANDWIDTH = 0.06


def _numpy(x: torch.Tensor | np.ndarray) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _axes(ax: plt.Axes | None, figsize=(4.5, 4.5)) -> plt.Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_density(
    points: torch.Tensor | np.ndarray,
    ax: plt.Axes | None = None,
    color: str = "0.35",
    fill: bool = True,
    bandwidth: float = DENSITY_BANDWIDTH,
    max_points: int = 800,
    label: str | None = None,
) -> plt.Axes:
    """A seaborn density estimate of 2-D ``points`` (filled, or contour lines with ``fill=False``).
    Not called in a notebook.
    """
    ax = _axes(ax)
    p = _numpy(points)[:max_points]
    spread = float(np.sqrt(np.cov(p.T).diagonal().mean())) if len(p) > 2 else 0.0
    if spread <= 0:
        raise ValueError("plot_density needs at least 3 distinct 2-D points")
    sns.kdeplot(x=p[:, 0], y=p[:, 1], ax=ax, fill=fill, color=color, bw_method=bandwidth / spread,
                levels=6, thresh=0.03, gridsize=80, alpha=0.8 if fill else 0.9, linewidths=None if fill else 0.9,
                label=label)
    return ax


def plot_samples(
    real: torch.Tensor | None,
    fake: torch.Tensor | None = None,
    ax: plt.Axes | None = None,
    title: str = "Samples",
    extent: Extent = DEFAULT_EXTENT,
    max_points: int = 1000,
) -> plt.Axes:
    """Generated samples (orange dots) over the real density (grey, a seaborn density estimate).

    Used in notebooks 00, 01, 03, 07 and 09.
    """
    ax = _axes(ax)
    if real is not None:
        plot_density(real, ax=ax)
    if fake is not None:
        f = _numpy(fake)[:max_points]
        ax.scatter(f[:, 0], f[:, 1], s=4, c="tab:orange", alpha=0.6, label="generated")
        ax.legend(loc="upper right", fontsize=8)
    ax.set(xlim=extent[:2], ylim=extent[2:], xlabel="$x_1$", ylabel="$x_2$", title=title, aspect="equal")
    return ax


def grid_points(extent: Extent = DEFAULT_EXTENT, resolution: int = 100) -> torch.Tensor:
    """The ``resolution**2`` points of the plotting grid, row by row, as a ``(resolution**2, 2)`` CPU tensor.

    The same points :func:`critic_grid` evaluates a critic on. Used in notebook 07.
    """
    xs = np.linspace(extent[0], extent[1], resolution)
    ys = np.linspace(extent[2], extent[3], resolution)
    gx, gy = np.meshgrid(xs, ys)
    return torch.tensor(np.stack([gx.ravel(), gy.ravel()], axis=1), dtype=torch.float32)


@torch.no_grad()
def critic_grid(critic: nn.Module, extent: Extent = DEFAULT_EXTENT, resolution: int = 100):
    """The critic's values on a ``resolution x resolution`` grid: ``(xs, ys, values)`` as arrays.

    Used in notebook 07.
    """
    device = next(critic.parameters()).device
    xs = np.linspace(extent[0], extent[1], resolution)
    ys = np.linspace(extent[2], extent[3], resolution)
    points = grid_points(extent, resolution).to(device)
    was_training = critic.training
    critic.eval()
    values = critic(points).reshape(resolution, resolution).cpu().numpy()
    critic.train(was_training)
    return xs, ys, values


def plot_value_surface(
    critic: nn.Module,
    real: torch.Tensor | None = None,
    fake: torch.Tensor | None = None,
    ax: plt.Axes | None = None,
    title: str = "Critic value surface",
    extent: Extent = DEFAULT_EXTENT,
    levels: int = 20,
) -> plt.Axes:
    """Contour lines of the critic's value, with real (black) and fake (orange) points on top.

    Used in notebooks 03, 05 and 07.
    """
    ax = _axes(ax)
    xs, ys, values = critic_grid(critic, extent)
    contour = ax.contourf(xs, ys, values, levels=levels, cmap="viridis", alpha=0.85)
    ax.contour(xs, ys, values, levels=levels, colors="k", linewidths=0.3, alpha=0.5)
    plt.colorbar(contour, ax=ax, fraction=0.046, pad=0.04, label="critic value")
    if real is not None:
        r = _numpy(real)[:500]
        ax.scatter(r[:, 0], r[:, 1], s=3, c="k", label="real")
    if fake is not None:
        f = _numpy(fake)[:500]
        ax.scatter(f[:, 0], f[:, 1], s=3, c="tab:orange", label="fake")
    if real is not None or fake is not None:
        ax.legend(loc="upper right", fontsize=8)
    ax.set(xlim=extent[:2], ylim=extent[2:], xlabel="$x_1$", ylabel="$x_2$", title=title, aspect="equal")
    return ax


def plot_history(history: History, axes=None, label: str | None = None, title: str = "Training curves"):
    """Three panels: the Wasserstein estimate, both losses, and the gradient norm at interpolates.

    Used in notebook 00.
    """
    if axes is None:
        fig, axes = plt.subplots(1, 3, figsize=(13, 3.5))
        fig.suptitle(title)
    steps = history.step
    axes[0].plot(steps, history.w_estimate, label=label)
    axes[0].set(title="Wasserstein estimate E[D(real)] - E[D(fake)]", xlabel="generator step", ylabel="estimate")
    axes[1].plot(steps, history.critic_loss, label=f"critic{f' ({label})' if label else ''}")
    axes[1].plot(steps, history.generator_loss, label=f"generator{f' ({label})' if label else ''}", alpha=0.7)
    axes[1].set(title="Losses", xlabel="generator step", ylabel="loss")
    axes[1].legend(fontsize=8)
    axes[2].plot(steps, history.grad_norm, label=label)
    axes[2].axhline(1.0, color="k", ls="--", lw=0.8)
    axes[2].set(title="Mean gradient norm at interpolates", xlabel="generator step", ylabel="$\\|\\nabla D\\|_2$")
    if label:
        axes[0].legend(fontsize=8)
        axes[2].legend(fontsize=8)
    plt.tight_layout()
    return axes


def plot_sample_snapshots(snapshots: dict[int, torch.Tensor], real: torch.Tensor, extent: Extent = DEFAULT_EXTENT,
                          title: str = "Generated samples during training"):
    """One panel per recorded step: ``snapshots`` maps step -> generated samples. Used in notebooks 00 and 03."""
    n = len(snapshots)
    if n == 0:
        raise ValueError("No snapshots to plot; record some with a training callback first.")
    fig, axes = plt.subplots(1, n, figsize=(3.2 * n, 3.4), squeeze=False)
    for ax, (step, fake) in zip(axes[0], sorted(snapshots.items()), strict=True):
        plot_samples(real, fake, ax=ax, title=f"step {step}", extent=extent)
        ax.get_legend().remove()
    fig.suptitle(title)
    plt.tight_layout()
    return axes[0]


def plot_distributions(
    values: dict[str, torch.Tensor | np.ndarray],
    ax: plt.Axes | None = None,
    title: str = "Distributions",
    xlabel: str = "value",
    bins: int = 50,
) -> plt.Axes:
    """Overlaid histograms with density curves, one per named set of values (weights, gradient norms).
    Not called in a notebook.
    """
    ax = _axes(ax, figsize=(6, 3.5))
    for name, v in values.items():
        sns.histplot(_numpy(v).ravel(), bins=bins, stat="density", kde=True, element="step", alpha=0.3,
                     label=name, ax=ax)
    ax.set(title=title, xlabel=xlabel, ylabel="density")
    ax.legend(fontsize=8)
    return ax


def plot_heatmap(
    matrix: torch.Tensor | np.ndarray,
    ax: plt.Axes | None = None,
    title: str = "Heatmap",
    xlabel: str = "",
    ylabel: str = "",
    xticklabels="auto",
    yticklabels="auto",
    annotate: bool = False,
    cbar_label: str = "",
) -> plt.Axes:
    """A seaborn heatmap of a 2-D array (a transport plan, a grid of settings against a metric).
    Not called in a notebook.
    """
    ax = _axes(ax, figsize=(5, 4))
    m = _numpy(matrix)
    if m.ndim != 2:
        raise ValueError(f"plot_heatmap needs a 2-D array, got shape {m.shape}")
    sns.heatmap(m, ax=ax, cmap="viridis", annot=annotate, fmt=".2g", xticklabels=xticklabels,
                yticklabels=yticklabels, cbar_kws={"label": cbar_label})
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    return ax
