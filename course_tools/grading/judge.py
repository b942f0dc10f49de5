"""The trusted verdict: compare what the learner's function returned with the reference.

Runs in the grader's own process, never in the sandbox. The reference observations are
computed here, on the same probes (same secret seed) the worker used. A probe passes
when every observation matches (shapes exactly, values to ``RTOL``/``ATOL``, an expected
exception by its type); the alpha probe of ``gradient_penalty`` instead recovers where
each interpolate lay and tests that alpha is one U(0, 1) draw per sample.

Used by ``course_tools.grading.pipeline``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["ATOL", "RTOL", "Verdict", "judge_exercise", "reference_observations"]

RTOL, ATOL = 1e-4, 1e-5
#: The alpha probe fails when the Kolmogorov-Smirnov p-value against U(0, 1) is below this.
ALPHA_P_VALUE = 1e-6


@dataclass
class Verdict:
    passed: bool
    failures: list[str]


def reference_observations(reference: Callable, contract: str, seed: int) -> dict:
    """What the course's reference returns on every probe of ``contract``."""
    import torch

    from . import probes

    out = {}
    for probe_id, _what, build in probes.PROBES[contract]:
        torch.manual_seed(seed % (2**31))
        out[probe_id] = probes.run_probe(reference, build, seed)
    return out


def _numbers(obs) -> list[float] | None:
    vals = obs.get("values") if isinstance(obs, dict) else None
    if not isinstance(vals, list) or not all(isinstance(v, (int, float)) for v in vals):
        return None
    return [float(v) for v in vals]


def _close(got: list[float], want: list[float]) -> bool:
    return len(got) == len(want) and all(
        math.isfinite(g) and abs(g - w) <= ATOL + RTOL * abs(w) for g, w in zip(got, want))


def _show(vals: list[float]) -> str:
    head = ", ".join(f"{v:.4g}" for v in vals[:3])
    return f"[{head}{', ...' if len(vals) > 3 else ''}]" if len(vals) != 1 else f"{vals[0]:.5g}"


def _compare_one(key: str, got, want) -> str:
    if not isinstance(got, dict):
        return f"{key}: nothing observed"
    kind, wkind = got.get("type"), want.get("type")
    if wkind == "grads":
        if kind == "not-differentiable":
            return "the result cannot be differentiated (detached, .item(), or not a one-number tensor)"
        if kind == "error":
            return f"differentiating the result failed ({str(got.get('message'))[:120]})"
        g, w = got.get("values"), want["values"]
        if not isinstance(g, list) or len(g) != len(w):
            return f"{key}: wrong gradients"
        for gi, wi in zip(g, w):
            if not isinstance(gi, list) or not all(isinstance(v, (int, float)) for v in gi):
                return f"{key}: wrong gradients"
            if len(gi) != len(wi) or (wi and not gi) or not _close([float(v) for v in gi], wi):
                return f"{key}: the gradient {_show([float(v) for v in gi]) if gi else 'is missing'}, expected {_show(wi)}"
        return ""
    if kind != wkind:
        return f"{key}: expected a {wkind}, got a {kind}"
    if wkind in ("tensor", "number"):
        if got.get("shape") != want.get("shape"):
            return f"{key}: expected shape {tuple(want['shape'])}, got {tuple(got.get('shape') or ())}"
    if wkind in ("tensor", "number", "flag"):
        g = _numbers(got)
        if g is None or not _close(g, want["values"]):
            if wkind == "flag":
                return {"same_objects": "parameters must be changed in place and stay trainable leaves",
                        "inputs_kept": "the inputs must not be changed", "input_kept": "the input must be left unchanged"
                        }.get(key, key)
            return f"{key}: got {_show(g or [])}, expected {_show(want['values'])}"
    return ""


def _alpha_rule(got: dict) -> str:
    from scipy import stats

    from .probes import ALPHA_SAMPLES, alphas_from

    grads = got.get("d_weights", {})
    if grads.get("type") != "grads":
        return _compare_one("d_weights", grads, {"type": "grads", "values": [[0.0]]})
    vals = grads.get("values")
    if not (isinstance(vals, list) and len(vals) == 2 and all(isinstance(v, list) and len(v) == ALPHA_SAMPLES
                                                               for v in vals)):
        return "the penalty does not depend on every sample's interpolate"
    alpha, gap = alphas_from(vals[0], vals[1])
    if not bool((gap.abs() <= 1e-5 + 1e-3 * alpha.abs()).all()):
        return "alpha differs between the coordinates of one sample: draw one alpha per sample, shape (B, 1, ...)"
    if not bool(((alpha > -1e-4) & (alpha < 1 + 1e-4)).all()):
        return "some interpolates lie off the real-fake segment (alpha outside [0, 1])"
    ends = float(((alpha < 1e-6) | (alpha > 1 - 1e-6)).double().mean())
    if ends > 0.01:
        return f"{ends:.0%} of the interpolates sit exactly on a real or a fake point: alpha must be U(0, 1)"
    p = float(stats.kstest(alpha.numpy(), "uniform").pvalue)
    if p < ALPHA_P_VALUE:
        return f"alpha is not uniform on [0, 1] (Kolmogorov-Smirnov p = {p:.1e} over {ALPHA_SAMPLES} samples)"
    value = _numbers(got.get("value", {}))
    u = 1 + alpha
    expected = float(((math.sqrt(2) * u - 1) ** 2).mean())
    if value is None or not _close(value, [expected]):
        return f"value {_show(value or [])} does not match the interpolates it used ({expected:.5g})"
    return ""


def judge_exercise(contract: str, observed: dict, expected: dict) -> Verdict:
    """Compare the worker's observations with the reference's, probe by probe."""
    from .probes import PROBES

    failures = []
    for probe_id, what, _build in PROBES[contract]:
        got, want = observed.get(probe_id), expected[probe_id]
        if not isinstance(got, dict):
            failures.append(f"{what}: no answer")
            continue
        raised = got.get("raised")
        if "raised" in want:
            ok = isinstance(raised, dict) and raised.get("name") == want["raised"]["name"]
            if not ok:
                failures.append(f"{what}: expected {want['raised']['name']}")
            continue
        if isinstance(raised, dict):
            failures.append(f"{what}: raised {str(raised.get('name'))[:40]}: {str(raised.get('message'))[:160]}")
            continue
        if contract == "gradient_penalty" and probe_id == "alpha":
            problem = _alpha_rule(got)
            if problem:
                failures.append(f"{what}: {problem}")
            continue
        for key, want_obs in want.items():
            problem = _compare_one(key, got.get(key), want_obs)
            if problem:
                failures.append(f"{what}: {problem}")
                break
    return Verdict(not failures, failures)
