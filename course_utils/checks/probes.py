"""Probe critics: critics with a known input gradient that record the points they are evaluated at."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["ProbeCritic", "LinearProbe", "TanhProbe", "make_pair"]


# ---------------------------------------------------------------------------- probe critics


def _unwrap_functorch(x: torch.Tensor) -> torch.Tensor | None:
    """The plain tensor under torch.func wrappers, batch dimension first (None if nested vmaps)."""
    functorch = torch._C._functorch
    bdims: list[int] = []
    t = x
    while functorch.is_functorch_wrapped_tensor(t):
        if functorch.is_batchedtensor(t):
            bdims.append(functorch.maybe_get_bdim(t))
        t = functorch.get_unwrapped(t)
    if len(bdims) > 1:
        return None
    if bdims:
        return t.movedim(bdims[0], 0).reshape(t.shape[bdims[0]], -1)
    return t.reshape(t.shape[0], -1) if t.dim() > 1 else t.reshape(1, -1)


class ProbeCritic(nn.Module):
    """A critic that records the points it is evaluated at (as rows of shape ``(N, D)``).

    Subclasses implement :meth:`score` on flattened points. Inputs of shape
    ``(B, ...)`` give scores of shape ``(B, 1)``; a single unbatched point of
    shape ``(D,)`` gives shape ``(1,)``, like ``nn.Linear``. Calls made inside
    ``torch.func`` transforms (``vmap``, ``grad``) are recorded too.
    """

    def __init__(self) -> None:
        super().__init__()
        self.records: list[torch.Tensor | None] = []
        self.backward_grad_modes: list[bool] = []
        self._recording = True

    def score(self, flat: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        wrapped = torch._C._functorch.is_functorch_wrapped_tensor(x)
        if self._recording:
            with torch.no_grad():
                plain = _unwrap_functorch(x)
                self.records.append(None if plain is None else plain.detach().clone().float())
        flat = x.reshape(x.shape[0], -1) if x.dim() > 1 else x.reshape(1, -1)
        out = self.score(flat)
        if self._recording and not wrapped and out.requires_grad:
            # Runs when the learner differentiates: grad mode is on there exactly when create_graph=True.
            out.register_hook(self._note_grad_mode)
        return out if x.dim() > 1 else out.reshape(1)

    def _note_grad_mode(self, grad: torch.Tensor) -> None:
        self.backward_grad_modes.append(torch.is_grad_enabled())

    @contextlib.contextmanager
    def quiet(self) -> Iterator[None]:
        """Evaluate without recording (for the check's own computations)."""
        self._recording = False
        try:
            yield
        finally:
            self._recording = True

    def reset(self) -> None:
        self.records.clear()
        self.backward_grad_modes.clear()

    def points(self, batch: int) -> torch.Tensor | None:
        """The ``batch`` points of the last call, as ``(batch, D)``, or None if they cannot be told."""
        if not self.records or any(r is None for r in self.records):
            return None
        records = [r for r in self.records if r is not None]
        if sum(len(r) for r in records) == batch:
            return torch.cat(records)
        for r in reversed(records):
            if len(r) == batch:
                return r
        return None

    def input_gradients(self, points: torch.Tensor, create_graph: bool = False) -> torch.Tensor:
        """``d critic / d x`` at ``points`` (N, D), as (N, D)."""
        with self.quiet():
            x = points.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(self(x).sum(), x, create_graph=create_graph)
        return g


class LinearProbe(ProbeCritic):
    """``D(x) = w . x + b``: the gradient is ``w`` everywhere."""

    def __init__(self, w: torch.Tensor, b: float = 0.3):
        super().__init__()
        self.weight = nn.Parameter(w.reshape(1, -1).clone())
        self.bias = nn.Parameter(torch.tensor([b]))

    def score(self, flat: torch.Tensor) -> torch.Tensor:
        return F.linear(flat, self.weight, self.bias)


class TanhProbe(ProbeCritic):
    """A one-hidden-layer tanh MLP, so the input gradient changes from point to point."""

    def __init__(self, dim: int, hidden: int, gen: torch.Generator, x_scale: float):
        super().__init__()
        self.first = nn.Linear(dim, hidden)
        self.last = nn.Linear(hidden, 1)
        with torch.no_grad():
            self.first.weight.copy_(torch.randn(hidden, dim, generator=gen) * (1.5 / (math.sqrt(dim) * x_scale)))
            self.first.bias.copy_(torch.randn(hidden, generator=gen) * 0.5)
            self.last.weight.copy_(torch.randn(1, hidden, generator=gen))
            self.last.bias.fill_(0.1)

    def score(self, flat: torch.Tensor) -> torch.Tensor:
        return self.last(torch.tanh(self.first(flat)))

    def calibrate(self, points: torch.Tensor) -> None:
        """Scale the output layer so that the median gradient norm at ``points`` is 1."""
        norms = self.input_gradients(points).norm(dim=1)
        with torch.no_grad():
            self.last.weight.div_(norms.median())


def make_pair(gen: torch.Generator, batch: int, shape: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """A real and a fake batch whose entries differ by at least 0.5 (so alpha can be recovered).
    Not called in a notebook.
    """
    real = torch.randn(batch, *shape, generator=gen) + 0.5
    gap = 0.5 + torch.rand(batch, *shape, generator=gen)
    sign = torch.where(torch.rand(batch, *shape, generator=gen) < 0.5, -1.0, 1.0)
    return real, real - gap * sign
