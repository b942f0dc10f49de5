"""Plumbing shared by every self-check: the result object, running a check safely,
calling the learner's function, and small numeric helpers.

A check never raises because the learner's code raised: :func:`call_learner` turns the
exception into a :class:`Finding`, and :func:`run_check` turns findings (and even a bug in the
check itself) into a :class:`CheckResult`.
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

from .. import bugs

__all__ = [
    "CheckResult", "Finding", "result_for", "isolated", "run_check", "where_raised", "EXCEPTION_BUGS",
    "call_learner", "fmt", "close", "as_number", "require_graph", "grads_of", "uniform_ks", "KS_C",
    "is_reference", "mark_reference", "REFERENCE_MARK",
]  # fmt: skip


@dataclass
class CheckResult:
    """The outcome of a self-check.

    ``passed`` says whether the function behaved correctly, ``bug`` is the id of
    the recognised mistake from :mod:`course_utils.bugs` (or None), and
    ``message`` says what is wrong and where to look. Used in every notebook with an exercise.
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


class Finding(Exception):
    """Raised inside a check to stop at the first mistake found."""

    def __init__(self, bug_id: str, finding: str, details: Sequence[str] = ()):
        super().__init__(finding)
        self.bug_id = bug_id
        self.finding = finding
        self.details = list(details)


def result_for(name: str, finding: Finding) -> CheckResult:
    """The failed :class:`CheckResult` of check ``name`` for ``finding``, with its catalog fix.

    Not called in a notebook.
    """
    bug = bugs.get_bug(finding.bug_id)
    message = f"{finding.finding}\nFix: {bug.fix}"
    return CheckResult(name, False, bug.id, message, [*finding.details, f"Why it matters: {bug.why}"])


@contextlib.contextmanager
def isolated() -> Iterator[None]:
    """Run with gradients on and give back the global RNG states untouched afterwards. Not called in a notebook."""
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        with torch.random.fork_rng(devices=[]), torch.inference_mode(False), torch.enable_grad():
            yield
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)


REFERENCE_MARK = "__course_reference__"


def mark_reference(fn: Callable, name: str) -> Callable:
    """Mark ``fn`` as the course's reference for exercise ``name`` (so no check praises it as the learner's).
    Not called in a notebook.
    """
    setattr(fn, REFERENCE_MARK, name)
    return fn


def is_reference(fn: Any) -> bool:
    """True if ``fn`` is one of the course's marked reference implementations. Not called in a notebook."""
    return isinstance(getattr(fn, REFERENCE_MARK, None), str)


def run_check(name: str, fn: Any, body: Callable[[Callable], str], passed_details: list[str]) -> CheckResult:
    """Run ``body(fn)`` and turn what happens into a :class:`CheckResult`. Not called in a notebook."""
    if not callable(fn):
        got = "None" if fn is None else f"an object of type {type(fn).__name__}"
        return result_for(
            name, Finding("not-callable", f"The check needs your function {name} itself, but it got {got}.")
        )
    if is_reference(fn):
        return result_for(
            name,
            Finding(
                "reference-in-use",
                f"This is the course's reference {name}, not yours: your own version is not in use any more "
                "(an earlier `use_learner_or_reference` cell replaced it). The check has nothing of yours to judge.",
            ),
        )
    try:
        with isolated():
            summary = body(fn)
    except Finding as finding:
        return result_for(name, finding)
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


HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the course_utils package
TORCH_DIR = os.path.dirname(os.path.abspath(torch.__file__))


def where_raised(exc: BaseException) -> str:
    """The last line of the learner's code in the traceback of ``exc``. Not called in a notebook."""
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in reversed(frames):
        path = os.path.abspath(frame.filename)
        if path.startswith(TORCH_DIR) or path.startswith(HERE) or "site-packages" in path:
            continue
        line = (frame.line or "").strip()
        return f"line {frame.lineno} of {frame.name}: {line}" if line else f"line {frame.lineno} of {frame.name}"
    return ""


EXCEPTION_BUGS: dict[str, list[tuple[str, str]]] = {
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
    # fake.requires_grad_(False) on a generator's output (not a leaf): detach it instead
    "clip_critic_step": [("only change requires_grad flags of leaf variables", "fake-not-detached")],
    "gp_critic_step": [("only change requires_grad flags of leaf variables", "fake-not-detached")],
}


def call_learner(exercise: str, fn: Callable, *args: Any) -> Any:
    """Call the learner's function; an exception becomes a :class:`Finding`. Not called in a notebook."""
    try:
        return fn(*args)
    except NotImplementedError as exc:
        raise Finding("not-implemented", f"{exercise} still raises NotImplementedError: {exc}") from None
    except Exception as exc:
        text = f"{type(exc).__name__}: {exc}".strip()
        where = where_raised(exc)
        details = [f"Raised at {where}"] if where else []
        for needle, bug_id in EXCEPTION_BUGS.get(exercise, []):
            if needle in str(exc):
                raise Finding(bug_id, f"{exercise} raised {text}", details) from None
        raise Finding("raised-exception", f"{exercise} raised an error on valid inputs: {text}", details) from None


def fmt(x: float) -> str:
    """``x`` with six significant digits, as checks print numbers. Not called in a notebook."""
    return f"{x:.6g}"


def close(a: float, b: float, rtol: float = 1e-4, atol: float = 1e-6) -> bool:
    """Whether ``a`` and ``b`` are finite and agree within ``atol + rtol * |b|``. Not called in a notebook."""
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= atol + rtol * abs(b)


def as_number(exercise: str, result: Any) -> float:
    """The learner's scalar result as a float, or a :class:`Finding` on None, non-numbers, non-scalars.
    Not called in a notebook.
    """
    if result is None:
        raise Finding("returned-none", f"{exercise} returned None: is the `return` statement missing?")
    if isinstance(result, torch.Tensor):
        if result.numel() != 1:
            raise Finding(
                "wrong-shape",
                f"{exercise} should return a single number (a 0-dim tensor), but returned a tensor of shape "
                f"{tuple(result.shape)}. Did you forget to average over the batch?",
            )
        return float(result.detach().double().reshape(()))
    if isinstance(result, bool) or not isinstance(result, (int, float, np.number, np.ndarray)):
        raise Finding("wrong-type", f"{exercise} returned a {type(result).__name__}; it should return a torch.Tensor.")
    array = np.asarray(result)
    if array.size != 1 or not np.issubdtype(array.dtype, np.number):
        raise Finding("wrong-shape", f"{exercise} should return one number, but returned shape {array.shape}.")
    return float(array.reshape(()))


def require_graph(result: Any, what: str) -> None:
    """A loss must stay a tensor: a plain number cannot be differentiated. Not called in a notebook."""
    if not isinstance(result, torch.Tensor):
        raise Finding(
            "result-detached",
            f"{what}: the value is right, but it was returned as a plain {type(result).__name__}, not a tensor "
            "(.item() or float()?), so nothing can be differentiated through it.",
        )


def grads_of(output: torch.Tensor, inputs: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """Gradients of the learner's result (zeros where it does not depend on an input). Not called in a notebook."""
    try:
        grads = torch.autograd.grad(output, list(inputs), allow_unused=True)
    except RuntimeError as exc:  # e.g. the learner already called backward() and freed the graph
        raise Finding(
            "wrong-gradient",
            f"The value is right, but differentiating your result failed: {str(exc).rstrip('.')}. Return the tensor without "
            "calling backward() on it inside the function.",
        ) from None
    return [torch.zeros_like(x) if g is None else g for x, g in zip(inputs, grads, strict=True)]


def uniform_ks(samples: torch.Tensor) -> float:
    """Kolmogorov-Smirnov distance between ``samples`` and U(0, 1). Not called in a notebook."""
    x = torch.sort(samples.double().flatten()).values
    n = len(x)
    ranks = torch.arange(1, n + 1, dtype=torch.float64)
    return float(torch.maximum(ranks / n - x, x - (ranks - 1) / n).max())


# Critical KS distance: a correct implementation exceeds c / sqrt(n) with probability
# about 2 * exp(-2 c**2); c = 3 gives 3e-8, so a correct alpha practically never fails.
KS_C = 3.0
