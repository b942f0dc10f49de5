"""Tests for the self-checks (course_utils.checks) and the bug catalog (course_utils.bugs).

* every (bug, exercise) pair of the catalog has a buggy implementation that its
  check flags with exactly that id, with a message that says how to fix it;
* correct implementations in many styles, and the reference ones, pass;
* checks never raise, whatever the learner's function does, and do not touch
  the global random number generators.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import correct_implementations as correct
import numpy as np
import pytest
import torch
from buggy_implementations import BUGGY

from course_utils import bugs, checks, exercises, losses

torch.set_num_threads(1)

CHECKS: dict[str, Callable[[Callable], checks.CheckResult]] = {
    "gradient_penalty": checks.check_gradient_penalty,
    "critic_loss": checks.check_critic_loss,
    "generator_loss": checks.check_generator_loss,
    "clip_weights_": checks.check_clip_weights,
    "wasserstein_1d": checks.check_wasserstein_1d,
    "per_sample_grad_norms": checks.check_per_sample_grad_norms,
}

CORRECT: dict[str, dict[str, Callable]] = {
    "gradient_penalty": correct.GRADIENT_PENALTY,
    "critic_loss": correct.CRITIC_LOSS,
    "generator_loss": correct.GENERATOR_LOSS,
    "clip_weights_": correct.CLIP_WEIGHTS,
    "wasserstein_1d": correct.WASSERSTEIN_1D,
    "per_sample_grad_norms": correct.PER_SAMPLE_GRAD_NORMS,
}

# The package's reference implementations, copied before any test registers more.
REFERENCES: dict[str, Callable] = dict(exercises.REFERENCES)


# ---------------------------------------------------------------------------- the catalog


def test_catalog_ids_are_kebab_case_and_entries_complete():
    assert len(bugs.BUGS) >= 40
    for bug_id, bug in bugs.BUGS.items():
        assert bug.id == bug_id
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", bug_id), bug_id
        for text in (bug.title, bug.symptom, bug.why, bug.fix, bug.seen_in):
            assert isinstance(text, str) and text.strip(), bug_id
        assert bug.exercises and set(bug.exercises) <= set(bugs.EXERCISES), bug_id


def test_catalog_has_the_bugs_the_course_teaches():
    required = {
        "gradient_penalty": [
            "missing-requires-grad", "per-element-norm", "norm-over-whole-batch", "norm-over-batch-dim",
            "create-graph-missing", "result-detached", "alpha-per-element", "one-alpha-for-batch",
            "alpha-not-uniform", "gradient-at-real", "gradient-at-fake", "mean-before-gradient", "squared-norm",
            "absolute-deviation", "target-zero", "one-sided-penalty", "sum-instead-of-mean",
            "lambda-inside-penalty", "negated-penalty",
        ],
        "critic_loss": [
            "penalty-sign", "real-fake-swapped", "lambda-missing", "lambda-wrong-term", "sum-instead-of-mean",
            "gan-loss",
        ],
        "generator_loss": ["generator-loss-sign", "gan-loss"],
        "clip_weights_": [
            "clip-not-in-place", "clip-only-weights", "clip-to-zero-c", "clip-wrong-bound", "clip-scales",
            "clip-gradients",
        ],
        "wasserstein_1d": ["no-sort", "mean-of-differences-without-abs", "sorted-only-one"],
        "per_sample_grad_norms": ["per-element-norm", "missing-requires-grad"],
    }  # fmt: skip
    for exercise, ids in required.items():
        for bug_id in ids:
            assert exercise in bugs.get_bug(bug_id).exercises, (exercise, bug_id)


def test_catalog_points_at_the_source_documents():
    assert "view(-1, 1)" in bugs.get_bug("per-element-norm").seen_in
    assert "article" in bugs.get_bug("missing-requires-grad").seen_in
    assert "RuntimeError" in bugs.get_bug("missing-requires-grad").symptom


def test_get_bug_and_catalog_views():
    assert bugs.get_bug("no-sort").id == "no-sort"
    with pytest.raises(KeyError, match="known ids"):
        bugs.get_bug("no-such-bug")
    gp = bugs.catalog("gradient_penalty")
    assert "per-element-norm" in gp and "no-sort" not in gp
    assert len(bugs.catalog()) == len(bugs.BUGS)
    with pytest.raises(KeyError):
        bugs.catalog("not_an_exercise")


def test_catalog_renders_as_tables():
    markdown = bugs.catalog_markdown()
    assert markdown.splitlines()[0].startswith("| id | title")
    assert len(markdown.splitlines()) == len(bugs.BUGS) + 2
    html = bugs.BUGS._repr_html_()
    assert html.startswith("<table>") and all(f"<code>{b}</code>" in html for b in bugs.BUGS)
    assert "clip-gradients" in bugs.catalog_markdown("clip_weights_")
    assert "clip-gradients" not in bugs.catalog_html("wasserstein_1d")
    assert "<table>" in bugs.get_bug("gan-loss")._repr_html_()


# ---------------------------------------------------------------------------- buggy implementations


def test_every_catalogued_bug_has_a_buggy_implementation():
    covered = {(b.bug, b.exercise) for b in BUGGY}
    missing = [(bug.id, ex) for bug in bugs.BUGS.values() for ex in bug.exercises if (bug.id, ex) not in covered]
    assert not missing, f"no buggy implementation for {missing}"
    unknown = [
        (b.bug, b.exercise) for b in BUGGY if b.bug not in bugs.BUGS or b.exercise not in bugs.get_bug(b.bug).exercises
    ]
    assert not unknown, f"buggy implementations with ids outside the catalog: {unknown}"


@pytest.mark.parametrize("case", BUGGY, ids=[f"{b.exercise}:{b.bug}:{b.label}" for b in BUGGY])
def test_buggy_implementation_is_flagged_with_its_id(case):
    result = CHECKS[case.exercise](case.fn)
    assert isinstance(result, checks.CheckResult)
    assert not result.passed
    assert result.bug == case.bug, f"expected {case.bug}, got {result.bug}: {result.message}"
    fix = bugs.get_bug(case.bug).fix
    assert result.message.strip() and f"Fix: {fix}" in result.message
    assert result.name == case.exercise
    assert f"<code>{case.bug}</code>" in result._repr_html_()
    assert case.bug in str(result)


# ---------------------------------------------------------------------------- correct implementations

CORRECT_CASES = [(ex, name, fn) for ex, styles in CORRECT.items() for name, fn in styles.items()]


def test_there_are_many_correct_styles_of_the_penalty():
    assert len(correct.GRADIENT_PENALTY) >= 8


@pytest.mark.parametrize("exercise,name,fn", CORRECT_CASES, ids=[f"{e}:{n}" for e, n, _ in CORRECT_CASES])
def test_correct_implementation_passes(exercise, name, fn):
    result = CHECKS[exercise](fn)
    assert result.passed, str(result)
    assert result.bug is None and result.message.strip()


@pytest.mark.parametrize("exercise", list(CHECKS))
def test_reference_passes_and_is_fast(exercise):
    CHECKS[exercise](REFERENCES[exercise])  # warm up lazy imports inside torch
    start = time.perf_counter()
    result = CHECKS[exercise](REFERENCES[exercise])
    elapsed = time.perf_counter() - start
    assert result.passed, str(result)
    assert elapsed < 10.0, f"{exercise} check took {elapsed:.1f} s (budget 2 s on an idle CPU)"


@pytest.mark.parametrize("seed", range(8))
def test_penalty_check_does_not_depend_on_the_learners_random_numbers(seed):
    torch.manual_seed(seed)
    np.random.seed(seed)
    for fn in (losses.gradient_penalty, correct.gp_numpy_alpha, correct.gp_lerp):
        result = checks.check_gradient_penalty(fn)
        assert result.passed, str(result)


def test_checks_leave_the_global_random_state_alone():
    torch.manual_seed(0)
    np.random.seed(0)
    expected_torch, expected_numpy = torch.rand(3), np.random.rand(3)
    torch.manual_seed(0)
    np.random.seed(0)
    for exercise, check in CHECKS.items():
        check(REFERENCES[exercise])
    check(correct.gp_numpy_alpha)
    assert torch.equal(torch.rand(3), expected_torch)
    assert np.array_equal(np.random.rand(3), expected_numpy)


def test_checks_run_inside_no_grad_and_inference_mode():
    with torch.no_grad():
        assert checks.check_gradient_penalty(losses.gradient_penalty).passed
    with torch.inference_mode():
        assert checks.check_critic_loss(losses.critic_loss).passed


# ---------------------------------------------------------------------------- robustness


def _raises_runtime_error(*args):
    raise RuntimeError("boom")


WEIRD = {
    "not callable (None)": None,
    "not callable (str)": "gradient_penalty",
    "raises": _raises_runtime_error,
    "returns None": lambda *args: None,
    "returns a list": lambda *args: [1.0, 2.0],
    "returns a 2-D tensor": lambda *args: torch.ones(2, 3),
    "returns a numpy vector": lambda *args: np.ones(4),
    "returns nan": lambda *args: torch.tensor(float("nan")),
    "returns inf": lambda *args: float("inf"),
    "returns an object": lambda *args: object(),
    "takes no arguments": lambda: 0.0,
}


@pytest.mark.parametrize("exercise", list(CHECKS))
@pytest.mark.parametrize("label", list(WEIRD))
def test_checks_never_raise(exercise, label):
    result = CHECKS[exercise](WEIRD[label])
    assert isinstance(result, checks.CheckResult)
    assert not result.passed  # (clip_weights_ ignores return values: these leave the critic unclipped)
    assert result.bug in bugs.BUGS
    assert result.message.strip() and "Fix:" in result.message


def test_exception_is_reported_with_the_learners_line():
    result = checks.check_gradient_penalty(_raises_runtime_error)
    assert result.bug == "raised-exception"
    assert "RuntimeError: boom" in result.message
    assert any("raise RuntimeError" in d for d in result.details)


def test_missing_requires_grad_maps_the_real_error_message():
    result = checks.check_gradient_penalty(next(b.fn for b in BUGGY if b.label == "gp_missing_requires_grad"))
    assert result.bug == "missing-requires-grad"
    assert "One of the differentiated Tensors does not require grad" in result.message


def test_exercises_module_finds_every_check():
    assert set(REFERENCES) == set(CHECKS), "every check needs a reference implementation and vice versa"
    for name in REFERENCES:
        assert exercises._check_for(name) is CHECKS[name]


def test_use_learner_or_reference_falls_back_on_a_buggy_function(capsys):
    buggy = next(b.fn for b in BUGGY if b.bug == "per-element-norm" and b.exercise == "gradient_penalty")
    assert exercises.use_learner_or_reference(buggy, "gradient_penalty") is losses.gradient_penalty
    assert "per-element-norm" in capsys.readouterr().out
    assert exercises.use_learner_or_reference(correct.gp_lerp, "gradient_penalty") is correct.gp_lerp
