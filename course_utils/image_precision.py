"""Mixed precision for the gradient penalty: choosing a precision, autocast, GradScaler, the penalty.

Mixed precision (``amp``):

* ``'bf16'``: autocast to bfloat16, no gradient scaler (bfloat16 has float32's exponent
  range, so small gradients do not underflow);
* ``'fp16'`` (CUDA): autocast to float16 with a ``GradScaler``. The penalty needs the
  input gradient, computed by ``torch.autograd.grad`` *outside* ``scaler.scale(...).backward()``,
  so it follows PyTorch's AMP recipe for gradient penalties: scale the scores before
  ``autograd.grad`` (else small fp16 gradients underflow to zero), unscale the result by
  hand (else the penalty sees gradients ``scale`` times too large), and compute the
  penalty inside autocast;
* ``'off'``: float32; ``'auto'`` picks bf16 on a CUDA GPU that computes in bfloat16
  natively (compute capability >= 8.0), fp16 + scaler on an older GPU (a T4), and float32
  on the CPU.

Used in notebook 08 (section 4) and by :mod:`course_utils.image_training`.
"""

from __future__ import annotations

import contextlib
from typing import Literal

import torch
from torch import nn

from .losses import interpolate

__all__ = ["Amp", "amp_gradient_penalty", "autocast", "backward_and_step", "make_scaler", "native_bf16",
           "resolve_amp"]

Amp = Literal["auto", "off", "bf16", "fp16"]


def native_bf16(device: torch.device) -> bool:
    """Whether ``device`` computes in bfloat16 natively (CUDA compute capability >= 8.0, e.g. A100, RTX 30xx).

    ``torch.cuda.is_bf16_supported()`` also counts emulation by default, which would send a
    Colab T4 (capability 7.5) down a slow emulated bfloat16 path instead of float16 + GradScaler.
    Used in notebook 08 (through the package).
    """
    if device.type != "cuda" or not torch.cuda.is_available():
        return False
    try:
        supported = torch.cuda.is_bf16_supported(including_emulation=False)
    except TypeError:  # older PyTorch: no emulation argument
        supported = torch.cuda.is_bf16_supported()
    return bool(supported) and torch.cuda.get_device_capability(device) >= (8, 0)


def resolve_amp(amp: Amp, device: torch.device) -> str:
    """The precision actually used: 'off', 'bf16' or 'fp16'. Used in notebook 08 (through the package)."""
    if amp == "auto":
        if device.type == "cuda":
            return "bf16" if native_bf16(device) else "fp16"
        return "off"
    if amp == "fp16" and device.type != "cuda":
        raise ValueError("amp='fp16' needs a CUDA device (with a GradScaler); use 'bf16' or 'off' here.")
    return amp


def autocast(device: torch.device, mode: str):
    """An autocast context for ``mode`` ('off' gives a no-op context). Used in notebook 08."""
    if mode == "off":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if mode == "bf16" else torch.float16
    return torch.autocast(device_type=device.type, dtype=dtype)


def make_scaler(device: torch.device, mode: str) -> torch.amp.GradScaler | None:
    """A GradScaler for fp16, ``None`` otherwise. Used in notebook 08 (through the package)."""
    return torch.amp.GradScaler(device.type) if mode == "fp16" else None


def amp_gradient_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor, *, mode: str = "off",
                         scaler: torch.amp.GradScaler | None = None,
                         alpha: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The gradient penalty under mixed precision; returns ``(penalty, per-sample gradient norms)``.

    With a ``scaler`` (fp16): the scores are scaled before ``autograd.grad`` and the
    gradients are unscaled afterwards, by hand, before the norm. The penalty itself is
    computed inside autocast. Call it *outside* any autocast region.

    Used in notebook 08.
    """
    device = real.device
    xhat = interpolate(real.detach(), fake.detach(), alpha).requires_grad_(True)
    with autocast(device, mode):
        scores = critic(xhat)
    out = scores.float().sum()
    if scaler is not None:
        out = scaler.scale(out)
    (grads,) = torch.autograd.grad(out, xhat, create_graph=True)
    if scaler is not None:
        grads = grads / scaler.get_scale()  # unscale; stays differentiable
    with autocast(device, mode):
        norms = grads.flatten(start_dim=1).float().norm(2, dim=1)
        penalty = ((norms - 1.0) ** 2).mean()
    return penalty, norms.detach()


def backward_and_step(loss: torch.Tensor, optimizer: torch.optim.Optimizer,
                       scaler: torch.amp.GradScaler | None) -> None:
    """Zero the gradients, back-propagate ``loss`` and step, through ``scaler`` when fp16 uses one.

    Used by :class:`~course_utils.image_training.ImageWGANGP` (notebook 08).
    Not called in a notebook.
    """
    optimizer.zero_grad(set_to_none=True)
    if scaler is None:
        loss.backward()
        optimizer.step()
        return
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
