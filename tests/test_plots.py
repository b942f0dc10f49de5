"""Figures: the 8 Gaussians target is drawn as eight round blobs; seaborn helpers label their axes."""

from __future__ import annotations

import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from course_utils import plots, toy_data  # noqa: E402


def _outer_polygons(ax) -> list[np.ndarray]:
    """The closed outlines of the lowest filled density level."""
    contour = next(c for c in ax.collections if hasattr(c, "get_paths") and c.get_paths())
    return [poly for poly in contour.get_paths()[0].to_polygons() if len(poly) > 3]


def test_eight_gaussians_target_is_eight_blobs_of_visible_size():
    real = toy_data.eight_gaussians(1000, generator=torch.Generator().manual_seed(0))
    fake = torch.randn(300, 2)
    start = time.perf_counter()
    ax = plots.plot_samples(real, fake, title="8 Gaussians")
    assert time.perf_counter() - start < 5, "the density plot is too slow for a notebook"
    centres = toy_data.eight_gaussians_centers().numpy()
    widths: dict[int, float] = {}
    for poly in _outer_polygons(ax):  # outlines (and the holes of the filled band), each around one mode
        distances = np.linalg.norm(centres - poly.mean(axis=0), axis=1)
        assert distances.min() < 0.05, "an outline away from every mode"
        mode = int(distances.argmin())
        widths[mode] = max(widths.get(mode, 0.0), float((poly.max(axis=0) - poly.min(axis=0)).min()))
    assert sorted(widths) == list(range(8)), f"modes drawn: {sorted(widths)}"
    assert min(widths.values()) > 0.08, f"a mode is drawn {min(widths.values()):.3f} wide: too small to see"
    assert ax.get_title() == "8 Gaussians" and ax.get_xlabel() and ax.get_ylabel()
    plt.close("all")


def test_distributions_and_heatmap_have_titles_and_labels():
    ax = plots.plot_distributions({"clipped": np.random.default_rng(0).uniform(-0.01, 0.01, 500),
                                   "penalty": np.random.default_rng(1).normal(0, 0.1, 500)},
                                  title="Critic weights", xlabel="weight")
    assert ax.get_title() == "Critic weights" and ax.get_xlabel() == "weight"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["clipped", "penalty"]
    ax = plots.plot_heatmap(np.eye(3), title="Transport plan", xlabel="to", ylabel="from")
    assert ax.get_title() == "Transport plan" and ax.get_xlabel() == "to"
    with pytest.raises(ValueError, match="2-D"):
        plots.plot_heatmap(np.zeros(3))
    with pytest.raises(ValueError, match="3 distinct"):
        plots.plot_density(np.zeros((5, 2)))
    plt.close("all")


def test_grid_points_are_the_points_critic_grid_evaluates():
    """The value surface and the steepest-slope search of notebook 07 look at the same points."""
    points = plots.grid_points(resolution=7)
    assert points.shape == (49, 2) and points.dtype == torch.float32
    assert float(points[:, 0].min()) == plots.DEFAULT_EXTENT[0] and float(points[:, 1].max()) == plots.DEFAULT_EXTENT[3]
    critic = torch.nn.Linear(2, 1)
    _, _, values = plots.critic_grid(critic, resolution=7)
    with torch.no_grad():
        expected = critic(points).reshape(7, 7).numpy()
    np.testing.assert_allclose(values, expected, rtol=1e-6)
