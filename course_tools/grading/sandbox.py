"""Run the worker in an operating-system sandbox (bubblewrap) with resource limits.

What the sandbox relies on: ``bwrap`` (bubblewrap) with user and PID namespaces. The
worker sees, read-only, the system libraries, the Python runtime and the virtual
environment, plus the grader files it needs (``worker.py`` and the package ``course_grading``: the probes and torch-only
stand-ins for the few course functions notebooks tell learners to use); its only
writable place is a private in-memory scratch folder (256 MiB, gone with the process). No network (``--unshare-all``),
its own PID namespace, no capabilities, a new session, ``--die-with-parent``. Limits are
set in the child before it starts (address space, CPU seconds, file size, open files,
core dumps); the whole process group is killed when the submission is done. Where the grader
may create cgroups (root, with a cgroup-v1 ``pids`` controller or a cgroup-v2 hierarchy that
delegates ``pids``), each worker runs in its own cgroup: at most ``Limits.processes`` processes
and threads, and every process in it is killed at the end, also one that left the process
group with ``setsid``. Elsewhere the process count is not limited (``RLIMIT_NPROC`` does not
bind root's processes, and inside bwrap the worker is still root's), which
:func:`process_limit_available` reports.
Without bwrap the grader refuses to run unless the instructor passes ``--unsafe-no-sandbox``
(then the limits, the scratch folder and the process-group kill still apply, but the
submission can read and write whatever the grading user can).

Used by ``course_tools.grading.pipeline``.
"""

from __future__ import annotations

import json
import os
import queue
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Limits", "ProcessCage", "SandboxMissing", "WorkerRun", "bwrap_path", "process_limit_available",
           "run_worker"]

HERE = Path(__file__).resolve().parent
WORKER_FILES = ("worker.py",)
#: The torch-only grader modules the worker imports, copied into the sandbox as the package ``course_grading``
#: (so that their relative imports work there as they do in ``course_tools.grading``).
SANDBOX_PACKAGE, PACKAGE_FILES = "course_grading", ("probes.py", "probe_kit.py", "step_probes.py", "standins.py")
MAX_OUTPUT = 8 * 2**20  # bytes of worker output read at most
SCRATCH_BYTES = 256 * 2**20  # the in-memory scratch folder (bwrap) holds at most this


class SandboxMissing(RuntimeError):
    """bubblewrap is not installed and the instructor did not allow grading without it."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed worker."""

    memory_bytes: int = 3 * 2**30
    cpu_seconds: int = 120
    file_bytes: int = 32 * 2**20
    open_files: int = 256
    processes: int = 64         # processes and threads of one worker (where a pids cgroup is available)
    startup_s: float = 90.0     # wall time to import torch and define the learner's code
    exercise_s: float = 20.0    # wall time for the probes of one exercise


@dataclass
class WorkerRun:
    records: list[dict]
    stopped: str = ""  # "" when the worker finished; otherwise why it was stopped


def bwrap_path() -> str | None:
    """The bubblewrap executable, or None where it is not installed."""
    return shutil.which("bwrap")


#: Where a ``pids`` cgroup controller may be mounted: cgroup v1, then a v2 hierarchy.
PIDS_ROOTS = ("/sys/fs/cgroup/pids", "/sys/fs/cgroup/unified", "/sys/fs/cgroup")


class ProcessCage:
    """A ``pids`` cgroup for one worker: caps its processes and kills every one of them at the end."""

    def __init__(self, path: Path, max_processes: int):
        self.path = path
        self.max_processes = max_processes

    @classmethod
    def create(cls, max_processes: int, roots: tuple[str, ...] = PIDS_ROOTS) -> ProcessCage | None:
        """A fresh cgroup with ``pids.max`` set, or None where this process may not make one."""
        for root in roots:
            base = Path(root)
            if not (base.is_dir() and os.access(base, os.W_OK)):
                continue
            try:
                path = Path(tempfile.mkdtemp(prefix="wgan-grade-", dir=base))
            except OSError:  # writable on paper, but the kernel refuses a new cgroup here
                continue
            try:
                (path / "pids.max").write_text(str(max_processes))
                return cls(path, max_processes)
            except OSError:  # a directory, but no pids controller here
                cls(path, max_processes).remove()
        return None

    def enter(self) -> None:
        """Move the calling process (and so everything it starts) into the cage."""
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def pids(self) -> list[int]:
        try:
            return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
        except OSError:
            return []

    def kill_all(self, timeout_s: float = 5.0) -> bool:
        """SIGKILL every process in the cage until it is empty; True when it is."""
        deadline = time.monotonic() + timeout_s
        while True:
            pids = self.pids()
            if not pids:
                return True
            if time.monotonic() > deadline:
                return False
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.02)

    def remove(self) -> None:
        """Kill what is left and delete the cgroup."""
        self.kill_all()
        try:
            os.rmdir(self.path)
        except OSError:
            pass


def process_limit_available() -> bool:
    """True where the grader can cap a worker's processes with a ``pids`` cgroup (see the module docstring)."""
    cage = ProcessCage.create(Limits().processes)
    if cage is None:
        return False
    cage.remove()
    return True


def _limit(limits: Limits, cage: ProcessCage | None = None):
    def apply() -> None:  # runs in the child between fork and exec
        os.setsid()
        if cage is not None:
            cage.enter()
        for res, value in ((resource.RLIMIT_AS, limits.memory_bytes), (resource.RLIMIT_CPU, limits.cpu_seconds),
                           (resource.RLIMIT_FSIZE, limits.file_bytes), (resource.RLIMIT_NOFILE, limits.open_files),
                           (resource.RLIMIT_CORE, 0)):
            resource.setrlimit(res, (value, value))

    return apply


def _ro_paths() -> list[str]:
    paths = ["/usr", "/lib", "/lib64", "/bin", "/etc/ld.so.cache", sys.base_prefix, sys.prefix]
    out: list[str] = []
    for p in paths:
        real = os.path.realpath(p)
        for q in {p, real}:
            if os.path.exists(q) and q not in out:
                out.append(q)
    return out


def _command(scratch: Path, grader: Path, use_bwrap: bool) -> tuple[list[str], dict, str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/scratch" if use_bwrap else str(scratch), "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1", "LANG": "C.UTF-8",
           "PYTHONPATH": "/grader" if use_bwrap else str(grader), "PYTHONSAFEPATH": "1",
           "TMPDIR": "/scratch" if use_bwrap else str(scratch)}
    python = sys.executable
    if not use_bwrap:
        return [python, "-I", str(grader / "worker.py")], env, str(scratch)
    cmd = [bwrap_path() or "bwrap", "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534",
           "--cap-drop", "ALL", "--new-session", "--die-with-parent", "--clearenv"]
    # /tmp is a small private tmpfs made first, so that a virtual environment living under /tmp
    # (a CI clone, say) can still be bound read-only on top of it.
    cmd += ["--size", str(SCRATCH_BYTES), "--perms", "1777", "--tmpfs", "/tmp"]
    for p in _ro_paths():
        cmd += ["--ro-bind", p, p]
    cmd += ["--proc", "/proc", "--dev", "/dev", "--ro-bind", str(grader), "/grader",
            "--size", str(SCRATCH_BYTES), "--perms", "1777", "--tmpfs", "/scratch",
            "--remount-ro", "/", "--chdir", "/scratch"]
    for k, v in env.items():
        cmd += ["--setenv", k, v]
    # -I would drop PYTHONPATH; -s -E are not used so that PYTHONPATH reaches /grader
    return cmd + [python, "-s", "/grader/worker.py"], env, "/"


def kill_group(proc: subprocess.Popen) -> None:
    """End the worker's whole process group (everything the submission started)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.kill()
    except ProcessLookupError:
        pass
    proc.wait()


def run_worker(job: dict, limits: Limits = Limits(), allow_unsafe: bool = False,
               expected: int = 0) -> WorkerRun:
    """Run one job in a fresh sandbox; return the JSON records it wrote (at most what the time allows).

    ``expected`` is the number of exercise records; each gets ``limits.exercise_s`` of wall time.
    """
    use_bwrap = bwrap_path() is not None
    if not use_bwrap and not allow_unsafe:
        raise SandboxMissing(
            "bubblewrap (bwrap) is not installed, so submissions cannot be isolated. Install it "
            "(apt-get install bubblewrap) or, only for code you trust, pass --unsafe-no-sandbox.")
    base = Path(tempfile.mkdtemp(prefix="wgan-grade-"))
    try:
        grader, scratch = base / "grader", base / "scratch"
        grader.mkdir()
        scratch.mkdir()
        for name in WORKER_FILES:
            shutil.copyfile(HERE / name, grader / name)
        (grader / SANDBOX_PACKAGE).mkdir()
        (grader / SANDBOX_PACKAGE / "__init__.py").write_text("")
        for name in PACKAGE_FILES:
            shutil.copyfile(HERE / name, grader / SANDBOX_PACKAGE / name)
        cmd, env, cwd = _command(scratch, grader, use_bwrap)
        cage = ProcessCage.create(limits.processes)
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                    env=env, cwd=cwd if not use_bwrap else None, preexec_fn=_limit(limits, cage))
            return _collect(proc, json.dumps(job).encode(), limits, expected)
        finally:
            if cage is not None:
                cage.remove()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _collect(proc: subprocess.Popen, payload: bytes, limits: Limits, expected: int) -> WorkerRun:
    lines: queue.Queue = queue.Queue()

    def read() -> None:
        total = 0
        assert proc.stdout is not None
        for raw in proc.stdout:
            total += len(raw)
            if total > MAX_OUTPUT:
                lines.put(("too-much", None))
                return
            lines.put(("line", raw))
        lines.put(("eof", None))

    def write() -> None:
        try:
            assert proc.stdin is not None
            proc.stdin.write(payload)
            proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    threading.Thread(target=write, daemon=True).start()
    threading.Thread(target=read, daemon=True).start()
    records: list[dict] = []
    deadline = time.monotonic() + limits.startup_s
    stopped = ""
    try:
        while True:
            try:
                kind, raw = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                stopped = "timeout"
                break
            if kind == "eof":
                stopped = "" if records and records[-1].get("event") == "done" else "died"
                break
            if kind == "too-much":
                stopped = "too much output"
                break
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(record, dict):
                continue
            records.append(record)
            if record.get("event") == "done":
                break
            deadline = time.monotonic() + limits.exercise_s
    finally:
        kill_group(proc)
    return WorkerRun(records, stopped)
