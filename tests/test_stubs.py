"""unfinished_ok forgives only an exercise whose stub is still there; everything else still raises."""

from __future__ import annotations

import pytest

from course_utils import stubs

STUB = "\n".join(["def gradient_penalty(critic, real, fake):", *("    " + s for s in stubs.code_stub("gradient_penalty"))])


def _define(source: str) -> dict:
    namespace: dict = {}
    exec(compile(source, "<cell>", "exec"), namespace)
    return namespace


def _run_test_cell(namespace: dict, body: str) -> None:
    exec(compile(stubs.unfinished_wrapper("gradient_penalty", body), "<test cell>", "exec"), namespace)


def test_an_untouched_stub_is_reported_not_raised(capsys):
    ns = _define(STUB)
    assert stubs.is_stub(ns["gradient_penalty"])
    _run_test_cell(ns, "assert gradient_penalty(None, 1, 2) == 0")  # NotImplementedError from the stub
    _run_test_cell(ns, "assert False, 'a check that caught the stub and failed'")  # any failure while a stub
    out = capsys.readouterr().out
    assert out.count("NOT FINISHED: exercise `gradient_penalty`") == 2 and "replace that line" in out


def test_a_stub_of_another_exercise_is_named(capsys):
    ns = _define("def gradient_penalty(critic, real, fake):\n    return helper()\n" + STUB.replace(
        "def gradient_penalty(critic, real, fake)", "def helper()").replace("`gradient_penalty`", "`helper`"))
    _run_test_cell(ns, "gradient_penalty(None, 1, 2)")
    assert "NOT FINISHED: exercise `helper`" in capsys.readouterr().out


@pytest.mark.parametrize("source,error", [
    ("def gradient_penalty(critic, real, fake):\n    return 1.0", AssertionError),  # attempted, wrong
    ("def gradient_penalty(critic, real, fake):\n    raise NotImplementedError('my own')", NotImplementedError),
    ("def gradient_penalty(critic, real, fake):\n    raise ValueError('I give up')", ValueError),
])
def test_any_other_failure_still_raises(source, error):
    ns = _define(source)
    assert not stubs.is_stub(ns["gradient_penalty"])
    with pytest.raises(error):
        _run_test_cell(ns, "assert gradient_penalty(None, 1, 2) == 0")


def test_interrupts_are_never_swallowed():
    ns = _define(STUB)
    with pytest.raises(KeyboardInterrupt):
        _run_test_cell(ns, "raise KeyboardInterrupt")


def test_a_passing_test_prints_nothing(capsys):
    ns = _define("def gradient_penalty(critic, real, fake):\n    return 0")
    _run_test_cell(ns, "assert gradient_penalty(None, 1, 2) == 0")
    assert capsys.readouterr().out == ""
