import math

import pytest
import torch

from course_utils import toy_data


@pytest.mark.parametrize("name", ["8gaussians", "25gaussians", "swissroll"])
def test_samplers_return_float_tensors_of_the_right_shape(name):
    x = toy_data.get_sampler(name)(300)
    assert x.shape == (300, 2) and x.dtype == torch.float32 and x.device.type == "cpu"


def test_names_are_forgiving_but_unknown_names_fail_clearly():
    assert toy_data.get_dataset("8_Gaussians").name == "8gaussians"
    with pytest.raises(ValueError, match="choose one of"):
        toy_data.get_dataset("moons")
    with pytest.raises(ValueError):
        toy_data.eight_gaussians(0)


def test_generator_argument_makes_sampling_reproducible():
    a = toy_data.swiss_roll(50, generator=torch.Generator().manual_seed(1))
    b = toy_data.swiss_roll(50, generator=torch.Generator().manual_seed(1))
    assert torch.equal(a, b)


def _nearest(x, centers):
    d = torch.cdist(x, centers)
    return d.min(dim=1)


def test_eight_gaussians_matches_the_official_recipe():
    centers = toy_data.eight_gaussians_centers()
    assert centers.shape == (8, 2)
    radii = centers.norm(dim=1)
    assert torch.allclose(radii, torch.full((8,), 2 / 1.414), atol=1e-5)  # radius 2, divided by 1.414
    x = toy_data.eight_gaussians(40_000, generator=torch.Generator().manual_seed(0))
    dist, idx = _nearest(x, centers)
    counts = torch.bincount(idx, minlength=8).float()
    assert (counts / counts.sum() - 1 / 8).abs().max() < 0.01  # equal weights
    offsets = x - centers[idx]
    assert abs(offsets.std().item() - 0.02 / 1.414) < 0.0005  # per-coordinate std 0.02 / 1.414
    assert dist.max() < 6 * toy_data.EIGHT_GAUSSIANS_STD


def test_twenty_five_gaussians_matches_the_official_recipe():
    centers = toy_data.twenty_five_gaussians_centers()
    assert centers.shape == (25, 2)
    spacing = 2 / 2.828
    assert torch.allclose(torch.unique(centers[:, 0]), torch.arange(-2, 3) * spacing, atol=1e-5)
    x = toy_data.twenty_five_gaussians(50_000, generator=torch.Generator().manual_seed(0))
    _, idx = _nearest(x, centers)
    counts = torch.bincount(idx, minlength=25).float()
    assert (counts / counts.sum() - 1 / 25).abs().max() < 0.01
    assert abs((x - centers[idx]).std().item() - 0.05 / 2.828) < 0.0005


def test_swiss_roll_matches_the_official_recipe():
    x = toy_data.swiss_roll(20_000, generator=torch.Generator().manual_seed(0))
    # t in [1.5 pi, 4.5 pi]: the noiseless radius t / 7.5 lies in [0.63, 1.88]
    r = x.norm(dim=1)
    assert 0.55 < r.quantile(0.01) < 0.75 and 1.75 < r.quantile(0.99) < 2.0
    assert x.abs().max() < 2.3
    assert abs(x.mean(dim=0)).max() < 0.2 * math.pi


def test_sampler_respects_the_device():
    x = toy_data.get_sampler("8gaussians", device=torch.device("cpu"))(5)
    assert x.device == torch.device("cpu")
