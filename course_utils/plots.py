"""Figures used across the notebooks: samples over the real density, critic value
surfaces, training curves. Every function draws on a given ``ax`` (or makes one)
and returns the axes, with a title and labelled axes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from .training import History

Extent = tuple[float, float, float, float]
DEFAULT_EXTENT: Extent = (-2.0, 2.0, -2.0, 2.0)


def _numpy(x: torch.Tensor | np.ndarray) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _axes(ax: plt.Axes | None, figsize=(4.5, 4.5)) -> plt.Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_samples(
    real: torch.Tensor | None,
    fake: torch.Tensor | None = None,
    ax: plt.Axes | None = None,
    title: str = "Samples",
    extent: Extent = DEFAULT_EXTENT,
    max_points: int = 1000,
) -> plt.Axes:
    """Generated samples (orange dots) over the real density (a grey 2-D histogram)."""
    ax = _axes(ax)
    if real is not None:
        r = _numpy(real)
        ax.hist2d(r[:, 0], r[:, 1], bins=120, range=[extent[:2], extent[2:]], cmap="Greys", cmin=1)
    if fake is not None:
        f = _numpy(fake)[:max_points]
        ax.scatter(f[:, 0], f[:, 1], s=4, c="tab:orange", alpha=0.6, label="generated")
        ax.legend(loc="upper right", fontsize=8)
    ax.set(xlim=extent[:2], ylim=extent[2:], xlabel="$x_1$", ylabel="$x_2$", title=title, aspect="equal")
    return ax


@torch.no_grad()
def critic_grid(critic: nn.Module, extent: Extent = DEFAULT_EXTENT, resolution: int = 100):
    """The critic's values on a ``resolution x resolution`` grid: ``(xs, ys, values)`` as arrays."""
    device = next(critic.parameters()).device
    xs = np.linspace(extent[0], extent[1], resolution)
    ys = np.linspace(extent[2], extent[3], resolution)
    gx, gy = np.meshgrid(xs, ys)
    points = torch.tensor(np.stack([gx.ravel(), gy.ravel()], axis=1), dtype=torch.float32, device=device)
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
    """Contour lines of the critic's value, with real (black) and fake (orange) points on top."""
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
    """Three panels: the Wasserstein estimate, both losses, and the gradient norm at interpolates."""
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
    """One panel per recorded step: ``snapshots`` maps step -> generated samples."""
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
