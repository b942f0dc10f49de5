"""Units of the grader that need no batch: extraction, file discovery, feedback names, the sandbox's walls."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from course_tools.grading import cli, discover, extract, pipeline, report, sandbox

REPO = Path(__file__).resolve().parents[2]
needs_bwrap = pytest.mark.skipif(sandbox.bwrap_path() is None, reason="bubblewrap is not installed")


def test_extract_keeps_definitions_and_drops_the_rest():
    cells = [
        (0, "import torch\n%matplotlib inline\nhistory = train(critic, steps=10_000)"),
        (1, 'def gp(c, r, f):\n    "stub"\n    raise NotImplementedError("write me")'),
        (2, "%%time\n@torch.no_grad()\ndef gp(c, r, f):\n    return r\nEPS = 1e-3\n"
            "gp = use_learner_or_reference(gp, 'gp')"),
        (3, "%%bash\nrm -rf /"),
        (4, "!pip install x\ny = %timeit 1"),
        (5, 'def gp(c, r, f):\n    raise NotImplementedError'),  # an old stub below: never hides the work
    ]
    ex = extract.extract(cells, {"gp"})
    sources = [ch["source"] for ch in ex.chunks]
    assert sources == ["import torch", "@torch.no_grad()\ndef gp(c, r, f):\n    return r", "EPS = 0.001"]
    assert ex.defined == {"gp": "finished"}


def test_extract_keeps_a_global_with_a_call_only_where_a_definition_reads_it():
    """An honest learner's ``LOG2 = math.log(TWO)`` above the function that uses it must survive extraction."""
    cells = [
        (0, "import math, torch\nhistory = train(critic, steps=10_000)\nTWO = float(2)\nLOG2 = math.log(TWO)\n"
            "x = torch.randn(5)"),
        (1, "def js(p, q):\n    x = p + q\n    return LOG2 * x.sum()\n"
            "js = use_learner_or_reference(js, 'js')\nm = js(torch.ones(2), torch.ones(2))"),
    ]
    ex = extract.extract(cells, {"js"})
    assert [ch["source"] for ch in ex.chunks] == [
        "import math, torch", "TWO = float(2)", "LOG2 = math.log(TWO)",
        "def js(p, q):\n    x = p + q\n    return LOG2 * x.sum()"]  # history, x (js's own local) and m: dropped
    assert ex.defined == {"js": "finished"}


def test_a_lone_stub_is_a_stub():
    assert extract.extract([(0, 'def gp(c, r, f):\n    """doc"""\n    raise NotImplementedError()')]).defined == {
        "gp": "stub"}


def test_canonical_names():
    assert discover.canonical("Copy of 05_Gradient_Penalty (1).IPYNB") == "05_gradient_penalty.ipynb"
    assert discover.canonical("05_gradient_penalty-checkpoint.ipynb") == "05_gradient_penalty.ipynb"
    assert discover.canonical("notes.txt") == ""


def test_feedback_file_names_are_distinct():
    names = ["Jane Doe", "Jane_Doe", "王伟", "王芳", ".hidden", "a/b"]
    files = [report.feedback_filename(n) for n in names]
    assert len(set(files)) == len(names)
    assert all("/" not in f and not f.startswith(".") for f in files)


def test_discover_ignores_symlinks_and_finds_dot_folders(tmp_path):
    subs = tmp_path / "subs"
    (subs / ".dot").mkdir(parents=True)
    (subs / ".dot" / "05_gradient_penalty.IPYNB").write_text("{}")
    (subs / "linker").mkdir()
    (subs / "linker" / "05_gradient_penalty.ipynb").symlink_to("/etc/passwd")
    (subs / "linked_folder").symlink_to(tmp_path)
    (subs / "loose.ipynb").write_text("{}")
    jobs, rows = discover.discover(subs, ["05_gradient_penalty.ipynb"])
    by = {j.student: j for j in jobs}
    assert by[".dot"].candidates and by[".dot"].candidates[0].name.endswith(".IPYNB")
    assert not by["linker"].candidates and "Symbolic links ignored" in by["linker"].note
    assert "linked_folder" not in by
    assert any(r["student"] == "linked_folder" and "symbolic link" in r["feedback"] for r in rows)
    assert any(r["notebook"] == "loose.ipynb" for r in rows)
    with pytest.raises(OSError):
        discover.read_text_nofollow(subs / "linker" / "05_gradient_penalty.ipynb")


def test_without_bwrap_the_grader_refuses_unless_told(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    (tmp_path / "s").mkdir()
    assert cli.main([str(tmp_path), "--out", str(tmp_path / "g.csv"), "--quiet"]) == 2
    assert "--unsafe-no-sandbox" in capsys.readouterr().err
    with pytest.raises(sandbox.SandboxMissing):
        sandbox.run_worker({"chunks": [], "exercises": [], "seed": 1})


def test_the_toolkit_imports_no_torch():
    code = ("import sys, course_tools.grading, course_tools.grading.cli, course_tools.grading.pipeline; "
            "assert 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
    assert set(pipeline.__all__) and [name for name, _m, _w in pipeline.PIPELINE] == [
        "discover", "extract", "sandbox", "judge", "report"]


@needs_bwrap
def test_the_sandbox_walls():
    """What the submission sees: no course code, no masters, no network; writes only to its scratch."""
    probe = r'''
import os, socket
seen = []
for path in [REPO + "/notebooks", REPO + "/course_utils", REPO + "/course_tools", "/work/main/notebooks", "/etc/passwd"]:
    seen.append(f"{path}={os.path.exists(path)}")
for path in ["/x", "/work/main/.venv/x", "/scratch/ok"]:
    try:
        open(path, "w").write("x"); seen.append(f"w:{path}=ok")
    except OSError:
        seen.append(f"w:{path}=no")
try:
    socket.create_connection(("1.1.1.1", 53), timeout=1); seen.append("net=ok")
except OSError:
    seen.append("net=no")
import sys
import course_utils.losses
seen.append(f"standin={course_utils.losses.gradient_penalty.__course_standin__}")
for name in [n for n in sys.modules if n.split(".")[0] == "course_utils"]:
    del sys.modules[name]  # the grader's stand-ins; is the course itself reachable?
sys.meta_path[:] = [f for f in sys.meta_path if getattr(f, "__name__", "") != "_Finder"]
try:
    import course_utils; seen.append("course_utils=ok")
except ImportError:
    seen.append("course_utils=no")
try:
    bytearray(6 * 2**30); seen.append("6GB=ok")
except MemoryError:
    seen.append("6GB=no")
raise RuntimeError(" ".join(seen))
'''.replace("REPO", repr(str(REPO)))
    run = sandbox.run_worker({"chunks": [{"cell": 0, "source": probe}], "exercises": [], "seed": 1})
    text = run.records[0]["errors"][0]
    for fact in [f"{REPO}/notebooks=False", f"{REPO}/course_utils=False", f"{REPO}/course_tools=False",
                 "/work/main/notebooks=False", "/etc/passwd=False",
                 "w:/x=no", "w:/work/main/.venv/x=no", "w:/scratch/ok=ok", "net=no", "course_utils=no", "6GB=no",
                 "standin=course_utils.losses.gradient_penalty"]:
        assert fact in text, text


@needs_bwrap
def test_a_detached_grandchild_dies_with_the_sandbox(tmp_path):
    marker = f"grader-orphan-test-{os.getpid()}"
    # a sleep length no other test uses, so that a concurrent test's sandbox is not mistaken for an orphan
    seconds = f"{600 + os.getpid() % 9973}.5"
    src = (f"import os, time\nif os.fork() == 0:\n    os.setsid()\n    os.execvp('sleep', ['sleep', '{seconds}'])\n"
           f"raise RuntimeError('{marker}')")
    sandbox.run_worker({"chunks": [{"cell": 0, "source": src}], "exercises": [], "seed": 1})
    wanted = b"sleep\x00" + seconds.encode() + b"\x00"

    def alive() -> list[str]:
        found = []
        for pid in os.listdir("/proc"):
            try:
                if Path(f"/proc/{pid}/cmdline").read_bytes() == wanted:
                    found.append(pid)
            except OSError:
                pass
        return found

    # the kernel ends the sandbox's PID namespace when its first process exits; on a busy machine
    # the SIGKILL to the grandchild can land a moment after run_worker returns
    import time

    deadline = time.monotonic() + 10
    while alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive()


@needs_bwrap
@pytest.mark.skipif(not sandbox.process_limit_available(), reason="no pids cgroup can be made here (needs root)")
def test_a_fork_bomb_meets_the_process_limit():
    """With a pids cgroup, a submission cannot start more than Limits.processes processes and threads."""
    src = ("import os, time\nn = 0\nfor _ in range(500):\n    try:\n        pid = os.fork()\n    except OSError:\n"
           "        break\n    if pid == 0:\n        time.sleep(30)\n        os._exit(0)\n    n += 1\n"
           "raise RuntimeError(f'forked {n}')")
    limits = sandbox.Limits(processes=32)
    run = sandbox.run_worker({"chunks": [{"cell": 0, "source": src}], "exercises": [], "seed": 1}, limits)
    forked = int(run.records[0]["errors"][0].rsplit(" ", 1)[1])
    assert 0 < forked < limits.processes, run.records[0]


def test_a_process_cage_kills_what_left_the_process_group(tmp_path):
    """The cage's kill_all reaches a process that called setsid (outside the worker's process group)."""
    cage = sandbox.ProcessCage.create(16)
    if cage is None:
        pytest.skip("no pids cgroup can be made here (needs root)")
    try:
        proc = subprocess.Popen([sys.executable, "-c", "import os, subprocess; os.setsid(); "
                                 "subprocess.Popen(['sleep', '300'], start_new_session=True)"],
                                preexec_fn=cage.enter)
        proc.wait()
        assert cage.pids(), "the detached sleep should still be in the cage"
        assert cage.kill_all()
        assert cage.pids() == []
    finally:
        cage.remove()
    assert not cage.path.exists()


@needs_bwrap
def test_a_constant_that_needs_a_full_run_is_not_reported():
    """`N = len(history)` fails harmlessly when only definitions run; an import that fails is still reported."""
    chunks = [{"cell": 3, "source": "N = len(history)"}, {"cell": 4, "source": "import not_a_module_xyz"}]
    run = sandbox.run_worker({"chunks": chunks, "exercises": [], "seed": 1})
    errors = run.records[0]["errors"]
    assert len(errors) == 1 and errors[0].startswith("cell 4: ModuleNotFoundError"), errors


@needs_bwrap
def test_a_slow_global_costs_only_the_exercise_that_needs_it():
    """A needed global that runs too long is stopped after ASSIGNMENT_S; the other definitions still run."""
    chunks = [{"cell": 0, "source": "import time"},
              {"cell": 1, "source": "SLOW = time.sleep(600)"},  # longer than the startup limit (90 s)
              {"cell": 2, "source": "def double(x):\n    return 2 * x"}]
    run = sandbox.run_worker({"chunks": chunks, "exercises": [], "seed": 1})
    assert run.stopped == "", run.stopped
    assert run.records[0]["event"] == "defined" and run.records[0]["errors"] == [], run.records
