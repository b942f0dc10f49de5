import pytest
import torch
from torch import nn

from course_utils import models


def test_generator_and_critic_shapes():
    g = models.MLPGenerator(latent_dim=3, out_dim=2, width=16, depth=2)
    c = models.MLPCritic(in_dim=2, width=16, depth=4)
    z = g.sample_latent(7)
    assert z.shape == (7, 3)
    assert g(z).shape == (7, 2) and g.sample(5).shape == (5, 2)
    assert c(torch.randn(7, 2)).shape == (7, 1)
    linear_layers = [m for m in c.modules() if isinstance(m, nn.Linear)]
    assert len(linear_layers) == 5 and linear_layers[-1].out_features == 1


def test_critic_output_is_linear_and_unbounded():
    c = models.MLPCritic(width=8, depth=1)
    assert isinstance(c.net[-1], nn.Linear)
    with torch.no_grad():
        c.net[-1].bias.fill_(50.0)
    assert c(torch.zeros(2, 2)).min() > 10  # no sigmoid squashing the score


def test_critic_has_no_batchnorm_by_default_and_layernorm_on_request():
    assert not any(isinstance(m, nn.BatchNorm1d) for m in models.MLPCritic().modules())
    assert sum(isinstance(m, nn.LayerNorm) for m in models.MLPCritic(depth=3, norm="layernorm").modules()) == 3
    with pytest.raises(ValueError, match="normalisation"):
        models.MLPCritic(norm="groupnorm")
    with pytest.raises(ValueError):
        models.mlp(2, 1, width=0, depth=1)


def test_seeding_gives_identical_models():
    torch.manual_seed(0)
    a = models.MLPCritic(width=16)
    torch.manual_seed(0)
    b = models.MLPCritic(width=16)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert models.count_parameters(a) == 2 * 16 + 16 + 2 * (16 * 16 + 16) + 16 + 1
