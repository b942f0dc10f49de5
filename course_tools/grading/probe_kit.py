"""The probe builders' common kit: seeded inputs, small random critics, and results as data.

Torch only (never ``course_utils``): the sandbox imports it as part of the grader's files.
Used by :mod:`.probes` and :mod:`.step_probes`.
"""

from __future__ import annotations

import numbers

import torch
from torch import nn

__all__ = ["Call", "Many", "Observation", "as_data", "flag", "grads_data", "flag", "random_mlp", "returned_number", "seeded"]

#: What a probe reports: ``{name: data}``, JSON-ready.
Observation = dict


def seeded(seed: int) -> torch.Generator:
    """A CPU generator seeded with ``seed`` (any int)."""
    return torch.Generator().manual_seed(int(seed) % (2**31))


def random_mlp(gen: torch.Generator, d_in: int, width: int = 16, flatten: bool = False) -> nn.Module:
    """A tanh MLP ``d_in -> width -> width -> 1`` with large random weights drawn from ``gen``."""
    layers: list[nn.Module] = [nn.Flatten()] if flatten else []
    layers += [nn.Linear(d_in, width), nn.Tanh(), nn.Linear(width, width), nn.Tanh(), nn.Linear(width, 1)]
    net = nn.Sequential(*layers)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.8)
    return net


def as_data(x) -> dict:
    """A result as data: shape and values (floats), or its type when it is not a tensor."""
    if x is None:
        return {"type": "None"}
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return {"type": "number", "values": [float(x)], "shape": []}
    if not torch.is_tensor(x):
        return {"type": type(x).__name__}
    t = x.detach().to("cpu", torch.float64)
    return {"type": "tensor", "shape": list(t.shape), "values": t.flatten().tolist(),
            "requires_grad": bool(x.requires_grad)}


def grads_data(out, inputs: list[torch.Tensor]) -> dict:
    """d out / d inputs, or why it cannot be taken (detached result, no graph...)."""
    if not torch.is_tensor(out) or out.numel() != 1 or not out.requires_grad:
        return {"type": "not-differentiable"}
    try:
        grads = torch.autograd.grad(out.sum(), inputs, allow_unused=True)
    except RuntimeError as exc:
        return {"type": "error", "message": str(exc).splitlines()[0][:200]}
    return {"type": "grads", "values": [[] if g is None else g.detach().double().flatten().tolist() for g in grads]}


def flag(ok: bool, hint: str | None = None) -> dict:
    """A yes/no observation; with ``hint``, the words the feedback gives when it differs from the reference's."""
    return {"type": "flag", "values": [float(bool(ok))]} | ({"hint": hint} if hint is not None else {})


def returned_number(out, hint: str, alternatives=()) -> dict:
    """A return value that must be a Python (or NumPy) real number, never a tensor, as data."""
    alts = [[b, why, [float(v)]] for b, why, v in alternatives]
    if isinstance(out, numbers.Real) and not isinstance(out, bool):
        return {"type": "float", "shape": [], "values": [float(out)], "hint": hint, "alternatives": alts}
    return {"type": "tensor" if torch.is_tensor(out) else type(out).__name__, "hint": hint}


class Call:
    """The arguments of one call, keywords included."""

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs


class Many:
    """Several calls of the function in one probe; ``observe`` gets the list of results."""

    def __init__(self, calls: list[tuple]):
        self.calls = calls
