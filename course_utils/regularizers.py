"""Other ways to keep a critic in check: one-sided / Lipschitz penalty, R1, DRAGAN, spectral norm.

Every penalty here has the signature of the course's ``gradient_penalty``::

    penalty(critic, real, fake) -> scalar tensor   # NOT multiplied by its weight

so it plugs straight into :func:`course_utils.training.train_wgan` as
``gradient_penalty=...`` (with ``TrainConfig(method="gp", lambda_gp=weight)``).
Spectral normalisation is not a penalty but a change of the critic: build it with
:func:`spectral_norm_critic` and train with ``method="none"`` (no penalty, no clipping).

* :func:`two_sided_penalty`: WGAN-GP, ``(||g|| - 1)^2`` on random interpolates
  (Gulrajani et al., 2017); the same computation as ``losses.gradient_penalty``.
* :func:`one_sided_penalty`: ``max(0, ||g|| - 1)^2`` on the same interpolates. Gulrajani et
  al. mention it; Petzka et al. (2018, "On the regularization of Wasserstein GANs") argue for
  it and call it the Lipschitz penalty (:data:`lipschitz_penalty` is the same function).
* :func:`r1_penalty`: ``||grad D(real)||^2`` on real data only (Mescheder et al., 2018);
  their regulariser is ``gamma / 2`` times it, so the weight is ``gamma / 2``.
* :func:`dragan_penalty`: ``(||g|| - 1)^2`` at points near real data. The paper (Kodali et
  al., 2017) perturbs with Gaussian noise, ``x + delta`` with ``delta ~ N(0, c I)``; the
  authors' released code, which we follow, uses ``x + alpha * delta`` with
  ``delta = 0.5 * std(x) * U(0, 1)`` per element and one ``alpha ~ U(0, 1)`` per sample.
* :func:`spectral_norm_critic`, :func:`apply_spectral_norm`: spectral normalisation
  (Miyato et al., 2018). It bounds an MLP's slope by 1; for a convolution PyTorch normalises
  the reshaped kernel, which is not the convolution's operator norm, so the bound is not exact.

:data:`VARIANTS` lists the variants the last notebook compares, each with its paper's
weight, the course's weight for the 2-D toys, the loss it is meant for, and how to build its
critic; :data:`LOSSES` holds the WGAN and the non-saturating GAN losses. Used in notebook 09.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrizations

from . import losses
from .losses import input_gradients, interpolate
from .models import MLPCritic, Norm
from .standard_gan import discriminator_loss, nonsaturating_generator_loss

__all__ = [
    "Penalty", "LossKind", "two_sided_penalty", "one_sided_penalty", "lipschitz_penalty", "r1_penalty",
    "dragan_perturb", "dragan_penalty", "apply_spectral_norm", "spectral_norm_critic", "layer_spectral_norms",
    "nonsaturating_critic_loss", "LOSSES", "Variant", "VARIANTS", "ALIASES", "get_variant",
]

Penalty = Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor]
LossKind = Literal["wgan", "nonsaturating"]


# ----------------------------------------------------------------------------- penalties
def two_sided_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """WGAN-GP: ``mean_i (||grad D(xhat_i)||_2 - 1)^2`` on random interpolates (not times lambda).
    Used in notebook 09.
    """
    norms = input_gradients(critic, interpolate(real.detach(), fake.detach()), create_graph=True).norm(2, dim=1)
    return ((norms - 1) ** 2).mean()


def one_sided_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """``mean_i max(0, ||grad D(xhat_i)||_2 - 1)^2`` on random interpolates (not times lambda).

    Only gradients *steeper* than 1 are penalised: a 1-Lipschitz critic pays nothing,
    which is exactly the constraint of the Kantorovich-Rubinstein duality. This is the
    Lipschitz penalty (LP) of Petzka et al. (2018).
    Not called in a notebook.
    """
    norms = input_gradients(critic, interpolate(real.detach(), fake.detach()), create_graph=True).norm(2, dim=1)
    return (F.relu(norms - 1) ** 2).mean()


#: Petzka et al. (2018) call the one-sided penalty the *Lipschitz penalty*: the same function.
lipschitz_penalty = one_sided_penalty


def r1_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor | None = None) -> torch.Tensor:
    """R1 (Mescheder et al., 2018): ``mean_i ||grad D(real_i)||_2^2`` on real data only.

    Not multiplied by its weight; the paper's regulariser is ``gamma / 2`` times this, so
    pass ``lambda_gp = gamma / 2``. ``fake`` is accepted (same signature as the other
    penalties) and ignored.
    Used in notebook 09.
    """
    return losses.r1_penalty(critic, real)


def dragan_perturb(real: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Points near the real data, as DRAGAN's released code draws them: ``x + alpha * 0.5 * std(x) * U(0, 1)``.

    The paper (Kodali et al., 2017) writes the perturbation as ``delta ~ N(0, c I)``. The
    authors' released code, which we follow, draws ``0.5 * std(x) * U(0, 1)`` per element, with
    ``std`` the standard deviation of the whole batch (so the noise only ever pushes *up*: a
    quirk that we keep), and moves each point part of the way with one ``alpha ~ U(0, 1)`` per sample.
    Used in notebook 09.
    """
    real = real.detach()
    noise = torch.rand(real.shape, device=real.device, dtype=real.dtype, generator=generator)
    perturbed = real + 0.5 * real.std() * noise
    alpha = torch.rand(real.shape[0], device=real.device, dtype=real.dtype, generator=generator)
    return interpolate(perturbed, real, alpha)  # alpha * perturbed + (1 - alpha) * real


def dragan_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor | None = None) -> torch.Tensor:
    """DRAGAN: ``mean_i (||grad D(x~_i)||_2 - 1)^2`` at perturbed real points (not times lambda).

    The points come from :func:`dragan_perturb` (the released code's noise, not the paper's
    Gaussian). The penalty lives around the *real* data only; ``fake`` is accepted and ignored.
    Not called in a notebook.
    """
    norms = input_gradients(critic, dragan_perturb(real), create_graph=True).norm(2, dim=1)
    return ((norms - 1) ** 2).mean()


# ----------------------------------------------------------------------------- spectral norm
_SN_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)


def apply_spectral_norm(module: nn.Module, n_power_iterations: int = 1) -> nn.Module:
    """Put ``torch.nn.utils.parametrizations.spectral_norm`` on every linear and conv layer (in place).

    Each weight is divided by an estimate of its largest singular value, refreshed by
    ``n_power_iterations`` steps of power iteration at every forward pass in training mode.
    For a linear layer that bounds the layer's norm by 1. For a convolution PyTorch normalises
    the kernel reshaped into a matrix, which is not the convolution's operator norm:
    the layer can stretch an image by more than 1 (a normalised 3 x 3 blur, nearly 3), so a
    convolutional critic is not 1-Lipschitz by construction. Returns ``module``.
    Used in notebook 09.
    """
    layers = [m for m in module.modules() if isinstance(m, _SN_LAYERS)]
    if not layers:
        raise ValueError("No linear or convolutional layer found to normalise.")
    for layer in layers:
        parametrizations.spectral_norm(layer, n_power_iterations=n_power_iterations)
    return module


def spectral_norm_critic(
    in_dim: int = 2, width: int = 512, depth: int = 3, norm: Norm = "none", n_power_iterations: int = 1
) -> MLPCritic:
    """An :class:`~course_utils.models.MLPCritic` with spectral normalisation on every layer.

    With every weight matrix of spectral norm 1 and 1-Lipschitz ReLUs, the whole MLP is
    (up to the power-iteration estimate) 1-Lipschitz by construction: no clipping and no
    penalty are needed, so train it with ``TrainConfig(method="none")``. Its slope is usually
    well below 1 (gradient norm attenuation, Anil, Lucas and Grosse, 2019).
    Used in notebook 09.
    """
    if norm != "none":
        raise ValueError("Use norm='none' with spectral normalisation: a normalisation layer rescales "
                         "its input and breaks the Lipschitz bound that spectral norm provides.")
    return apply_spectral_norm(MLPCritic(in_dim=in_dim, width=width, depth=depth), n_power_iterations)


@torch.no_grad()
def layer_spectral_norms(module: nn.Module) -> list[float]:
    """The exact largest singular value of every linear layer's (effective) weight.

    For a spectrally normalised layer ``layer.weight`` is the normalised weight, so the
    values should be close to 1 (a little above right after a large optimiser step: the
    power-iteration estimate of the top singular value lags behind the weights). The module
    is read in eval mode, so reading does not advance the power iteration. Used in notebook 09.
    """
    was_training = module.training
    module.eval()
    try:
        return [float(torch.linalg.matrix_norm(m.weight, ord=2)) for m in module.modules() if isinstance(m, nn.Linear)]
    finally:
        module.train(was_training)


# ----------------------------------------------------------------------------- losses
def nonsaturating_critic_loss(
    real_scores: torch.Tensor, fake_scores: torch.Tensor, penalty: torch.Tensor | float, weight: float
) -> torch.Tensor:
    """The standard GAN discriminator loss on logits, plus ``weight * penalty``.

    ``softplus(-D(real)) + softplus(D(fake))`` is ``-log sigmoid(D(real)) - log(1 - sigmoid(D(fake)))``,
    the cross-entropy of a real/fake classifier. Same signature as ``losses.critic_loss``.
    Not called in a notebook.
    """
    return discriminator_loss(real_scores, fake_scores) + weight * penalty


LOSSES: dict[str, tuple[Callable, Callable]] = {
    "wgan": (losses.critic_loss, losses.generator_loss),
    "nonsaturating": (nonsaturating_critic_loss, nonsaturating_generator_loss),
}


# ----------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class Variant:
    """One way to regularise the critic, with the defaults the course uses.

    ``penalty`` is None for spectral normalisation, which changes the critic instead.
    ``weight`` multiplies the penalty (``lambda_gp`` in :class:`~course_utils.training.TrainConfig`):
    the value its paper uses (on images). ``toy_weight`` is the course's choice for the 2-D toy
    problems (see notebook 09): with a learning rate of 1e-3 and a 64-unit critic, lambda = 10
    pins the gradient norm so hard that the generator learns slowly, and 1 trains in a few
    hundred steps. ``loss`` is ``'wgan'`` or ``'nonsaturating'`` (see :data:`LOSSES`).
    """

    name: str
    label: str
    penalty: Penalty | None
    weight: float
    toy_weight: float
    loss: LossKind = "wgan"
    spectral_norm: bool = False
    formula: str = ""
    where: str = ""
    reference: str = ""

    @property
    def method(self) -> str:
        """The ``TrainConfig.method`` to train it with: ``'gp'`` with a penalty, ``'none'`` without."""
        return "none" if self.penalty is None else "gp"

    def make_critic(self, in_dim: int = 2, width: int = 512, depth: int = 3) -> MLPCritic:
        """A fresh critic of the given size (spectrally normalised when the variant says so)."""
        if self.spectral_norm:
            return spectral_norm_critic(in_dim=in_dim, width=width, depth=depth)
        return MLPCritic(in_dim=in_dim, width=width, depth=depth)

    def train_kwargs(self) -> dict:
        """Keyword arguments for ``train_wgan``: the penalty and the two loss functions."""
        critic_loss, generator_loss = LOSSES[self.loss]
        kwargs: dict = {"critic_loss": critic_loss, "generator_loss": generator_loss}
        if self.penalty is not None:
            kwargs["gradient_penalty"] = self.penalty
        return kwargs

    def config(self, **overrides):
        """A :class:`~course_utils.training.TrainConfig` with this variant's method and weight."""
        from .training import TrainConfig

        settings = {"method": self.method, "lambda_gp": self.weight, **overrides}
        return TrainConfig(**settings)

    def with_weight(self, weight: float) -> Variant:
        """The same variant with another penalty weight."""
        return replace(self, weight=weight)

    def for_toy(self) -> Variant:
        """The same variant with the course's weight for the 2-D toy problems."""
        return replace(self, weight=self.toy_weight)


VARIANTS: dict[str, Variant] = {
    "gp": Variant(
        "gp", "WGAN-GP", two_sided_penalty, 10.0, 1.0, formula="(||g|| - 1)^2",
        where="random interpolates between real and fake",
        reference="Gulrajani et al. 2017",
    ),
    "one_sided": Variant(
        "one_sided", "one-sided (LP)", one_sided_penalty, 10.0, 1.0, formula="max(0, ||g|| - 1)^2",
        where="random interpolates between real and fake",
        reference="Gulrajani et al. 2017; Petzka et al. 2018",
    ),
    "r1": Variant(
        "r1", "R1", r1_penalty, 5.0, 5.0, loss="nonsaturating", formula="||g||^2",
        where="real data only",
        reference="Mescheder et al. 2018 (gamma = 10, weight gamma/2)",
    ),
    "dragan": Variant(
        "dragan", "DRAGAN", dragan_penalty, 10.0, 1.0, loss="nonsaturating", formula="(||g|| - 1)^2",
        where="perturbed real data",
        reference="Kodali et al. 2017 (the paper's noise: N(0, cI); the released code's, used here: 0.5 std U(0, 1))",
    ),
    "sn": Variant(
        "sn", "spectral norm", None, 0.0, 0.0, spectral_norm=True, formula="none: W / sigma_max(W) in every layer",
        where="nowhere: each layer is normalised (a bound everywhere for an MLP; not exact for convolutions)",
        reference="Miyato et al. 2018",
    ),
}

#: Another name for each variant, so ``get_variant("lp")`` works.
ALIASES = {"wgan-gp": "gp", "two_sided": "gp", "lp": "one_sided", "lipschitz": "one_sided",
           "one-sided": "one_sided", "spectral_norm": "sn", "r1_penalty": "r1"}


def get_variant(name: str) -> Variant:
    """Look a variant up by name (``'gp'``, ``'one_sided'``/``'lp'``, ``'r1'``, ``'dragan'``, ``'sn'``).
    Used in notebook 09.
    """
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in VARIANTS:
        raise ValueError(f"Unknown variant {name!r}; choose one of {sorted(VARIANTS)} (or {sorted(ALIASES)}).")
    return VARIANTS[key]
