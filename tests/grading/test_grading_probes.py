"""The trusted verdict without a sandbox: probes as strong as the self-checks, fair to every style.

Every catalogued buggy implementation (tests/buggy_implementations.py) of an exercise the
grader probes must fail; every correct style of tests/correct_implementations.py and the
course's reference must pass, for several seeds.
"""

from __future__ import annotations

import pytest
import torch

from course_tools.grading import judge, probes
from course_tools.grading.pipeline import _references, contract_of
from tests import buggy_implementations as bi
from tests import correct_implementations as ci

CORRECT = {"gradient_penalty": ci.GRADIENT_PENALTY, "critic_loss": ci.CRITIC_LOSS,
           "generator_loss": ci.GENERATOR_LOSS, "clip_weights_": ci.CLIP_WEIGHTS,
           "wasserstein_1d": ci.WASSERSTEIN_1D, "per_sample_grad_norms": ci.PER_SAMPLE_GRAD_NORMS}
SEEDS = (11, 2024)
_EXPECTED: dict = {}


def verdict(contract: str, fn, seed: int) -> judge.Verdict:
    key = (contract, seed)
    if key not in _EXPECTED:
        _EXPECTED[key] = judge.reference_observations(_references()[contract], contract, seed)
    observed = {}
    for probe_id, _what, build in probes.PROBES[contract]:
        torch.manual_seed(seed)
        observed[probe_id] = probes.run_probe(fn, build, seed)
    return judge.judge_exercise(contract, observed, _EXPECTED[key])


GOOD = [(ex, name, fn) for ex, styles in CORRECT.items() for name, fn in styles.items()]


@pytest.mark.parametrize("contract,name,fn", GOOD, ids=[f"{e}:{n}" for e, n, _ in GOOD])
def test_every_correct_style_earns_full_marks(contract, name, fn):
    for seed in SEEDS:
        v = verdict(contract, fn, seed)
        assert v.passed, (name, seed, v.failures)


# "reference-in-use" is the reference itself: in the sandbox course_utils cannot be imported, so a
# submission cannot use it (tests/grading/test_grading_batch.py checks that); not a behaviour to probe.
BAD = [b for b in bi.BUGGY if b.exercise in probes.PROBES and b.bug != "reference-in-use"]
#: Catalogue entries added by the registry that the probes do not cover yet (see the report).
NOT_YET = {"norms_ignore_create_graph", "norms_detached", "w1_truncates"}


@pytest.mark.parametrize("case", BAD, ids=[f"{b.exercise}:{b.bug}:{b.label}" for b in BAD])
def test_every_catalogued_bug_loses_the_points(case):
    if case.label in NOT_YET:
        pytest.xfail("probe not written yet (create_graph for per_sample_grad_norms, unequal sizes for W1)")
    v = verdict(case.exercise, case.fn, SEEDS[0])
    assert not v.passed, (case.bug, case.label)


def test_every_probed_contract_is_a_registry_exercise():
    refs = _references()
    for contract in probes.PROBES:
        assert contract_of(contract, refs) == contract


def test_the_alpha_rule_does_not_accuse_honest_code_across_seeds():
    ref = _references()["gradient_penalty"]
    for seed in range(40, 48):
        v = verdict("gradient_penalty", ref, seed)
        assert v.passed, (seed, v.failures)
