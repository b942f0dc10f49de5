"""Other ways to keep a critic in check: one-sided / Lipschitz penalty, R1, DRAGAN, spectral norm.

Every penalty here has the signature of the course's ``gradient_penalty``::

    penalty(critic, real, fake) -> scalar tensor   # NOT multiplied by its weight

so it plugs straight into :func:`course_utils.training.train_wgan` as
``gradient_penalty=...`` (with ``TrainConfig(method="gp", lambda_gp=weight)``).
Spectral normalisation is not a penalty but a change of the critic: build it with
:func:`spectral_norm_critic` and train with ``method="none"`` (no penalty, no clipping).

* :func:`two_sided_penalty`: WGAN-GP, ``(||g|| - 1)^2`` on random interpolates
  (Gulrajani et al., 2017); the same function as ``losses.gradient_penalty``.
* :func:`one_sided_penalty`: ``max(0, ||g|| - 1)^2`` on the same interpolates. Gulrajani et
  al. mention it; Petzka et al. (2018, "On the regularization of Wasserstein GANs") argue for
  it and call it the Lipschitz penalty (:data:`lipschitz_penalty` is the same function).
* :func:`r1_penalty`: ``||grad D(real)||^2`` on real data only (Mescheder et al., 2018);
  their regulariser is ``gamma / 2`` times it, so the weight is ``gamma / 2``.
* :func:`dragan_penalty`: ``(||g|| - 1)^2`` at points near real data, ``x + alpha * delta``.
  The paper (Kodali et al., 2017) perturbs with ``delta ~ N(0, c I)``; their released code,
  which we follow, uses ``delta = 0.5 * std(x) * U(0, 1)`` per element.

:data:`VARIANTS` lists the variants the last notebook compares, each with its paper's
weight, the course's weight for the 2-D toys, the loss it is meant for, and how to build its
critic. Also here: the non-saturating GAN losses (:data:`LOSSES`), :func:`count_ops` and
:func:`best_time` to measure what a step costs, and :func:`check_one_sided_penalty`, the
self-check of the notebook's exercise.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrizations

from . import losses
from .losses import interpolate
from .models import MLPCritic, Norm
from .standard_gan import discriminator_loss, nonsaturating_generator_loss

__all__ = [
    "Penalty", "LossKind", "input_gradients", "two_sided_penalty", "one_sided_penalty", "lipschitz_penalty",
    "r1_penalty", "dragan_perturb", "dragan_penalty", "apply_spectral_norm", "spectral_norm_critic",
    "layer_spectral_norms", "nonsaturating_critic_loss", "LOSSES", "Variant", "VARIANTS", "ALIASES", "get_variant",
    "OpCount", "count_ops", "check_one_sided_penalty", "clock", "best_time"
]

Penalty = Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor]
LossKind = Literal["wgan", "nonsaturating"]


# ----------------------------------------------------------------------------- helpers
def input_gradients(critic: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``d critic(x) / d x`` with the graph kept, flattened to ``(B, D)`` (see :func:`losses.input_gradients`)."""
    return losses.input_gradients(critic, x, create_graph=True)


def _check_pair(real: torch.Tensor, fake: torch.Tensor) -> None:
    if real.shape != fake.shape:
        raise ValueError(f"real and fake must have the same shape, got {tuple(real.shape)} and {tuple(fake.shape)}.")


# ----------------------------------------------------------------------------- penalties
def two_sided_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """WGAN-GP: ``mean_i (||grad D(xhat_i)||_2 - 1)^2`` on random interpolates (not times lambda).

    Used in notebook 09.
    """
    _check_pair(real, fake)
    norms = input_gradients(critic, interpolate(real.detach(), fake.detach())).norm(2, dim=1)
    return ((norms - 1) ** 2).mean()


def one_sided_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """``mean_i max(0, ||grad D(xhat_i)||_2 - 1)^2`` on random interpolates (not times lambda).

    Only gradients *steeper* than 1 are penalised: a 1-Lipschitz critic pays nothing,
    which is exactly the constraint of the Kantorovich-Rubinstein duality. This is the
    Lipschitz penalty (LP) of Petzka et al. (2018).

    Used in notebook 09.
    """
    _check_pair(real, fake)
    norms = input_gradients(critic, interpolate(real.detach(), fake.detach())).norm(2, dim=1)
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
    grads = input_gradients(critic, real)
    return grads.pow(2).sum(dim=1).mean()


def dragan_perturb(real: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Points near the real data: ``x + alpha * 0.5 * std(x) * U(0, 1)`` (Kodali et al., 2017).

    As in the paper's code, ``std`` is the standard deviation of the whole batch, the noise
    ``U(0, 1)`` is drawn per element (so it only ever pushes *up*: a quirk of the original
    code that we keep), and one ``alpha ~ U(0, 1)`` per sample moves the point part of the way.

    Used in notebook 09.
    """
    real = real.detach()
    noise = torch.rand(real.shape, device=real.device, dtype=real.dtype, generator=generator)
    perturbed = real + 0.5 * real.std() * noise
    alpha = torch.rand(real.shape[0], device=real.device, dtype=real.dtype, generator=generator)
    return interpolate(perturbed, real, alpha)  # alpha * perturbed + (1 - alpha) * real


def dragan_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor | None = None) -> torch.Tensor:
    """DRAGAN: ``mean_i (||grad D(x~_i)||_2 - 1)^2`` at perturbed real points (not times lambda).

    The penalty lives around the *real* data only; ``fake`` is accepted and ignored.
    """
    norms = input_gradients(critic, dragan_perturb(real)).norm(2, dim=1)
    return ((norms - 1) ** 2).mean()


# ----------------------------------------------------------------------------- spectral norm
_SN_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)


def apply_spectral_norm(module: nn.Module, n_power_iterations: int = 1) -> nn.Module:
    """Put ``torch.nn.utils.parametrizations.spectral_norm`` on every linear and conv layer (in place).

    Each weight is divided by an estimate of its largest singular value, refreshed by
    ``n_power_iterations`` steps of power iteration at every forward pass in training mode.
    Returns ``module``.
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

    With every weight matrix of spectral norm 1 and 1-Lipschitz ReLUs, the whole critic is
    (up to the power-iteration estimate) 1-Lipschitz by construction: no clipping and no
    penalty are needed, so train it with ``TrainConfig(method="none")``.

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
    is read in eval mode, so reading does not advance the power iteration.

    Used in notebook 09.
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
        reference="Kodali et al. 2017 (paper: N(0, cI) noise; released code, used here: 0.5 std U(0, 1))",
    ),
    "sn": Variant(
        "sn", "spectral norm", None, 0.0, 0.0, spectral_norm=True, formula="none: W / sigma_max(W) in every layer",
        where="nowhere: the bound holds everywhere by construction",
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


# ----------------------------------------------------------------------------- cost
@dataclass(frozen=True)
class OpCount:
    """What one call did, counted op by op: a machine-independent measure of cost."""

    ops: int  #: every ATen operation (forward, backward and double backward alike)
    matmul_flops: int  #: floating-point operations of the matrix products (``mm``, ``addmm``, ``mv``, ...)

    @property
    def mflops(self) -> float:
        return self.matmul_flops / 1e6


def _matmul_flops(func, args, out) -> int:
    name = func.__name__.split(".")[0]
    if name in ("mm", "addmm", "bmm", "baddbmm"):
        a, b = (args[1], args[2]) if name in ("addmm", "baddbmm") else (args[0], args[1])
        return 2 * a.numel() * b.shape[-1]
    if name in ("mv", "addmv"):
        a = args[1] if name == "addmv" else args[0]
        return 2 * a.numel()
    return 0


def count_ops(fn: Callable[[], object]) -> OpCount:
    """Run ``fn()`` once and count the ATen operations and matrix-product FLOPs it executes.

    Unlike a stopwatch, the count does not depend on the machine or on what else it is
    running, so it is a robust way to compare the cost of two training steps.

    Used in notebook 09.
    """
    from torch.utils._python_dispatch import TorchDispatchMode

    class _Counter(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.ops = 0
            self.flops = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            self.ops += 1
            self.flops += _matmul_flops(func, args, out)
            return out

    counter = _Counter()
    with counter:
        fn()
    return OpCount(ops=counter.ops, matmul_flops=counter.flops)


# ----------------------------------------------------------------------------- self-check
class _LinearCritic(nn.Module):
    """``D(x) = <w, flatten(x)>`` with ``||w|| = slope``: its input gradient has norm ``slope`` everywhere."""

    def __init__(self, dim: int, slope: float):
        super().__init__()
        direction = torch.linspace(-1.0, 1.0, dim) + 0.5
        self.w = nn.Parameter(slope * direction / direction.norm())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x.flatten(start_dim=1) @ self.w).unsqueeze(1)


def check_one_sided_penalty(fn: Callable):
    """Self-check for the learner's ``one_sided_penalty(critic, real, fake)``.

    Uses linear critics, whose gradient norm is the same known slope ``s`` everywhere, so
    the right answer is ``max(0, s - 1) ** 2`` whatever random points the learner draws.
    Bug ids follow :mod:`course_utils.bugs` where the catalog has the mistake
    (``not-callable``, ``not-implemented``, ``raised-exception``, ``returned-none``,
    ``wrong-type``, ``wrong-shape``, ``absolute-deviation`` (not squared),
    ``lambda-inside-penalty``, ``per-element-norm``, ``create-graph-missing``,
    ``wrong-gradient``, ``wrong-value``); two are specific to this exercise:
    ``two-sided-penalty`` (slopes below 1 are penalised too) and ``one-sided-wrong-side``
    (``max(0, 1 - s)`` instead of ``max(0, s - 1)``).

    Used in notebook 09.
    """
    from .checks import CheckResult

    name = "one_sided_penalty"

    def fail(bug: str | None, message: str, details: list[str] | None = None):
        return CheckResult(name, False, bug, message, details or [])

    if not callable(fn):
        return fail("not-callable", f"one_sided_penalty should be a function, got {type(fn).__name__}.")
    g = torch.Generator().manual_seed(0)
    values = {}
    try:
        for shape in ((64, 2), (8, 1, 28, 28)):
            dim = math.prod(shape[1:])
            real, fake = torch.randn(shape, generator=g), torch.randn(shape, generator=g)
            for slope in (0.5, 1.0, 3.0):
                critic = _LinearCritic(dim, slope)
                out = fn(critic, real, fake)
                if out is None:
                    return fail("returned-none", "Your function returns nothing: end it with `return ...`.")
                if not isinstance(out, torch.Tensor):
                    return fail("wrong-type", f"Return a torch tensor, got {type(out).__name__}.")
                if out.dim() != 0:
                    return fail("wrong-shape", f"Return one scalar (the batch mean), got shape {tuple(out.shape)}.")
                values[(shape, slope)] = out
    except NotImplementedError:
        return fail("not-implemented", "The exercise is not done yet: replace the `raise NotImplementedError` line.")
    except Exception as exc:  # the learner's code raised: that is the finding
        return fail("raised-exception", f"Your function raised {type(exc).__name__}: {exc}")

    details = [f"slope {s}, input {shape}: got {float(v.detach()):.4g}, expected {max(0.0, s - 1) ** 2:.4g}"
               for (shape, s), v in values.items()]
    v2 = {s: float(values[((64, 2), s)].detach()) for s in (0.5, 1.0, 3.0)}
    vimg = {s: float(values[((8, 1, 28, 28), s)].detach()) for s in (0.5, 1.0, 3.0)}
    close = lambda a, b: abs(a - b) <= 1e-4 * max(1.0, abs(b))  # noqa: E731
    if close(v2[0.5], 0.25) and close(v2[3.0], 4.0):
        return fail("two-sided-penalty", "A slope of 0.5 is penalised: that is the two-sided penalty (||g|| - 1)^2. "
                    "The one-sided penalty only punishes slopes *above* 1: use relu(norm - 1) or clamp(min=0).", details)
    if close(v2[0.5], 0.25) and close(v2[3.0], 0.0):
        return fail("one-sided-wrong-side", "Slopes below 1 are punished and steep ones are not: take max(0, norm - 1), "
                    "not max(0, 1 - norm).", details)
    if close(v2[3.0], 2.0):
        return fail("absolute-deviation", "For slope 3 you return 2 = max(0, 3 - 1): square it.", details)
    if v2[3.0] > 4.0 + 1e-3 and close(v2[3.0] / 4.0, round(v2[3.0] / 4.0)) and close(v2[0.5], 0.0):
        return fail("lambda-inside-penalty", f"Your value is {v2[3.0] / 4.0:.0f} times too large: return the penalty "
                    "itself; the training loop multiplies it by its weight.", details)
    def per_element(shape, slope):  # what a norm over single elements (view(-1, 1)) would give
        w = _LinearCritic(math.prod(shape[1:]), slope).w.detach()
        return float((F.relu(w.abs() - 1) ** 2).mean())

    if all(close(float(v.detach()), per_element(shape, s)) for (shape, s), v in values.items()) and not close(vimg[3.0], 4.0):
        return fail("per-element-norm", "Right on 2-D points, wrong on images: take the norm per sample over all "
                    "dimensions but the batch (flatten(start_dim=1).norm(dim=1)), not per element.", details)
    if not all(close(float(v.detach()), max(0.0, s - 1) ** 2) for (_, s), v in values.items()):
        return fail("wrong-value", "The values differ from max(0, ||grad|| - 1)^2 on critics of known slope.", details)
    out = values[((64, 2), 3.0)]
    if not out.requires_grad:
        return fail("create-graph-missing", "The value is right but carries no graph, so it cannot train the critic: "
                    "call torch.autograd.grad(..., create_graph=True).", details)
    critic = _LinearCritic(2, 3.0)
    real, fake = torch.randn(64, 2, generator=g), torch.randn(64, 2, generator=g)
    try:
        penalty = fn(critic, real, fake)
        penalty.backward()
    except Exception as exc:
        return fail("create-graph-missing", f"Backpropagating the penalty into the critic failed: {type(exc).__name__}: {exc}")
    if critic.w.grad is None or float(critic.w.grad.norm()) == 0.0:
        return fail("create-graph-missing", "No gradient reaches the critic's weights: use create_graph=True.", details)
    expected = 2 * (3.0 - 1) * critic.w.detach() / 3.0
    if not torch.allclose(critic.w.grad, expected, rtol=1e-3, atol=1e-5):
        return fail("wrong-gradient", "The value is right but its gradient with respect to the critic's weights is not.",
                    details)
    return CheckResult(name, True, None, "Correct: zero for slopes up to 1, (s - 1)^2 above, on points and on images, "
                       "and it trains the critic.", [])



# ----------------------------------------------------------------------------- timing
def clock(device: torch.device | str) -> Callable[[], float]:
    """A clock for timing work on ``device``, in seconds.

    On the CPU it is the *CPU time* of this process, so other programs sharing the machine
    barely change the reading (wall-clock time on a busy machine can double at random).
    On an accelerator it is wall-clock time read after waiting for queued work to finish.

    Used in notebook 09.
    """
    device = torch.device(device)
    if device.type == "cpu":
        return time.process_time
    backend = getattr(torch, device.type, None)
    synchronize = getattr(backend, "synchronize", None)

    def wall() -> float:
        if synchronize is not None:
            synchronize()
        return time.perf_counter()

    return wall


def best_time(fn: Callable[[], object], device: torch.device | str, repeats: int = 7, number: int = 5) -> float:
    """Seconds per call of ``fn``: the best of ``repeats`` runs of ``number`` calls (after one warm-up call).

    The minimum is the least disturbed measurement: noise only ever adds time.

    Used in notebook 09.
    """
    now = clock(device)
    fn()
    best = math.inf
    for _ in range(repeats):
        start = now()
        for _ in range(number):
            fn()
        best = min(best, (now() - start) / number)
    return best
