"""Self-checks for the exercise functions (the contract of COURSE.md, section 4).

Each ``check_*`` function takes a learner's function and returns a
:class:`CheckResult`. A check never raises because the learner's code raised:
the exception becomes the finding.

The checks judge behaviour, not source text. They call the learner's function
on probes whose right answer is known:

* critics with a known input gradient (a linear critic whose weight has norm
  ``s`` must give the penalty ``(s - 1) ** 2``) and small tanh critics that
  *record the points they are evaluated at*. From those points the check
  recovers each sample's ``alpha`` (on which segment, where on it, one per
  sample, uniform on [0, 1]) without needing the learner's random numbers, and
  replays the computation to recognise catalogued mistakes by their value;
* gradients with respect to the critic's parameters (or the scores), compared
  with the reference implementation at the same points.

A check leaves the global random number generators as it found them, and runs
in well under two seconds on a CPU.
"""

from __future__ import annotations

import contextlib
import html
import math
import os
import random
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import bugs as _bugs

__all__ = [
    "CheckResult",
    "check_gradient_penalty",
    "check_critic_loss",
    "check_generator_loss",
    "check_clip_weights",
    "check_wasserstein_1d",
    "check_per_sample_grad_norms",
]


@dataclass
class CheckResult:
    """The outcome of a self-check.

    ``passed`` says whether the function behaved correctly, ``bug`` is the id of
    the recognised mistake from :mod:`course_utils.bugs` (or None), and
    ``message`` says what is wrong and where to look.
    """

    name: str
    passed: bool
    bug: str | None
    message: str
    details: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"[PASS] {self.name}" if self.passed else f"[FAIL] {self.name}"
        if self.bug:
            head += f"  (bug: {self.bug})"
        lines = [head, self.message, *(f"  - {d}" for d in self.details)]
        return "\n".join(line for line in lines if line)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour, mark = ("#1a7f37", "&#10004;") if self.passed else ("#cf222e", "&#10008;")
        bug = f" <code>{html.escape(self.bug)}</code>" if self.bug else ""
        details = "".join(f"<li>{html.escape(d)}</li>" for d in self.details)
        return (
            f'<div style="border-left:4px solid {colour};padding:4px 10px;margin:4px 0">'
            f'<b style="color:{colour}">{mark} {html.escape(self.name)}</b>{bug}<br>'
            f'<span style="white-space:pre-wrap">{html.escape(self.message)}</span>'
            + (f"<ul>{details}</ul>" if details else "")
            + "</div>"
        )


# ---------------------------------------------------------------------------- plumbing


class _Finding(Exception):
    """Raised inside a check to stop at the first mistake found."""

    def __init__(self, bug_id: str, finding: str, details: Sequence[str] = ()):
        super().__init__(finding)
        self.bug_id = bug_id
        self.finding = finding
        self.details = list(details)


def _result_for(name: str, finding: _Finding) -> CheckResult:
    bug = _bugs.get_bug(finding.bug_id)
    message = f"{finding.finding}\nFix: {bug.fix}"
    return CheckResult(name, False, bug.id, message, [*finding.details, f"Why it matters: {bug.why}"])


@contextlib.contextmanager
def _isolated() -> Iterator[None]:
    """Run with gradients on and give back the global RNG states untouched afterwards."""
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        with torch.random.fork_rng(devices=[]), torch.inference_mode(False), torch.enable_grad():
            yield
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)


def _run(name: str, fn: Any, body: Callable[[Callable], str], passed_details: list[str]) -> CheckResult:
    """Run ``body(fn)`` and turn what happens into a :class:`CheckResult`."""
    if not callable(fn):
        got = "None" if fn is None else f"an object of type {type(fn).__name__}"
        return _result_for(
            name, _Finding("not-callable", f"The check needs your function {name} itself, but it got {got}.")
        )
    try:
        with _isolated():
            summary = body(fn)
    except _Finding as finding:
        return _result_for(name, finding)
    except Exception as exc:  # a bug in the check itself: never let it escape into the notebook
        return CheckResult(
            name,
            False,
            None,
            f"The self-check itself failed ({type(exc).__name__}: {exc}). This is a problem in course_utils, "
            "not necessarily in your code; please report it.",
            traceback.format_exception_only(type(exc), exc),
        )
    return CheckResult(name, True, None, summary, passed_details)


_HERE = os.path.dirname(os.path.abspath(__file__))
_TORCH_DIR = os.path.dirname(os.path.abspath(torch.__file__))


def _where(exc: BaseException) -> str:
    """The last line of the learner's code in the traceback of ``exc``."""
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in reversed(frames):
        path = os.path.abspath(frame.filename)
        if path.startswith(_TORCH_DIR) or path.startswith(_HERE) or "site-packages" in path:
            continue
        line = (frame.line or "").strip()
        return f"line {frame.lineno} of {frame.name}: {line}" if line else f"line {frame.lineno} of {frame.name}"
    return ""


_EXCEPTION_BUGS: dict[str, list[tuple[str, str]]] = {
    # exercise -> [(text in the error message, bug id)]
    "gradient_penalty": [
        ("One of the differentiated Tensors does not require grad", "missing-requires-grad"),
        ("implicitly created only for scalar outputs", "grad-outputs-missing"),
        ("must match the size of tensor", "alpha-wrong-shape"),
    ],
    "per_sample_grad_norms": [
        ("One of the differentiated Tensors does not require grad", "missing-requires-grad"),
        ("element 0 of tensors does not require grad", "missing-requires-grad"),
        ("implicitly created only for scalar outputs", "grad-outputs-missing"),
        ("Mismatch in shape: grad_output", "grad-outputs-wrong-shape"),
    ],
    "critic_loss": [("should be between 0 and 1", "gan-loss")],
    "generator_loss": [("should be between 0 and 1", "gan-loss")],
    "clip_weights_": [("leaf Variable that requires grad is being used in an in-place", "clip-needs-no-grad")],
}


def _call(exercise: str, fn: Callable, *args: Any) -> Any:
    """Call the learner's function; an exception becomes a :class:`_Finding`."""
    try:
        return fn(*args)
    except NotImplementedError as exc:
        raise _Finding("not-implemented", f"{exercise} still raises NotImplementedError: {exc}") from None
    except Exception as exc:
        text = f"{type(exc).__name__}: {exc}".strip()
        where = _where(exc)
        details = [f"Raised at {where}"] if where else []
        for needle, bug_id in _EXCEPTION_BUGS.get(exercise, []):
            if needle in str(exc):
                raise _Finding(bug_id, f"{exercise} raised {text}", details) from None
        raise _Finding("raised-exception", f"{exercise} raised an error on valid inputs: {text}", details) from None


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _close(a: float, b: float, rtol: float = 1e-4, atol: float = 1e-6) -> bool:
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= atol + rtol * abs(b)


def _as_number(exercise: str, result: Any) -> float:
    """The learner's scalar result as a float, or a :class:`_Finding` on None, non-numbers, non-scalars."""
    if result is None:
        raise _Finding("returned-none", f"{exercise} returned None: is the `return` statement missing?")
    if isinstance(result, torch.Tensor):
        if result.numel() != 1:
            raise _Finding(
                "wrong-shape",
                f"{exercise} should return a single number (a 0-dim tensor), but returned a tensor of shape "
                f"{tuple(result.shape)}. Did you forget to average over the batch?",
            )
        return float(result.detach().double().reshape(()))
    if isinstance(result, bool) or not isinstance(result, (int, float, np.number, np.ndarray)):
        raise _Finding("wrong-type", f"{exercise} returned a {type(result).__name__}; it should return a torch.Tensor.")
    array = np.asarray(result)
    if array.size != 1 or not np.issubdtype(array.dtype, np.number):
        raise _Finding("wrong-shape", f"{exercise} should return one number, but returned shape {array.shape}.")
    return float(array.reshape(()))


def _require_graph(result: Any, what: str) -> None:
    """A loss must stay a tensor: a plain number cannot be differentiated."""
    if not isinstance(result, torch.Tensor):
        raise _Finding(
            "result-detached",
            f"{what}: the value is right, but it was returned as a plain {type(result).__name__}, not a tensor "
            "(.item() or float()?), so nothing can be differentiated through it.",
        )


def _grads(output: torch.Tensor, inputs: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """Gradients of the learner's result (zeros where it does not depend on an input)."""
    try:
        grads = torch.autograd.grad(output, list(inputs), allow_unused=True)
    except RuntimeError as exc:  # e.g. the learner already called backward() and freed the graph
        raise _Finding(
            "wrong-gradient",
            f"The value is right, but differentiating your result failed: {str(exc).rstrip('.')}. Return the tensor without "
            "calling backward() on it inside the function.",
        ) from None
    return [torch.zeros_like(x) if g is None else g for x, g in zip(inputs, grads, strict=True)]


def _uniform_ks(samples: torch.Tensor) -> float:
    """Kolmogorov-Smirnov distance between ``samples`` and U(0, 1)."""
    x = torch.sort(samples.double().flatten()).values
    n = len(x)
    ranks = torch.arange(1, n + 1, dtype=torch.float64)
    return float(torch.maximum(ranks / n - x, x - (ranks - 1) / n).max())


# Critical KS distance: a correct implementation exceeds c / sqrt(n) with probability
# about 2 * exp(-2 c**2); c = 3 gives 3e-8, so a correct alpha practically never fails.
_KS_C = 3.0


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


class _ProbeCritic(nn.Module):
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


class _LinearProbe(_ProbeCritic):
    """``D(x) = w . x + b``: the gradient is ``w`` everywhere."""

    def __init__(self, w: torch.Tensor, b: float = 0.3):
        super().__init__()
        self.weight = nn.Parameter(w.reshape(1, -1).clone())
        self.bias = nn.Parameter(torch.tensor([b]))

    def score(self, flat: torch.Tensor) -> torch.Tensor:
        return F.linear(flat, self.weight, self.bias)


class _TanhProbe(_ProbeCritic):
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


def _pair(gen: torch.Generator, batch: int, shape: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """A real and a fake batch whose entries differ by at least 0.5 (so alpha can be recovered)."""
    real = torch.randn(batch, *shape, generator=gen) + 0.5
    gap = 0.5 + torch.rand(batch, *shape, generator=gen)
    sign = torch.where(torch.rand(batch, *shape, generator=gen) < 0.5, -1.0, 1.0)
    return real, real - gap * sign


# ---------------------------------------------------------------------------- gradient_penalty


def _penalty_candidates(g: torch.Tensor, channels: int | None) -> list[tuple[str | None, float]]:
    """Values of the correct penalty (id None) and of catalogued mistakes, from input gradients ``g`` (B, D)."""
    g = g.double()
    batch = len(g)
    n = g.norm(dim=1)
    correct = float(((n - 1) ** 2).mean())
    per_element = float(((g.abs() - 1) ** 2).mean())
    candidates: list[tuple[str | None, float]] = [(None, correct)]
    if channels is not None:  # images: a norm over dim=1 only (the channels) without flattening first
        per_channel = g.reshape(batch, channels, -1).norm(dim=1)
        candidates.append(("unflattened-norm", float(((per_channel - 1) ** 2).mean())))
    candidates += [
        ("per-element-norm", per_element),
        ("norm-over-whole-batch", float((g.norm() - 1) ** 2)),
        ("norm-over-batch-dim", float(((g.norm(dim=0) - 1) ** 2).mean())),
        ("mean-before-gradient", float(((n / batch - 1) ** 2).mean())),
        ("squared-norm", float(((n**2 - 1) ** 2).mean())),
        ("absolute-deviation", float((n - 1).abs().mean())),
        ("target-zero", float((n**2).mean())),
        ("one-sided-penalty", float((torch.relu(n - 1) ** 2).mean())),
        ("sum-instead-of-mean", float(((n - 1) ** 2).sum())),
        ("negated-penalty", -correct),
    ]
    return candidates


def _diagnose_penalty_value(
    value: float, candidates: list[tuple[str | None, float]], allow_multiple: bool = False
) -> str | None:
    """The id of the mistake that explains ``value`` ("wrong-value" if none), or None if it is right.

    With ``allow_multiple``, a whole multiple of the correct value is reported as
    ``lambda-inside-penalty`` (the caller confirms it on a second probe).
    """
    for bug_id, target in candidates:
        if _close(value, target):
            return bug_id
    correct = candidates[0][1]
    if allow_multiple and math.isfinite(value) and correct > 1e-3:
        ratio = value / correct
        if ratio >= 1.5 and abs(ratio - round(ratio)) <= 1e-3 * ratio:
            return "lambda-inside-penalty"
    return "wrong-value"


_PENALTY_EXPLAINED = {
    "per-element-norm": "it matches the mean of (|g_ij| - 1)^2 over single gradient entries",
    "unflattened-norm": "on images it matches a norm over dim=1 (the channel) only, one per pixel",
    "norm-over-whole-batch": "it matches (||all gradients together|| - 1)^2",
    "norm-over-batch-dim": "it matches norms taken over the batch dimension (one per feature)",
    "mean-before-gradient": "it matches gradients that are B times too small (the scores were averaged first)",
    "squared-norm": "it matches (||g||^2 - 1)^2, the squared norm without the root",
    "absolute-deviation": "it matches mean(| ||g|| - 1 |)",
    "target-zero": "it matches mean(||g||^2), a penalty towards 0",
    "one-sided-penalty": "it matches mean(relu(||g|| - 1)^2), which ignores norms below 1",
    "sum-instead-of-mean": "it matches the sum over the batch, not the mean",
    "negated-penalty": "it matches minus the penalty",
    "lambda-inside-penalty": "it is a whole multiple of the correct value (lambda already applied?)",
    "wrong-value": "it matches none of the catalogued mistakes",
}


def _penalty_finding(bug_id: str, value: float, correct: float, setting: str) -> _Finding:
    if bug_id == "lambda-inside-penalty":
        reason = f"it is {value / correct:.4g} times the correct value (lambda already applied?)"
    else:
        reason = _PENALTY_EXPLAINED[bug_id]
    return _Finding(
        bug_id,
        f"{setting}: the penalty should be {_fmt(correct)}, but your function returned {_fmt(value)}; {reason}.",
    )


def _diagnose_points(a: torch.Tensor, where: str) -> None:
    """Check recovered per-element alphas ``a`` (B, D) of one call; raise a finding on a mistake."""
    tol = 1e-4
    if torch.allclose(a, torch.ones_like(a), atol=tol):
        raise _Finding(
            "gradient-at-real", f"{where}: the critic was evaluated exactly at the real samples, not at interpolates."
        )
    if torch.allclose(a, torch.zeros_like(a), atol=tol):
        raise _Finding(
            "gradient-at-fake", f"{where}: the critic was evaluated exactly at the fake samples, not at interpolates."
        )
    spread = float((a.max(dim=1).values - a.min(dim=1).values).max())
    inside = bool(((a >= -tol) & (a <= 1 + tol)).all())
    if spread > tol:
        if inside and _uniform_ks(a) <= _KS_C / math.sqrt(a.numel()):
            raise _Finding(
                "alpha-per-element",
                f"{where}: within one sample, different coordinates mix real and fake in different proportions "
                f"(the recovered alphas of one sample differ by up to {spread:.3g}).",
            )
        raise _Finding(
            "interpolate-off-segment",
            f"{where}: the points the critic saw are not of the form alpha * real + (1 - alpha) * fake "
            "(no single alpha per sample reproduces them).",
        )
    if not inside:
        raise _Finding(
            "alpha-not-uniform",
            f"{where}: the recovered alphas range from {float(a.min()):.3g} to {float(a.max()):.3g}; they must lie in [0, 1].",
        )


def _check_differentiable(
    result: torch.Tensor | float, critic: _ProbeCritic, reference: torch.Tensor, where: str
) -> None:
    """The penalty must carry a graph to the critic's parameters, with the reference's gradient."""
    _require_graph(result, where)
    if not result.requires_grad:
        modes = critic.backward_grad_modes
        if modes and not any(modes):
            raise _Finding(
                "create-graph-missing",
                f"{where}: the value is right, but it does not depend on the critic's parameters: the input "
                "gradients were computed without create_graph=True, so they are constants.",
            )
        raise _Finding(
            "result-detached",
            f"{where}: the value is right, but the returned tensor is cut off from the graph (requires_grad is "
            "False), so the penalty cannot train the critic.",
        )
    params = list(critic.parameters())
    got = _grads(result.reshape(()), params)
    want = _grads(reference, params)
    for p_got, p_want in zip(got, want, strict=True):
        if not torch.allclose(p_got.double(), p_want.double(), rtol=1e-3, atol=1e-5):
            raise _Finding(
                "wrong-gradient",
                f"{where}: the value is right, but its gradient with respect to the critic's parameters differs "
                "from the reference (part of the computation is detached?).",
            )


def _reference_penalty(critic: _ProbeCritic, points: torch.Tensor) -> torch.Tensor:
    g = critic.input_gradients(points, create_graph=True)
    return ((g.norm(dim=1) - 1) ** 2).mean()


_PROBE_DIRECTION = torch.tensor([2.0, -1.0, 0.5, 1.5, -0.25])


def _linear_probe(fn: Callable, norm: float, real: torch.Tensor, fake: torch.Tensor) -> tuple[_LinearProbe, Any, float]:
    """Call ``fn`` with a linear critic whose weight has norm ``norm``: the penalty must be (norm - 1)^2."""
    critic = _LinearProbe(_PROBE_DIRECTION / _PROBE_DIRECTION.norm() * norm)
    result = _call("gradient_penalty", fn, critic, real.clone(), fake.clone())
    return critic, result, _as_number("gradient_penalty", result)


def _gp_body(fn: Callable) -> str:
    name = "gradient_penalty"
    gen = torch.Generator().manual_seed(1234)

    # 1. A linear critic with weight norm 3: every gradient is w, so the penalty is (3 - 1)^2 = 4.
    batch, dim = 7, 5
    real, fake = _pair(gen, batch, (dim,))
    critic, result, value = _linear_probe(fn, 3.0, real, fake)
    setting = f"With a linear critic D(x) = w.x + b whose weight has norm 3 (batch {batch}, {dim} features)"
    if not _close(value, 4.0):
        g = critic.weight.detach().expand(batch, -1)
        bug_id = _diagnose_penalty_value(value, _penalty_candidates(g, None), allow_multiple=True)
        if bug_id == "lambda-inside-penalty":  # confirm: the same multiple for a weight of norm 0.5
            value_half = _linear_probe(fn, 0.5, real, fake)[2]
            if not _close(value_half, value / 4.0 * 0.25):
                bug_id = "wrong-value"
        raise _penalty_finding(bug_id or "wrong-value", value, 4.0, setting)
    points = critic.points(batch)
    if points is not None:
        _diagnose_points((points - fake) / (real - fake), "Linear critic")
    _check_differentiable(result, critic, _reference_penalty(critic, real), "Linear critic")

    # 2. A tanh critic on 2-D-like points, several calls: where are the points, and is the value right there?
    batch, dim, calls = 200, 3, 4
    real, fake = _pair(gen, batch, (dim,))
    critic = _TanhProbe(dim, 16, gen, x_scale=1.3)
    critic.calibrate(torch.cat([real, fake, (real + fake) / 2]))
    alphas: list[torch.Tensor] = []
    for call in range(calls):
        critic.reset()
        result = _call(name, fn, critic, real.clone(), fake.clone())
        value = _as_number(name, result)
        where = f"Tanh critic, batch of {batch} points with {dim} features"
        points = critic.points(batch)
        if points is None:
            continue  # the points cannot be told apart (nested transforms): the other probes still apply
        a = (points - fake) / (real - fake)
        _diagnose_points(a, where)
        g = critic.input_gradients(points)
        candidates = _penalty_candidates(g, None)
        bug_id = _diagnose_penalty_value(value, candidates)
        if bug_id is not None:
            raise _penalty_finding(bug_id, value, candidates[0][1], f"{where} (evaluated at the points you chose)")
        if call == 0:
            _check_differentiable(result, critic, _reference_penalty(critic, points), where)
        alphas.append(a.mean(dim=1))
    if alphas:
        _diagnose_alpha_statistics(alphas)

    # 3. Images (B, 1, 28, 28), with a fake batch that still carries the generator's graph.
    batch, shape = 6, (1, 28, 28)
    real, fake_data = _pair(gen, batch, shape)
    generator_scale = torch.ones((), requires_grad=True)
    fake = fake_data * generator_scale
    critic = _TanhProbe(int(np.prod(shape)), 8, gen, x_scale=1.0)
    critic.calibrate(torch.cat([real, fake_data, (real + fake_data) / 2]).reshape(3 * batch, -1))
    result = _call(name, fn, critic, real.clone(), fake)
    value = _as_number(name, result)
    where = f"Tanh critic on images of shape {(batch, *shape)}"
    points = critic.points(batch)
    if points is not None:
        flat_real, flat_fake = real.reshape(batch, -1), fake_data.reshape(batch, -1)
        _diagnose_points((points - flat_fake) / (flat_real - flat_fake), where)
        candidates = _penalty_candidates(critic.input_gradients(points), channels=shape[0])
        bug_id = _diagnose_penalty_value(value, candidates)
        if bug_id is not None:
            raise _penalty_finding(bug_id, value, candidates[0][1], f"{where} (evaluated at the points you chose)")
        _check_differentiable(result, critic, _reference_penalty(critic, points), where)
    return (
        "Your gradient_penalty looks right: (||grad|| - 1)^2 averaged over the batch, at one uniform alpha per "
        "sample on the segment between real and fake, and differentiable in the critic's parameters."
    )


def _diagnose_alpha_statistics(alphas: list[torch.Tensor]) -> None:
    """One alpha per sample, and all of them together uniform on [0, 1]."""
    spreads = [float(a.max() - a.min()) for a in alphas]
    if len(alphas[0]) > 1 and max(spreads) < 1e-6:
        first = float(alphas[0][0])
        if all(abs(float(a[0]) - first) < 1e-6 for a in alphas):
            raise _Finding(
                "alpha-not-uniform",
                f"Every sample of every call used the same alpha ({first:.4g}): alpha must be random, "
                "uniform on [0, 1].",
            )
        raise _Finding(
            "one-alpha-for-batch",
            f"In each call all {len(alphas[0])} samples used the same alpha (calls gave "
            + ", ".join(f"{float(a[0]):.3g}" for a in alphas)
            + ").",
        )
    pooled = torch.cat(alphas)
    distance = _uniform_ks(pooled)
    limit = _KS_C / math.sqrt(len(pooled))
    if distance > limit:
        raise _Finding(
            "alpha-not-uniform",
            f"Over {len(pooled)} samples the recovered alphas are not uniform on [0, 1]: their distribution "
            f"differs from U(0, 1) by {distance:.3f} (Kolmogorov-Smirnov distance; allowed {limit:.3f}). "
            f"Their mean is {float(pooled.mean()):.3f} (uniform: 0.5), range "
            f"[{float(pooled.min()):.3f}, {float(pooled.max()):.3f}].",
        )


def check_gradient_penalty(fn: Callable) -> CheckResult:
    """Check ``gradient_penalty(critic, real, fake)`` against the contract; name the bug if there is one."""
    return _run(
        "gradient_penalty",
        fn,
        _gp_body,
        [
            "linear critic with weight norm 3 gives (3 - 1)^2 = 4",
            "points lie on the real-fake segments, one alpha per sample, uniform on [0, 1] over 4 calls",
            "value matches the reference at your own points (2-D points and (B, 1, 28, 28) images)",
            "gradients with respect to the critic's parameters match the reference",
            "works when the fake batch still carries the generator's graph",
        ],
    )


# ---------------------------------------------------------------------------- critic_loss, generator_loss


def _gan_losses(real: torch.Tensor | None, fake: torch.Tensor) -> list[tuple[float, str]]:
    """Values of common GAN (log / BCE) losses on these scores, treated as logits or as probabilities."""
    fake = fake.double()
    if real is None:  # generator losses
        forms = [
            (F.softplus(-fake).mean(), "BCE-with-logits against label 1 (-log sigmoid(fake))"),
            (-F.softplus(fake).mean(), "log(1 - sigmoid(fake))"),
            (-torch.log(fake).mean(), "-log(fake)"),
            (torch.log(1 - fake).mean(), "log(1 - fake)"),
        ]
    else:
        real = real.double()
        logits = F.softplus(-real).mean() + F.softplus(fake).mean()
        probs = -torch.log(real).mean() - torch.log(1 - fake).mean()
        forms = [
            (logits, "BCE-with-logits (real labelled 1, fake 0)"),
            (logits / 2, "BCE-with-logits (real labelled 1, fake 0), halved"),
            (-logits, "log sigmoid(real) + log(1 - sigmoid(fake))"),
            (probs, "-log(real) - log(1 - fake)"),
            (probs / 2, "-log(real) - log(1 - fake), halved"),
            (-probs, "log(real) + log(1 - fake)"),
        ]
    return [(float(v), text) for v, text in forms if math.isfinite(float(v))]


def _check_score_gradients(
    result: Any, inputs: Sequence[torch.Tensor], expected: Sequence[float], names: Sequence[str], what: str
) -> None:
    """The loss must be a tensor whose gradient w.r.t. each input is the constant in ``expected``."""
    _require_graph(result, what)
    if not result.requires_grad:
        raise _Finding(
            "result-detached",
            f"{what}: the value is right, but the result carries no graph back to the scores "
            "(.detach() or a NumPy round trip?), so backward() cannot train anything.",
        )
    got = _grads(result.reshape(()), inputs)
    for g, x, want, label in zip(got, inputs, expected, names, strict=True):
        if not torch.allclose(g.double(), torch.full_like(x, want, dtype=torch.float64), rtol=1e-4, atol=1e-6):
            raise _Finding(
                "wrong-gradient",
                f"{what}: the value is right, but its gradient with respect to {label} is "
                f"{[round(v, 4) for v in g.flatten()[:3].tolist()]}..., expected {want:.4g} for every entry "
                "(part of the computation is detached?).",
            )


def _critic_loss_body(fn: Callable) -> str:
    name = "critic_loss"
    probes = [
        # real scores, fake scores, penalty, lambda
        (
            torch.tensor([[1.5], [2.0], [0.7], [1.2], [0.9], [1.5]]),
            torch.tensor([[-0.4], [0.1], [-1.0], [-0.2], [0.3], [-1.2]]),
            0.35,
            10.0,
        ),
        (torch.tensor([0.4, -1.1, 2.3, 0.2, 0.8]), torch.tensor([-0.3, 0.6, -2.0, -0.5, 1.1]), 0.8, 2.5),
    ]
    for real0, fake0, p, lam in probes:
        real = real0.clone().requires_grad_(True)
        fake = fake0.clone().requires_grad_(True)
        penalty = torch.tensor(p, requires_grad=True)
        result = _call(name, fn, real, fake, penalty, lam)
        value = _as_number(name, result)
        a, b, batch = float(real0.mean()), float(fake0.mean()), len(real0)
        setting = f"With mean(real_scores) = {a:.4g}, mean(fake_scores) = {b:.4g}, penalty = {p:g}, lambda_gp = {lam:g}"
        correct = b - a + lam * p
        if not math.isfinite(value):
            raise _Finding("gan-loss", f"{setting}, critic_loss returned {value}: a log of a negative score?")
        candidates: list[tuple[str | None, float, str]] = [
            (None, correct, ""),
            ("penalty-sign", b - a - lam * p, "mean(fake) - mean(real) - lambda * penalty"),
            ("real-fake-swapped", a - b + lam * p, "mean(real) - mean(fake) + lambda * penalty"),
            ("loss-negated", a - b - lam * p, "mean(real) - mean(fake) - lambda * penalty"),
            ("lambda-missing", b - a + p, "mean(fake) - mean(real) + penalty"),
            ("lambda-wrong-term", lam * (b - a) + p, "lambda * (mean(fake) - mean(real)) + penalty"),
            ("lambda-wrong-term", lam * (b - a + p), "lambda * (mean(fake) - mean(real) + penalty)"),
            ("penalty-missing", b - a, "mean(fake) - mean(real)"),
            ("sum-instead-of-mean", batch * (b - a) + lam * p, "sum(fake) - sum(real) + lambda * penalty"),
        ]
        if lam != 10.0:
            candidates.append(("lambda-ignored", b - a + 10.0 * p, "mean(fake) - mean(real) + 10 * penalty"))
        for gan, text in _gan_losses(real0, fake0):
            for term, term_text in (
                (lam * p, "lambda * penalty"),
                (p, "penalty"),
                (0.0, ""),
                (-lam * p, "-lambda * penalty"),
            ):
                candidates.append(("gan-loss", gan + term, f"{text} {'+ ' + term_text if term_text else ''}".strip()))
        for bug_id, target, formula in candidates:
            if _close(value, target):
                if bug_id is None:
                    break
                raise _Finding(
                    bug_id, f"{setting}, the loss should be {_fmt(correct)}, but yours is {_fmt(value)} = {formula}."
                )
        else:
            raise _Finding("wrong-value", f"{setting}, the loss should be {_fmt(correct)}, but yours is {_fmt(value)}.")
        _check_score_gradients(
            result,
            [real, fake, penalty],
            [-1 / batch, 1 / batch, lam],
            ["real_scores", "fake_scores", "penalty"],
            setting,
        )
    return "Your critic_loss is mean(fake) - mean(real) + lambda_gp * penalty, and differentiable in all three."


def check_critic_loss(fn: Callable) -> CheckResult:
    """Check ``critic_loss(real_scores, fake_scores, penalty, lambda_gp)``; name the bug if there is one."""
    return _run(
        "critic_loss",
        fn,
        _critic_loss_body,
        [
            "value equals mean(fake) - mean(real) + lambda_gp * penalty (scores of shape (B, 1) and (B,))",
            "lambda_gp is taken from the argument (10 and 2.5 tried)",
            "gradients: -1/B per real score, +1/B per fake score, lambda_gp for the penalty",
        ],
    )


def _generator_loss_body(fn: Callable) -> str:
    name = "generator_loss"
    for scores0 in (torch.tensor([[0.5], [-1.5], [2.0], [0.3], [-0.1]]), torch.tensor([1.2, -0.7, 0.4, 2.5])):
        scores = scores0.clone().requires_grad_(True)
        result = _call(name, fn, scores)
        value = _as_number(name, result)
        m, batch = float(scores0.mean()), len(scores0)
        setting = f"With fake_scores of mean {m:.4g} (shape {tuple(scores0.shape)})"
        if not math.isfinite(value):
            raise _Finding("gan-loss", f"{setting}, generator_loss returned {value}: a log of a negative score?")
        if not _close(value, -m):
            found = [
                ("generator-loss-sign", m, "mean(fake_scores)"),
                ("sum-instead-of-mean", -batch * m, "-sum(fake_scores)"),
            ]
            found += [("gan-loss", v, text) for v, text in _gan_losses(None, scores0)]
            for bug_id, target, formula in found:
                if _close(value, target):
                    raise _Finding(
                        bug_id, f"{setting}, the loss should be {_fmt(-m)}, but yours is {_fmt(value)} = {formula}."
                    )
            raise _Finding("wrong-value", f"{setting}, the loss should be {_fmt(-m)}, but yours is {_fmt(value)}.")
        _check_score_gradients(result, [scores], [-1 / batch], ["fake_scores"], setting)
    return "Your generator_loss is -mean(fake_scores), and differentiable in the scores."


def check_generator_loss(fn: Callable) -> CheckResult:
    """Check ``generator_loss(fake_scores)``; name the bug if there is one."""
    return _run(
        "generator_loss",
        fn,
        _generator_loss_body,
        ["value equals -mean(fake_scores) for shapes (B, 1) and (B,)", "gradient is -1/B for every score"],
    )


# ---------------------------------------------------------------------------- clip_weights_


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and torch.allclose(a, b, rtol=0.0, atol=1e-7)


def _is_positive_multiple(a: torch.Tensor, b: torch.Tensor) -> bool:
    """True if ``a == k * b`` for some factor ``k > 0`` (least squares fit, relative tolerance)."""
    k = float((a * b).sum() / (b * b).sum())
    return k > 0 and torch.allclose(a, k * b, rtol=1e-4, atol=1e-7)


def _clip_probe(gen: torch.Generator, c: float) -> nn.Module:
    """A critic with nested layers whose every parameter has values inside, above and below [-c, c]."""
    critic = nn.Sequential(
        nn.Linear(3, 6), nn.LeakyReLU(0.2), nn.Sequential(nn.Linear(6, 6), nn.LeakyReLU(0.2)), nn.Linear(6, 1)
    )
    with torch.no_grad():
        for p in critic.parameters():
            flat = p.view(-1)
            values = (torch.rand(flat.numel(), generator=gen) * 2 - 1) * 3 * c
            values[0], values[-1] = 2.5 * c + 1.5, -(2.5 * c + 1.5)  # beyond c and beyond 1
            if flat.numel() > 2:
                values[1] = 0.5 * c  # inside the box
            flat.copy_(values)
            p.grad = torch.full_like(p, 5.0)
            p.grad.view(-1)[::2] = -5.0
    return critic


def _clip_body(fn: Callable) -> str:
    name = "clip_weights_"
    gen = torch.Generator().manual_seed(99)
    for c in (0.05, 0.3):
        critic = _clip_probe(gen, c)
        names = [n for n, _ in critic.named_parameters()]
        before = [p.detach().clone() for p in critic.parameters()]
        grads_before = [p.grad.clone() for p in critic.parameters()]
        objects = [id(p) for p in critic.parameters()]
        _call(name, fn, critic, c)
        params = list(critic.parameters())
        setting = f"With c = {c:g}"
        if [id(p) for p in params] != objects:
            raise _Finding(
                "clip-not-in-place",
                f"{setting}, the critic's parameters were replaced by new tensors; an optimiser created before "
                "the call would keep updating the old ones.",
            )
        after = [p.detach() for p in params]
        expected = [b.clamp(-c, c) for b in before]
        ok = [_same(a, e) for a, e in zip(after, expected, strict=True)]
        if all(ok):
            continue
        unchanged = [_same(a, b) for a, b in zip(after, before, strict=True)]
        if all(unchanged):
            grads_changed = any(
                not _same(p.grad, g) for p, g in zip(params, grads_before, strict=True) if p.grad is not None
            )
            if grads_changed:
                raise _Finding(
                    "clip-gradients",
                    f"{setting}, the parameters did not change but their .grad did: the gradients were clipped.",
                )
            raise _Finding(
                "clip-not-in-place",
                f"{setting}, no parameter of the critic changed (values up to {2.5 * c + 1.5:g} are still there): "
                "the clipped values never reached the model.",
            )
        if all(o or u for o, u in zip(ok, unchanged, strict=True)):
            missed = [n for n, o in zip(names, ok, strict=True) if not o]
            bug_id = "clip-only-weights" if all(n.endswith("bias") for n in missed) else "clip-misses-parameters"
            raise _Finding(bug_id, f"{setting}, these parameters were not clipped: {', '.join(missed)}.")
        bound = max(float(a.abs().max()) for a in after)
        boxes: list[tuple[str, float | None, float | None, str]] = [
            ("clip-to-zero-c", 0.0, c, "clamped to [0, c]"),
            ("clip-one-sided", None, c, "clamped from above only"),
            ("clip-one-sided", -c, None, "clamped from below only"),
            ("clip-wrong-bound", -bound, bound, f"clamped to [-{bound:.4g}, {bound:.4g}]"),
        ]
        for bug_id, low, high, what in boxes:
            if all(_same(a, b.clamp(min=low, max=high)) for a, b in zip(after, before, strict=True)):
                raise _Finding(bug_id, f"{setting}, the parameters were {what} instead of [-{c:g}, {c:g}].")
        if all(_is_positive_multiple(a, b) for a, b in zip(after, before, strict=True)):
            raise _Finding(
                "clip-scales",
                f"{setting}, every parameter was multiplied by a factor (values already inside [-{c:g}, {c:g}] "
                "changed too): they were scaled, not clipped.",
            )
        raise _Finding("wrong-value", f"{setting}, the parameters are not those of clamp(p, -{c:g}, {c:g}).")
    return "Your clip_weights_ clamps every parameter (weights and biases, nested layers included) to [-c, c] in place."


def check_clip_weights(fn: Callable) -> CheckResult:
    """Check ``clip_weights_(critic, c)``; name the bug if there is one."""
    return _run(
        "clip_weights_",
        fn,
        _clip_body,
        [
            "every parameter equals clamp(p, -c, c) afterwards, for c = 0.05 and c = 0.3",
            "the same parameter objects are modified in place (the optimiser still sees them)",
            "values already inside [-c, c] are left alone; nested layers and biases are clipped",
        ],
    )


# ---------------------------------------------------------------------------- wasserstein_1d


def _w1_body(fn: Callable) -> str:
    name = "wasserstein_1d"
    gen = torch.Generator().manual_seed(7)
    probes = [
        (torch.tensor([3.0, -1.0, 0.5, 2.0]), torch.tensor([0.0, 4.0, -2.0, 1.0])),
        # same mean, different spread: signed differences cancel
        (torch.tensor([0.0, 2.0, -2.0, 1.0, -1.0]), torch.tensor([0.5, -0.5, 0.2, -0.2, 0.0])),
        (torch.randn(200, generator=gen), torch.randn(200, generator=gen) * 2 + 0.7),
    ]
    for x, y in probes:
        result = _call(name, fn, x.clone(), y.clone())
        value = _as_number(name, result)
        xs, ys = torch.sort(x.double()).values, torch.sort(y.double()).values
        correct = float((xs - ys).abs().mean())
        setting = f"For samples of {len(x)} points"
        if _close(value, correct):
            continue
        candidates = [
            ("no-sort", (x.double() - y.double()).abs().mean(), "mean(|x - y|) in the given order"),
            ("sorted-only-one", (xs - y.double()).abs().mean(), "mean(|sort(x) - y|)"),
            ("sorted-only-one", (x.double() - ys).abs().mean(), "mean(|x - sort(y)|)"),
            ("mean-of-differences-without-abs", (xs - ys).mean(), "mean(sort(x) - sort(y))"),
            ("mean-of-differences-without-abs", (xs - ys).mean().abs(), "|mean(sort(x) - sort(y))|"),
            ("w2-instead-of-w1", ((xs - ys) ** 2).mean(), "mean((sort(x) - sort(y))^2)"),
            ("w2-instead-of-w1", ((xs - ys) ** 2).mean().sqrt(), "sqrt(mean((sort(x) - sort(y))^2))"),
            ("sum-instead-of-mean", (xs - ys).abs().sum(), "sum(|sort(x) - sort(y)|)"),
        ]
        for bug_id, target, formula in candidates:
            if _close(value, float(target)):
                raise _Finding(bug_id, f"{setting}, W1 is {_fmt(correct)}, but yours is {_fmt(value)} = {formula}.")
        raise _Finding("wrong-value", f"{setting}, W1 is {_fmt(correct)}, but yours is {_fmt(value)}.")
    return "Your wasserstein_1d matches the exact W1 (sorted samples, mean absolute difference)."


def check_wasserstein_1d(fn: Callable) -> CheckResult:
    """Check ``wasserstein_1d(x, y)`` (exact W1 of two equal-size 1-D samples)."""
    return _run(
        "wasserstein_1d",
        fn,
        _w1_body,
        ["exact W1 on two small hand-made samples (one pair with equal means) and on 200 random points"],
    )


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
        result = _call(name, fn, f, x)
        if result is None:
            raise _Finding("returned-none", f"{name} returned None: is the `return` statement missing?")
        if not isinstance(result, torch.Tensor):
            raise _Finding(
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
            raise _Finding(bug_id, f"For a {setting}, the result has shape {shape} ({why}); it should be ({batch},).")
        if torch.allclose(got, want, rtol=1e-4, atol=1e-6):
            continue
        candidates = [
            ("squared-norm", want**2, "the squared norms"),
            ("mean-before-gradient", want / batch, f"the norms divided by the batch size {batch}"),
        ]
        for bug_id, target, what in candidates:
            if torch.allclose(got, target, rtol=1e-4, atol=1e-6):
                raise _Finding(bug_id, f"For a {setting}, your values are {what}.")
        raise _Finding(
            "wrong-value",
            f"For a {setting}, the norms should be {[round(v, 4) for v in want.tolist()[:4]]}, "
            f"but yours are {[round(v, 4) for v in got.tolist()[:4]]}.",
        )
    return "Your per_sample_grad_norms gives one gradient norm per sample, for 2-D points and images."


def check_per_sample_grad_norms(fn: Callable) -> CheckResult:
    """Check ``per_sample_grad_norms(f, x)`` (per-sample L2 norms of the input gradient of ``f``)."""
    return _run(
        "per_sample_grad_norms",
        fn,
        _per_sample_body,
        [
            "a linear f with gradient norm 3 gives 3 for every sample (f returns shape (B, 1))",
            "a quadratic f on (B, 1, 28, 28) images (f returns shape (B,)) matches the per-sample norms",
        ],
    )
