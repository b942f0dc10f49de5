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
    """Equal to float32 round-off: each entry within ATOL + RTOL * (|entry| + largest |entry|)."""
    scale = max((abs(w) for w in want), default=0.0)
    return len(got) == len(want) and all(
        math.isfinite(g) and abs(g - w) <= ATOL + RTOL * (abs(w) + scale) for g, w in zip(got, want, strict=False))


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
        for gi, wi in zip(g, w, strict=False):
            if not isinstance(gi, list) or not all(isinstance(v, (int, float)) for v in gi):
                return f"{key}: wrong gradients"
            if len(gi) != len(wi) or (wi and not gi) or not _close([float(v) for v in gi], wi):
                return f"{key}: the gradient {_show([float(v) for v in gi]) if gi else 'is missing'}, expected {_show(wi)}"
        return ""
    if {kind, wkind} == {"number", "tensor"} and want.get("shape") == [] and got.get("shape") in ([], [1]):
        kind, got = wkind, {**got, "shape": []}  # a number where a scalar tensor is expected, or the reverse
    if kind != wkind:
        return f"{key}: expected a {wkind}, got a {kind}"
    if wkind in ("tensor", "number", "float"):
        if got.get("shape") != want.get("shape"):
            return f"{key}: expected shape {tuple(want['shape'])}, got {tuple(got.get('shape') or ())}"
    if wkind in ("tensor", "number", "float", "flag"):
        g = _numbers(got)
        if g is None or not _close(g, want["values"]):
            if wkind == "flag":
                return {"same_objects": "parameters must be changed in place and stay trainable leaves",
                        "inputs_kept": "the inputs must not be changed", "input_kept": "the input must be left unchanged",
                        "returns_tensor": "return a scalar tensor, not a Python number",
                        "weights_grad_untouched": "[backward-for-input-gradient] the critic's weights got a .grad: take "
                        "the input gradient with torch.autograd.grad(..., create_graph=True), not .backward()"
                        }.get(key, key)
            return f"{key}: got {_show(g or [])}, expected {_show(want['values'])}"
    return ""


def _explain(problem: str, got, want: dict) -> str:
    """Name the mistake where the reference's observation says how (its ``hint`` and ``alternatives``:
    the values each catalogued bug gives); otherwise the bare problem."""
    hint = want.get("hint")
    if not isinstance(hint, str):
        return problem
    if want.get("type") == "flag":
        return hint
    kind = got.get("type") if isinstance(got, dict) else None
    if want.get("type") == "float" and kind == "tensor":
        return ("[returns-tensor-not-float] a tensor was returned: return a Python float (`float(x)` or "
                "`x.item()`); a step's tensor keeps the step's graph alive")
    values = _numbers(got) if isinstance(got, dict) and kind == want.get("type") else None
    if values is not None and got.get("shape") == want.get("shape"):
        for bug, why, alt in want.get("alternatives") or []:
            if _close(values, alt):
                return f"[{bug}] {why}"
    return f"{hint} ({problem})"


def _alpha_rule(got: dict) -> str:
    from scipy import stats

    from .probes import ALPHA_SAMPLES, BATCH, BATCH_CALLS, alphas_from

    vals = _numbers(got.get("values", {}))
    if vals is None or len(vals) != ALPHA_SAMPLES + BATCH_CALLS:
        seen = got.get("value", {}).get("type") if isinstance(got.get("value"), dict) else None
        return f"expected one-number tensors, got a {seen}" if seen else "no penalties returned"
    if not all(math.isfinite(v) for v in vals):
        return "some penalties are not finite"
    alpha = alphas_from(vals[:ALPHA_SAMPLES])
    if not bool(((alpha > -1e-4) & (alpha < 1 + 1e-4)).all()):
        return "some interpolates lie off the real-fake segment (alpha outside [0, 1]), or the penalty's formula is off"
    ends = float(((alpha < 1e-6) | (alpha > 1 - 1e-6)).double().mean())
    if ends > 0.01:
        return f"{ends:.0%} of the interpolates sit exactly on a real or a fake point: alpha must be U(0, 1)"
    p = float(stats.kstest(alpha.numpy(), "uniform").pvalue)
    if p < ALPHA_P_VALUE:
        return f"alpha is not uniform on [0, 1] (Kolmogorov-Smirnov p = {p:.1e} over {ALPHA_SAMPLES} draws)"
    single = torch_var(vals[:ALPHA_SAMPLES])
    batched = torch_var(vals[ALPHA_SAMPLES:])
    ratio = BATCH * batched / single if single > 0 else float("inf")
    if not 0.5 < ratio < 2.0:
        return (f"the samples of a batch do not get their own alpha (batch means spread {ratio:.1f} times "
                f"what {BATCH} independent draws give): draw one alpha per sample")
    return ""


def torch_var(values: list[float]) -> float:
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / (len(values) - 1)


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
            message = str(raised.get("message"))[:160]
            hint = ""
            if contract == "generator_step" and "does not require grad" in message:
                hint = (" [generator-detached-fake] nothing in the loss requires grad: the fake batch was detached "
                        "(and the critic frozen), so no gradient can reach the generator")
            if contract in ("clip_critic_step", "gp_critic_step") and "flags of leaf variables" in message:
                hint = (" [fake-not-detached] requires_grad_(False) works on leaves only; a generator's output "
                        "must be detached: fake.detach()")
            failures.append(f"{what}: raised {str(raised.get('name'))[:40]}: {message}{hint}")
            continue
        if probe_id == "alpha":
            problem = _alpha_rule(got)
            if problem:
                failures.append(f"{what}: {problem}")
            continue
        for key, want_obs in want.items():
            problem = _compare_one(key, got.get(key), want_obs)
            if problem:
                failures.append(f"{what}: {_explain(problem, got.get(key), want_obs)}")
                break
    return Verdict(not failures, failures)
