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

import numpy as np
import pytest
import torch

from course_utils import bugs, checks, exercises, losses
from tests import correct_implementations as correct
from tests.buggy_implementations import BUGGY

torch.set_num_threads(1)

#: Every exercise with a contract of its own (not a "fixed" variant), from the registry.
CHECKS: dict[str, Callable[[Callable], checks.CheckResult]] = {
    name: ex.check for name, ex in exercises.EXERCISES.items() if ex.follows is None
}

CORRECT: dict[str, dict[str, Callable]] = correct.CORRECT

# The package's reference implementations, as plain functions (the marked references themselves are
# reported as "reference-in-use").
REFERENCES: dict[str, Callable] = {name: correct.CORRECT[name]["reference"] for name in CHECKS}

#: Seconds of CPU time (one thread) a check may take: the contract's "under 2 s".
BUDGET_S = 2.0


# ---------------------------------------------------------------------------- the catalog


def test_catalog_ids_are_kebab_case_and_entries_complete():
    assert len(bugs.BUGS) >= 40
    for bug_id, bug in bugs.BUGS.items():
        assert bug.id == bug_id
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", bug_id), bug_id
        for text in (bug.title, bug.symptom, bug.why, bug.fix, bug.seen_in):
            assert isinstance(text, str) and text.strip(), bug_id
        assert bug.exercises and set(bug.exercises) <= set(CHECKS), bug_id


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
    missing = [
        (bug.id, ex)
        for bug in bugs.BUGS.values()
        if not bug.not_checked
        for ex in bug.exercises
        if (bug.id, ex) not in covered
    ]
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
    start = time.process_time()  # CPU time: other processes on a shared machine do not count
    result = CHECKS[exercise](REFERENCES[exercise])
    elapsed = time.process_time() - start
    assert result.passed, str(result)
    assert elapsed < BUDGET_S, f"{exercise} check took {elapsed:.2f} s of CPU time (budget {BUDGET_S} s)"


@pytest.mark.parametrize("seed", range(8))
def test_penalty_check_does_not_depend_on_the_learners_random_numbers(seed):
    torch.manual_seed(seed)
    np.random.seed(seed)
    for fn in (REFERENCES["gradient_penalty"], correct.gp_numpy_alpha, correct.gp_lerp):
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
        assert checks.check_gradient_penalty(REFERENCES["gradient_penalty"]).passed
    with torch.inference_mode():
        assert checks.check_critic_loss(REFERENCES["critic_loss"]).passed


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


def test_registry_has_one_record_per_exercise():
    public_checks = {getattr(checks, n) for n in checks.__all__ if n.startswith("check_")}
    modules = exercises.exercise_modules()
    assert [m.EXERCISE.name for m in modules] == [m.__name__.rsplit(".", 1)[1] for m in modules], "one module per exercise"
    assert sorted(exercises.EXERCISES) == sorted(m.EXERCISE.name for m in modules)
    for name, ex in exercises.EXERCISES.items():
        assert ex.name == name and re.fullmatch(r"\d\d", ex.notebook), name
        assert getattr(checks, ex.check.__name__) is ex.check, f"checks.{ex.check.__name__} does not find {name}'s check"
        assert callable(ex.reference), name
        assert ex.spec.startswith(f"`{name}"), name
        assert ex.bugs == tuple(b.id for b in bugs.catalog(name).values() if not b.not_checked), name
        assert set(ex.bugs) <= set(bugs.BUGS), name
    assert public_checks <= {ex.check for ex in exercises.EXERCISES.values()}, "every check has a record"
    assert public_checks == {ex.check for ex in exercises.EXERCISES.values() if ex.follows is None}, "__all__ lists them all"
    star: dict = {}
    exec("from course_utils.checks import *", star)
    assert "check_frechet_distance" in star and "check_gradient_penalty" in star and "CheckResult" in star
    with pytest.raises(KeyError, match="known"):
        exercises.get("no_such_exercise")
    with pytest.raises(AttributeError, match="check_nothing"):
        checks.check_nothing  # noqa: B018
    assert {"one_sided_penalty", "r1_penalty"} <= set(exercises.names("09"))
    assert all(exercises.get(n).notebook == "09" for n in exercises.names("09"))


def test_an_exercise_module_holds_its_check_catalog_entries_and_examples():
    # frechet_distance is kept the way CONTRIBUTING.md asks a new exercise to be written: one module
    from course_utils.exercises import frechet_distance as module

    ex = exercises.get("frechet_distance")
    assert module.EXERCISE is ex and ex.check is module.check_frechet_distance is checks.check_frechet_distance
    own = {bug.id for bug in module.BUGS}
    assert own and own <= set(ex.bugs) and all(bugs.get_bug(i).exercises == ("frechet_distance",) for i in own)
    for shared in ("not-implemented", "raised-exception", *ex.shared_bugs):  # every exercise's, and the named ones
        assert "frechet_distance" in bugs.get_bug(shared).exercises, shared
    assert {bug for bug, _fn in module.BUGGY} == own | {"wrong-value"}
    assert [b.fn for b in BUGGY if b.exercise == "frechet_distance" and b.bug in own] == [
        fn for bug, fn in module.BUGGY if bug in own]
    assert set(module.CORRECT) <= set(correct.CORRECT["frechet_distance"])


def test_a_shared_bug_id_that_is_not_in_the_catalog_is_refused(monkeypatch):
    import dataclasses

    from course_utils.exercises import frechet_distance as module

    monkeypatch.setattr(module, "EXERCISE", dataclasses.replace(module.EXERCISE, shared_bugs=("no-such-entry",)))
    with pytest.raises(KeyError, match="no-such-entry"):
        bugs.assemble_catalog()  # the assembly itself, not the cached catalog


def test_fixed_variants_follow_their_contract():
    variants = {name: ex.follows for name, ex in exercises.EXERCISES.items() if ex.follows}
    assert len(variants) >= 4, "notebook 06's fixed variants are missing from the registry"
    for variant, contract in variants.items():
        ex, base = exercises.get(variant), exercises.get(contract)
        assert ex.notebook == "06" and ex.contract == contract
        assert ex.reference is base.reference and ex.check is base.check and ex.bugs == base.bugs
        assert list(bugs.catalog(variant)) == list(bugs.catalog(contract))


def test_new_api_names_exist():
    from course_utils import losses as L
    from course_utils import metrics as M
    from course_utils import steps as S

    for module, name in [(S, "clip_critic_step"), (S, "gp_critic_step"), (S, "generator_step"), (L, "r1_penalty"),
                         (M, "frechet_distance"), (M, "js_divergence")]:  # fmt: skip
        assert getattr(module, name) is exercises.get(name).reference
        assert getattr(checks, f"check_{name}") is exercises.get(name).check


@pytest.mark.parametrize("exercise", list(exercises.EXERCISES))
def test_self_check_never_praises_the_reference(exercise, capsys):
    ex = exercises.get(exercise)
    result = ex.check(ex.reference)
    assert not result.passed and result.bug == "reference-in-use"
    assert "looks right" not in result.message and "reference" in result.message
    # after the fallback has replaced the learner's name, running the fallback again says so plainly
    assert exercises.use_learner_or_reference(ex.reference, exercise) is ex.reference
    out = capsys.readouterr().out
    assert "reference" in out and "Using your" not in out


def test_use_learner_or_reference_on_a_stub_then_rerun(capsys):
    def stub(*args):
        raise NotImplementedError

    fn = exercises.use_learner_or_reference(stub, "r1_penalty")
    assert fn is exercises.get("r1_penalty").reference
    assert "not-implemented" in capsys.readouterr().out
    assert checks.check_r1_penalty(fn).bug == "reference-in-use"


def test_use_learner_or_reference_falls_back_on_a_buggy_function(capsys):
    buggy = next(b.fn for b in BUGGY if b.bug == "per-element-norm" and b.exercise == "gradient_penalty")
    assert exercises.use_learner_or_reference(buggy, "gradient_penalty") is losses.gradient_penalty
    assert "per-element-norm" in capsys.readouterr().out
    assert exercises.use_learner_or_reference(correct.gp_lerp, "gradient_penalty") is correct.gp_lerp


def test_catalog_names_its_sources_once():
    for key in ("the article", "the blog", "the Q&A answer", "the annotated implementation"):
        assert key in bugs.SOURCES and len(bugs.SOURCES[key]) > 30
    assert "epsilon = 1" in bugs.get_bug("gradient-at-real").seen_in
    assert "removes the signal" not in bugs.get_bug("target-zero").why
    assert "R1" in bugs.get_bug("target-zero").why
    unchecked = [b for b in bugs.BUGS.values() if b.not_checked]
    assert [b.id for b in unchecked] == ["amp-penalty-unscaled"]
    assert "amp-penalty-unscaled" in bugs.catalog("gp_critic_step")
    assert "amp-penalty-unscaled" not in exercises.get("gp_critic_step").bugs
