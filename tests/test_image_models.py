"""Shapes of the DCGAN generator and critic; the critic has no BatchNorm."""

import pytest
import torch

from course_utils.image_models import DCGANCritic, DCGANGenerator, has_batchnorm

torch.set_num_threads(1)  # tiny models: one thread is faster, and CI's cores are shared


def test_generator_shapes_and_range():
    g = DCGANGenerator(latent_dim=8, width=4)
    x = g(torch.randn(3, 8))
    assert x.shape == (3, 1, 28, 28)
    assert x.abs().max() <= 1
    s = g.sample(5, generator=torch.Generator().manual_seed(0))
    assert s.shape == (5, 1, 28, 28) and g.training
    assert torch.equal(s, g.sample(5, generator=torch.Generator().manual_seed(0)))


@pytest.mark.parametrize("norm", ["none", "layernorm"])
def test_critic_shape_and_no_batchnorm(norm):
    c = DCGANCritic(width=4, norm=norm)
    assert c(torch.randn(3, 1, 28, 28)).shape == (3, 1)
    assert not has_batchnorm(c)
    assert has_batchnorm(DCGANGenerator(8, 4))


def test_critic_refuses_batchnorm():
    with pytest.raises(ValueError, match="BatchNorm"):
        DCGANCritic(norm="batchnorm")


def test_critic_scores_are_per_sample():
    """A sample's score does not depend on the rest of the batch (what the penalty assumes)."""
    c = DCGANCritic(width=4, norm="layernorm")
    x = torch.randn(4, 1, 28, 28)
    torch.testing.assert_close(c(x)[:2], c(x[:2]))


@pytest.mark.parametrize("upsample", ["transposed", "nearest"])
def test_generator_upsampling_options(upsample):
    torch.manual_seed(0)
    g = DCGANGenerator(latent_dim=8, width=4, upsample=upsample)
    x = g(torch.randn(3, 8))
    assert x.shape == (3, 1, 28, 28) and x.abs().max() <= 1
    kinds = {type(m).__name__ for m in g.modules()}
    assert ("ConvTranspose2d" in kinds) == (upsample == "transposed")
    assert ("Upsample" in kinds) == (upsample == "nearest")


def test_generator_rejects_unknown_upsampling():
    with pytest.raises(ValueError, match="upsample"):
        DCGANGenerator(upsample="bilinear")
