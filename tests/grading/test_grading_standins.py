"""The sandbox's stand-ins for course functions: equal to the course's, importable, never worth points.

Every stand-in is compared with the ``course_utils`` function it stands for on random inputs
(same seed, same answer, same signature), so the two cannot drift apart. The imports of every
master notebook succeed in a worker-like process, and the rules that keep a stand-in from
earning points (identity, wrappers, calls during the probes of its own exercise) are checked
without a sandbox; ``test_grading_batch.py`` and the sandboxed tests below grade whole notebooks.
"""

from __future__ import annotations

import functools
import inspect
import json
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest
import torch
from torch import nn

from course_tools.grading import extract, judge, pipeline, sandbox, standins
from course_tools.grading.discover import Submission
from course_tools.grading.masters import load_master
from course_utils import losses, steps

REPO = Path(__file__).resolve().parents[2]
COURSE = {"course_utils.losses": losses, "course_utils.steps": steps}
PAIRS = [(f"{module}.{name}", fn, getattr(COURSE[module], name))
         for module, functions in standins.STANDINS.items() for name, fn in functions.items()]
needs_bwrap = pytest.mark.skipif(sandbox.bwrap_path() is None, reason="bubblewrap is not installed")


def _mlp(d_in: int, seed: int, flatten: bool = False) -> nn.Module:
    torch.manual_seed(seed)
    layers = [nn.Flatten()] if flatten else []
    return nn.Sequential(*layers, nn.Linear(d_in, 8), nn.Tanh(), nn.Linear(8, 1))


def _same(a, b) -> None:
    if torch.is_tensor(a):
        assert torch.is_tensor(b) and a.shape == b.shape and a.dtype == b.dtype
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    else:
        assert type(a) is type(b) and a == b


def _run(fn, make_args, seed: int):
    """fn on freshly built arguments (same seed for both sides): its answer and the networks after."""
    args = make_args(seed)
    torch.manual_seed(seed + 1)
    out = fn(*args)
    nets = [a for a in args if isinstance(a, nn.Module)]
    return out, [(p.detach().clone(), p.requires_grad) for net in nets for p in net.parameters()], args


def _step_args(kind: str):
    def make(seed: int):
        gen = torch.Generator().manual_seed(seed)
        critic = _mlp(2, seed)
        critic[0].bias.requires_grad_(False)  # a flag the step must give back as it found it
        if kind == "generator_step":
            generator = _mlp(3, seed + 7)
            generator[-1] = nn.Linear(8, 2)
            return (generator, critic, torch.optim.SGD(generator.parameters(), lr=0.1), torch.randn(5, 3, generator=gen))
        real, fake = torch.randn(6, 2, generator=gen), torch.randn(6, 2, generator=gen)
        return (critic, torch.optim.SGD(critic.parameters(), lr=0.1), real, fake, 10.0)
    return make


def _args_for(name: str):
    short = name.rpartition(".")[2]
    if short in ("gp_critic_step", "generator_step"):
        return _step_args(short)
    if short == "clip_weights_":
        return lambda seed: (_mlp(2, seed), 0.05)
    if short in ("critic_loss",):
        return lambda seed: (torch.randn(7, 1, generator=torch.Generator().manual_seed(seed)),
                             torch.randn(7, 1, generator=torch.Generator().manual_seed(seed + 1)),
                             torch.tensor(0.3, requires_grad=True), 10.0)
    if short == "generator_loss":
        return lambda seed: (torch.randn(7, 1, generator=torch.Generator().manual_seed(seed), requires_grad=True),)
    if short == "interpolate":
        return lambda seed: (torch.randn(5, 3, 4, 4, generator=torch.Generator().manual_seed(seed)),
                             torch.randn(5, 3, 4, 4, generator=torch.Generator().manual_seed(seed + 1)))
    if short in ("input_gradients", "input_gradient_norms"):
        return lambda seed: (_mlp(48, seed, flatten=True),
                             torch.randn(5, 3, 4, 4, generator=torch.Generator().manual_seed(seed)), True)
    if short == "gradient_penalty":
        return lambda seed: (_mlp(2, seed), torch.randn(9, 2, generator=torch.Generator().manual_seed(seed)),
                             torch.randn(9, 2, generator=torch.Generator().manual_seed(seed + 1)))
    raise KeyError(name)


@pytest.mark.parametrize(("name", "standin", "course"), PAIRS, ids=[p[0] for p in PAIRS])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_standin_answers_like_the_course(name, standin, course, seed):
    make = _args_for(name)
    got, got_params, got_args = _run(standin, make, seed)
    want, want_params, want_args = _run(course, make, seed)
    _same(got, want)
    assert len(got_params) == len(want_params)
    for (a, a_flag), (b, b_flag) in zip(got_params, want_params, strict=True):
        _same(a, b)
        assert a_flag == b_flag
    if torch.is_tensor(want) and want.requires_grad:  # differentiable the same way
        for g, w in zip(_grads(got, got_args), _grads(want, want_args), strict=True):
            assert (g is None) == (w is None)
            if w is not None:
                _same(g, w)


def _grads(out: torch.Tensor, args) -> tuple:
    """d out.sum() / d (the inputs that require grad, then every network parameter)."""
    leaves = [a for a in args if torch.is_tensor(a) and a.requires_grad]
    leaves += [p for a in args if isinstance(a, nn.Module) for p in a.parameters()]
    return torch.autograd.grad(out.sum(), leaves, allow_unused=True)


@pytest.mark.parametrize(("name", "standin", "course"), PAIRS, ids=[p[0] for p in PAIRS])
def test_every_standin_has_the_course_signature(name, standin, course):
    course = inspect.unwrap(course)
    assert list(inspect.signature(standin).parameters) == list(inspect.signature(course).parameters), name
    assert [p.default for p in inspect.signature(standin).parameters.values()] == [
        p.default for p in inspect.signature(course).parameters.values()], name


def test_standins_raise_like_the_course():
    x = torch.zeros(3, 2)
    for fn in (standins.interpolate, losses.interpolate):
        with pytest.raises(ValueError, match="same shape"):
            fn(x, torch.zeros(4, 2))
    for fn in (standins.clip_weights_, losses.clip_weights_):
        with pytest.raises(ValueError, match="positive"):
            fn(_mlp(2, 0), 0.0)
    alpha = torch.tensor([0.0, 0.5, 1.0])
    _same(standins.interpolate(x + 1, x, alpha), losses.interpolate(x + 1, x, alpha))


def test_nothing_in_the_module_computes_unmarked():
    """Every function of standins.py that could compute an exercise's answer is a marked stand-in: its
    globals (reachable from any stand-in) hand out no unmarked reference."""
    infrastructure = {"_used", "begin", "finish", "install", "identify"}
    for name, obj in vars(standins).items():
        if inspect.isfunction(obj) and obj.__module__ == standins.__name__ and name not in infrastructure:
            assert isinstance(getattr(obj, standins.MARK, None), str), name
    for _course, fn, _ref in PAIRS:
        assert not hasattr(fn, "__wrapped__"), "a __wrapped__ would lead to an unmarked function"


def test_identify_sees_through_plain_wrappers():
    gp = standins.gradient_penalty
    assert standins.identify(gp) == "course_utils.losses.gradient_penalty"
    assert standins.identify(staticmethod(gp)) == "course_utils.losses.gradient_penalty"
    assert standins.identify(functools.partial(gp)) == "course_utils.losses.gradient_penalty"
    assert standins.identify(classmethod(gp)) == "course_utils.losses.gradient_penalty"
    assert standins.identify(types.MethodType(gp, object())) == "course_utils.losses.gradient_penalty"
    assert standins.identify(functools.wraps(gp)(lambda *a: 0)) == "course_utils.losses.gradient_penalty"
    assert standins.identify(standins.Placeholder("course_utils.losses.r1_penalty")) == (
        "course_utils.losses.r1_penalty")

    def mine(critic, real, fake):
        return gp(critic, real, fake)

    class Loud:
        def __getattr__(self, name):  # a learner's object may answer anything
            return self

    assert standins.identify(mine) is None and standins.identify(Loud()) is None
    assert standins.identify(losses.gradient_penalty) is None  # the real reference is not in the sandbox


def test_calls_count_only_for_the_contract_they_give_away():
    critic, x = _mlp(2, 0), torch.randn(4, 2)
    standins.begin("gp_critic_step")  # the notebook-07 case: the penalty inside the step is fine
    standins.gradient_penalty(critic, x, x + 1)
    assert standins.finish() == []
    standins.begin("gradient_penalty")  # the helpers 05 hands out are fine inside the penalty...
    standins.input_gradient_norms(critic, x)
    standins.interpolate(x, x)
    assert standins.finish() == []
    standins.begin("gradient_penalty")  # ...the penalty itself is not
    (lambda *a: standins.gradient_penalty(*a))(critic, x, x)
    assert standins.finish() == ["course_utils.losses.gradient_penalty"]
    standins.begin("clip_critic_step")  # lambda_gp = 0 would make it 03's clipping step
    standins.gp_critic_step(critic, torch.optim.SGD(critic.parameters(), lr=0.1), x, x, 0.0)
    assert standins.finish() == ["course_utils.steps.gp_critic_step"]
    standins.gradient_penalty(critic, x, x)  # nothing is watched after finish
    assert standins.finish() == []


def _import_chunks() -> list[dict]:
    chunks = []
    for path in sorted((REPO / "notebooks").glob("0*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        ex = extract.extract([(i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"])
        chunks += [{"cell": f"{path.name[:2]}/{ch['cell']}", "source": ch["source"]} for ch in ex.chunks
                   if ch["source"].startswith(("import ", "from "))]
    return chunks


def test_every_import_of_the_masters_works_with_the_standins():
    """In a fresh process set up like the worker, every import a master notebook makes succeeds; a
    course name without a stand-in imports as a placeholder that refuses to run."""
    chunks = _import_chunks()
    assert any("course_utils" in ch["source"] for ch in chunks)
    code = (
        "import json, sys\nsys.path.insert(0, sys.argv[1])\nimport standins\nstandins.install()\n"
        "errors = []\nns = {}\n"
        "for ch in json.loads(sys.stdin.read()):\n"
        "    try:\n        exec(ch['source'], ns)\n"
        "    except Exception as exc:\n        errors.append(f\"{ch['cell']}: {ch['source']}: {exc!r}\")\n"
        "from course_utils.losses import gradient_penalty, r1_penalty\n"
        "from course_utils.models import MLPCritic\n"
        "assert gradient_penalty is standins.gradient_penalty\n"
        "for fn in (r1_penalty, MLPCritic, ns['checks'].check_gradient_penalty):\n"
        "    try:\n        fn()\n        errors.append(f'{fn!r} ran')\n"
        "    except standins.NotAvailable:\n        pass\n"
        "print(json.dumps(errors))\n")
    out = subprocess.run([sys.executable, "-I", "-c", code, str(REPO / "course_tools" / "grading")],
                         input=json.dumps(chunks), capture_output=True, text=True, check=True,
                         env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"})
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [], out.stdout


def test_extract_records_imports_of_an_exercise_and_keeps_the_learners_work():
    names = {"gradient_penalty", "critic_loss"}
    ex = extract.extract([(0, "from course_utils.losses import gradient_penalty, interpolate")], names)
    assert ex.defined == {"gradient_penalty": "imported"}
    ex = extract.extract([(0, "def critic_loss(r, f, p, l):\n    return f.mean() - r.mean() + l * p"),
                          (1, "from course_utils.losses import critic_loss, interpolate")], names)
    assert ex.defined == {"critic_loss": "finished"}
    assert ex.chunks[-1]["source"] == "from course_utils.losses import interpolate"


# ----------------------------------------------------------------------------- whole notebooks, sandboxed
SETUP_07 = """\
import time
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn
from course_utils import pick, plots, recipes, toy_data
from course_utils.losses import input_gradient_norms, interpolate
from course_utils.metrics import critic_w1_estimate, exact_w1, mode_coverage
from course_utils.models import MLPCritic
from course_utils.training import TrainConfig, train_critic
from course_utils.widgets import explorer
"""
IMPORT_GP = "from course_utils.losses import gradient_penalty\nfrom course_utils.steps import generator_step\n"
STEP_07 = """\
def gp_critic_step(critic, optimizer, real, fake, lambda_gp):
    optimizer.zero_grad()
    fake = fake.detach()
    estimate = critic(real).mean() - critic(fake).mean()
    loss = -estimate + lambda_gp * gradient_penalty(critic, real, fake)
    loss.backward()
    optimizer.step()
    return estimate.item()
"""
STEP_07_IS_THE_COURSES = "from course_utils.steps import gp_critic_step\n"


def notebook_07(step: str) -> nbformat.NotebookNode:
    """A notebook shaped like 07: the course's imports, the penalty imported in a cell of its own,
    then the solution cell ``gp_critic_step`` and its test cell (3 points)."""
    def meta(**nbgrader):
        return {"nbgrader": {"schema_version": 3, "locked": False, **nbgrader}}

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(SETUP_07), nbformat.v4.new_code_cell(IMPORT_GP),
                nbformat.v4.new_code_cell(step, metadata=meta(grade_id="gp_critic_step", solution=True, grade=False)),
                nbformat.v4.new_code_cell("assert isinstance(gp_critic_step(*args), float)",
                                          metadata=meta(grade_id="test_gp_critic_step", solution=False, grade=True,
                                                        points=3))]
    return nb


@needs_bwrap
@pytest.mark.parametrize(("step", "points", "said"), [
    (STEP_07, 3.0, "All checks passed."),
    (STEP_07_IS_THE_COURSES, 0.0, "[course-reference-in-use] `gp_critic_step` is the course's own "
                                  "`course_utils.steps.gp_critic_step`"),
], ids=["step-uses-imported-penalty", "step-is-the-courses"])
def test_a_07_like_step_with_the_imported_penalty(tmp_path, step, points, said):
    master_path = tmp_path / "07_wgan_gp_toy.ipynb"
    nbformat.write(notebook_07(STEP_07), str(master_path))
    master = load_master(master_path)
    assert [(t.name, t.points) for t in master.tasks] == [("gp_critic_step", 3.0)]
    sub_dir = tmp_path / "student"
    sub_dir.mkdir()
    nbformat.write(notebook_07(step), str(sub_dir / master_path.name))
    refs = pipeline.reference_functions()
    seed = 20260407
    expected = {"gp_critic_step": judge.reference_observations(refs["gp_critic_step"], "gp_critic_step", seed)}
    rows = pipeline.grade_submission(Submission("student", master.key, [sub_dir / master_path.name]), master,
                                     refs, expected, seed, pipeline.Options())
    assert [(r["grade_id"], r["points"]) for r in rows] == [("test_gp_critic_step", points)], rows
    assert said in rows[0]["feedback"], rows[0]["feedback"]
    assert "Error" not in rows[0]["feedback"]  # no import of the notebook failed
