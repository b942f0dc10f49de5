"""The trusted verdict without a sandbox: probes as strong as the self-checks, fair to every style.

Every catalogued buggy implementation (tests/buggy_implementations.py) of an exercise the
grader probes must fail; every correct style of tests/correct_implementations.py and the
course's reference must pass, for several seeds.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_tools.grading import judge, probes
from course_tools.grading.pipeline import contract_of, reference_functions
from tests import buggy_implementations as bi
from tests import correct_implementations as ci


# ---------------------------------------------------------------------------- more styles of the training steps
def clip_step_set_to_none_false(critic, optimizer, real, fake, c):
    """Gradients zeroed (not freed), fake detached inside the call, a functional clamp, a NumPy float."""
    optimizer.zero_grad(set_to_none=False)
    estimate = critic(real).mean() - critic(fake.detach()).mean()
    (-estimate).backward()
    optimizer.step()
    with torch.no_grad():
        for p in critic.parameters():
            torch.clamp_(p, -c, c)
    return np.float64(estimate.item())


def _clip_helper(critic, c):
    for p in critic.parameters():
        p.data.clamp_(min=-c, max=c)


def clip_step_helper_and_param_groups(critic, optimizer, real, fake, c):
    """Clears through param_groups, clips with a helper, returns the estimate computed under no_grad."""
    for group in optimizer.param_groups:
        for p in group["params"]:
            p.grad = None
    with torch.no_grad():
        estimate = float(critic(real).mean() - critic(fake).mean())
    loss = critic(fake.detach()).mean() - critic(real).mean()
    loss.backward()
    optimizer.step()
    _clip_helper(critic, c)
    return estimate


def gp_step_loop_penalty(critic, optimizer, real, fake, lambda_gp):
    """Notebook 06's solution: a penalty with one alpha per sample, fake detached outside."""
    fake = fake.detach()
    critic.zero_grad()
    alpha = torch.rand(real.shape[0], *([1] * (real.dim() - 1)))
    xhat = (alpha * real.detach() + (1 - alpha) * fake).requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(xhat).sum(), xhat, create_graph=True)
    penalty = ((grads.flatten(start_dim=1).norm(2, dim=1) - 1) ** 2).mean()
    real_scores, fake_scores = critic(real), critic(fake)
    loss = fake_scores.mean() - real_scores.mean() + lambda_gp * penalty
    loss.backward()
    optimizer.step()
    return (real_scores.mean() - fake_scores.mean()).item()


def gp_step_torch_func_penalty(critic, optimizer, real, fake, lambda_gp):
    """The penalty with torch.func per-sample gradients and an epsilon in the norm; zero_grad(False)."""
    from torch.func import functional_call, grad, vmap

    optimizer.zero_grad(set_to_none=False)
    real, fake = real.detach(), fake.detach()
    alpha = torch.rand(len(real), 1)
    xhat = alpha * real + (1 - alpha) * fake
    params = dict(critic.named_parameters())

    def score(x):
        return functional_call(critic, params, (x.unsqueeze(0),)).sum()

    g = vmap(grad(score))(xhat)
    penalty = ((torch.sqrt((g**2).sum(1) + 1e-12) - 1) ** 2).mean()
    estimate = critic(real).mean() - critic(fake).mean()
    (lambda_gp * penalty - estimate).backward()
    optimizer.step()
    return float(estimate)


def generator_step_module_freeze(generator, critic, optimizer, z):
    """The critic frozen around the step, each flag restored as found; generator.zero_grad(set_to_none=False)."""
    flags = [p.requires_grad for p in critic.parameters()]
    critic.requires_grad_(False)
    generator.zero_grad(set_to_none=False)
    loss = -critic(generator(z)).mean()
    loss.backward()
    optimizer.step()
    for p, flag in zip(critic.parameters(), flags, strict=True):
        p.requires_grad_(flag)
    return np.float32(loss.item())


def generator_step_no_grad_value(generator, critic, optimizer, z):
    """The loss logged from a separate no_grad pass before the step; zero_grad at the start and the end."""
    optimizer.zero_grad()
    with torch.no_grad():
        value = -critic(generator(z)).mean().item()
    (-critic(generator(z)).mean()).backward()
    optimizer.step()
    optimizer.zero_grad()
    critic.zero_grad()
    return value


CLIP_STEP = {**ci.CORRECT["clip_critic_step"], "set_to_none_false": clip_step_set_to_none_false,
             "helper_and_param_groups": clip_step_helper_and_param_groups}
GP_STEP = {**ci.CORRECT["gp_critic_step"], "loop_penalty": gp_step_loop_penalty,
           "torch_func_penalty": gp_step_torch_func_penalty}
GENERATOR_STEP = {**ci.CORRECT["generator_step"], "module_freeze": generator_step_module_freeze,
                  "no_grad_value": generator_step_no_grad_value}
CORRECT = {"gradient_penalty": ci.GRADIENT_PENALTY, "critic_loss": ci.CRITIC_LOSS,
           "generator_loss": ci.GENERATOR_LOSS, "clip_weights_": ci.CLIP_WEIGHTS,
           "wasserstein_1d": ci.WASSERSTEIN_1D, "per_sample_grad_norms": ci.PER_SAMPLE_GRAD_NORMS,
           "clip_critic_step": CLIP_STEP, "gp_critic_step": GP_STEP, "generator_step": GENERATOR_STEP}
STEPS = ("clip_critic_step", "gp_critic_step", "generator_step")
#: Catalogue ids that name no single mistake (the feedback says what differs, not which bug it is).
UNNAMED = {"not-callable", "not-implemented", "raised-exception", "returned-none", "wrong-type", "wrong-gradient",
           "wrong-value"}
SEEDS = (11, 2024)
_EXPECTED: dict = {}


def verdict(contract: str, fn, seed: int) -> judge.Verdict:
    key = (contract, seed)
    if key not in _EXPECTED:
        _EXPECTED[key] = judge.reference_observations(reference_functions()[contract], contract, seed)
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
#: Bugs the probes name in the feedback beyond the training steps (the create_graph and size probes).
NAMED = {"norms_ignore_create_graph", "norms_detached", "w1_truncates"}


@pytest.mark.parametrize("case", BAD, ids=[f"{b.exercise}:{b.bug}:{b.label}" for b in BAD])
def test_every_catalogued_bug_loses_the_points(case):
    v = verdict(case.exercise, case.fn, SEEDS[0])
    assert not v.passed, (case.bug, case.label)
    if (case.exercise in STEPS and case.bug not in UNNAMED) or case.label in NAMED:
        assert f"{case.bug}" in " ".join(v.failures), (case.bug, case.label, v.failures)


def test_every_exercise_graded_by_probes_has_them():
    """An exercise whose record says graded="by probes" (the default) has probes; 06's variants follow their contract."""
    from course_utils.exercises import EXERCISES

    refs = reference_functions()
    for name, ex in EXERCISES.items():
        if ex.graded == "by probes":
            assert contract_of(name, refs) == ex.contract, (
                f"{name}: add its probes to course_tools/grading/probes.py, or say graded='by hand' in its record")
    assert all(ex.graded == "by probes" for ex in EXERCISES.values()), "today every exercise of the course is probed"


def test_plain_sgd_steps_like_torch_sgd():
    """The probes' optimiser (no torch._dynamo import) makes the update torch.optim.SGD makes."""
    nets = [torch.nn.Linear(3, 2) for _ in range(2)]
    nets[1].load_state_dict(nets[0].state_dict())
    opts = [probes.PlainSGD(nets[0].parameters()), torch.optim.SGD(nets[1].parameters(), lr=probes.STEP_LR)]
    x = torch.randn(5, 3)
    for net, opt in zip(nets, opts, strict=True):
        for set_to_none in (True, False):
            opt.zero_grad(set_to_none=set_to_none)
            (net(x) ** 2).sum().backward()
            opt.step()
    for a, b in zip(nets[0].parameters(), nets[1].parameters(), strict=True):
        assert torch.allclose(a, b), (a, b)


def test_every_probed_contract_is_a_registry_exercise():
    refs = reference_functions()
    for contract in probes.PROBES:
        assert contract_of(contract, refs) == contract


def test_the_alpha_rule_does_not_accuse_honest_code_across_seeds():
    ref = reference_functions()["gradient_penalty"]
    for seed in range(40, 48):
        v = verdict("gradient_penalty", ref, seed)
        assert v.passed, (seed, v.failures)
