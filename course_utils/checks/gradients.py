"""Self-check of per_sample_grad_norms (notebook 04)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from .core import CheckResult, Finding, call_learner, run_check

__all__ = ["check_per_sample_grad_norms"]


# ---------------------------------------------------------------------------- per_sample_grad_norms


def _per_sample_body(fn: Callable) -> str:
    name = "per_sample_grad_norms"
    gen = torch.Generator().manual_seed(5)

    w = torch.tensor([2.0, -1.0, 0.5, 1.5, -0.25])
    w = w / w.norm() * 3.0
    k = torch.linspace(0.5, 1.5, 28 * 28).reshape(1, 1, 28, 28)

    def linear(x: torch.Tensor) -> torch.Tensor:  # scores of shape (B, 1), gradient w everywhere
        return x @ w.reshape(-1, 1) + 0.3

    def quadratic(x: torch.Tensor) -> torch.Tensor:  # scores of shape (B,), gradient k * x + 0.05
        return (0.5 * k * x**2 + 0.05 * x).flatten(1).sum(dim=1)

    probes = [
        (
            "linear f with gradient norm 3, x of shape (7, 5), f(x) of shape (7, 1)",
            linear,
            torch.randn(7, 5, generator=gen),
        ),
        (
            "quadratic f, images x of shape (4, 1, 28, 28), f(x) of shape (4,)",
            quadratic,
            torch.randn(4, 1, 28, 28, generator=gen),
        ),
    ]
    for setting, f, x0 in probes:
        batch, features = x0.shape[0], x0[0].numel()
        x = x0.clone()
        result = call_learner(name, fn, f, x)
        _check_input_unchanged(name, x, x0, setting)
        if result is None:
            raise Finding("returned-none", f"{name} returned None: is the `return` statement missing?")
        if not isinstance(result, torch.Tensor):
            raise Finding(
                "wrong-type", f"{name} returned a {type(result).__name__}; it should return a tensor of shape (B,)."
            )
        xg = x0.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(f(xg).sum(), xg)
        g = g.reshape(batch, -1).double()
        want = g.norm(dim=1)
        shape = tuple(result.shape)
        got = result.detach().double()
        if shape != (batch,):
            sample_shape = tuple(x0.shape[1:])
            if result.numel() == batch * features and shape in ((batch * features,), (batch * features, 1)):
                bug_id, why = "per-element-norm", "one value per gradient entry"
            elif result.numel() == 1:
                bug_id, why = "norm-over-whole-batch", "one value for the whole batch"
            elif shape in ((features,), sample_shape, (1, *sample_shape[1:])) or shape == sample_shape[1:]:
                bug_id, why = "norm-over-batch-dim", "one value per feature: the norm ran over the batch dimension"
            elif len(sample_shape) > 1 and shape == (batch, *sample_shape[1:]):
                bug_id, why = "unflattened-norm", "one value per pixel: the norm ran over dim=1 only"
            else:
                bug_id, why = "wrong-shape", "expected one norm per sample"
            raise Finding(bug_id, f"For a {setting}, the result has shape {shape} ({why}); it should be ({batch},).")
        if torch.allclose(got, want, rtol=1e-4, atol=1e-6):
            continue
        candidates = [
            ("squared-norm", want**2, "the squared norms"),
            ("mean-before-gradient", want / batch, f"the norms divided by the batch size {batch}"),
        ]
        for bug_id, target, what in candidates:
            if torch.allclose(got, target, rtol=1e-4, atol=1e-6):
                raise Finding(bug_id, f"For a {setting}, your values are {what}.")
        raise Finding(
            "wrong-value",
            f"For a {setting}, the norms should be {[round(v, 4) for v in want.tolist()[:4]]}, "
            f"but yours are {[round(v, 4) for v in got.tolist()[:4]]}.",
        )
    _check_create_graph(fn, gen)
    return (
        "Your per_sample_grad_norms gives one gradient norm per sample, for 2-D points and images, leaves the "
        "caller's x alone, and with create_graph=True returns norms that can be differentiated again."
    )


def _check_input_unchanged(name: str, x: torch.Tensor, x0: torch.Tensor, setting: str) -> None:
    if x.requires_grad or x.grad is not None or not torch.equal(x.detach(), x0):
        raise Finding(
            "input-modified",
            f"For a {setting}, your function changed the caller's x (it now requires grad, has a .grad, or holds "
            "other values). Differentiate with respect to a fresh leaf: x = x.detach().requires_grad_(True).",
        )


class _Quadratic(torch.nn.Module):
    """``f(x) = sum(0.5 * k * x^2)`` per sample, with a parameter ``k``; notes grad mode during backward."""

    def __init__(self, dim: int):
        super().__init__()
        self.k = torch.nn.Parameter(torch.linspace(0.5, 1.5, dim))
        self.backward_grad_modes: list[bool] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = (0.5 * self.k * x**2).sum(dim=1)
        if out.requires_grad and not torch._C._functorch.is_functorch_wrapped_tensor(out):
            out.register_hook(lambda grad: self.backward_grad_modes.append(torch.is_grad_enabled()))
        return out


def _check_create_graph(fn: Callable, gen: torch.Generator) -> None:
    """With create_graph=True the norms must depend on f's parameters, with the reference's gradient."""
    name = "per_sample_grad_norms"
    f = _Quadratic(4)
    x0 = torch.randn(6, 4, generator=gen)
    x = x0.clone()
    result = call_learner(name, fn, f, x, True)
    _check_input_unchanged(name, x, x0, "quadratic f with a parameter k, create_graph=True")
    if f.k.grad is not None:
        raise Finding(
            "backward-for-input-gradient",
            "With create_graph=True, your function filled in the .grad of f's parameter: the input gradient was "
            "taken with .backward(), which also writes into the weights' .grad (and a training step would add it "
            "to its update). Use torch.autograd.grad, which returns the gradient and leaves .grad alone.",
        )
    if not isinstance(result, torch.Tensor) or tuple(result.shape) != (6,):
        raise Finding("wrong-value", f"With create_graph=True, {name} did not return a tensor of shape (6,).")
    if not result.requires_grad:
        modes = f.backward_grad_modes
        if modes and any(modes):
            raise Finding(
                "result-detached",
                "With create_graph=True, the norms are right but cut off from the graph (requires_grad is False): "
                "the result was detached after the gradient was taken.",
            )
        raise Finding(
            "create-graph-missing",
            "With create_graph=True, the norms do not depend on f's parameters: the argument was ignored (the "
            "gradient was taken without create_graph), so a penalty built on them cannot train anything.",
        )
    xr = x0.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(f(xr).sum(), xr, create_graph=True)
    (want,) = torch.autograd.grad(g.norm(dim=1).sum(), f.k)
    try:
        (got,) = torch.autograd.grad(result.sum(), f.k, allow_unused=True)
    except RuntimeError as exc:
        raise Finding(
            "wrong-value", f"Differentiating your norms with respect to f's parameters failed: {exc}"
        ) from None
    if got is None or not torch.allclose(got, want, rtol=1e-4, atol=1e-6):
        raise Finding(
            "wrong-value",
            "With create_graph=True, the gradient of your norms with respect to f's parameters differs from the "
            "reference's.",
        )


def check_per_sample_grad_norms(fn: Callable) -> CheckResult:
    """Check ``per_sample_grad_norms(f, x, create_graph=False)`` (per-sample L2 norms of the input gradient of ``f``). Used in notebook 04."""
    return run_check(
        "per_sample_grad_norms",
        fn,
        _per_sample_body,
        [
            "a linear f with gradient norm 3 gives 3 for every sample (f returns shape (B, 1))",
            "a quadratic f on (B, 1, 28, 28) images (f returns shape (B,)) matches the per-sample norms",
            "the caller's x is left unchanged (values, requires_grad, .grad)",
            "with create_graph=True the norms can be differentiated with respect to f's parameters",
            "f's parameters get no .grad from the call (the input gradient comes from torch.autograd.grad)",
        ],
    )
