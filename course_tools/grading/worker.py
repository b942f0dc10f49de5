"""The untrusted side: runs inside the sandbox, defines the learner's code, calls it on probes.

Started by :mod:`course_tools.grading.sandbox` as ``python worker.py`` with only this file,
the package ``course_grading`` (``probes``, ``probe_kit``, ``step_probes``, ``standins``), the Python runtime and the virtual environment visible (read-only), a
private scratch folder as the only writable place, and no network. It reads one job
(JSON) on stdin: the learner's code as a list of chunks, the exercises to judge with
their contract, and the seed. It writes one JSON line per exercise to a private copy
of stdout (the learner's prints go to a file in the scratch folder). Nothing it says is
believed: the trusted process compares the observations with the reference's.

Before the learner's code runs, :func:`standins.install` provides ``course_utils.losses`` and
``course_utils.steps`` (torch-only stand-ins of the course functions the notebooks tell learners
to use) and placeholders for every other ``course_utils`` import. An exercise whose function is a
stand-in, or calls the stand-in of its own contract while probed, is reported as such (no points).
"""

from __future__ import annotations

import json
import os
import signal
import sys

__all__ = ["ASSIGNMENT_S", "main"]

#: Wall seconds one top-level assignment may take while the learner's definitions run.
ASSIGNMENT_S = 10.0


def _too_slow(signum, frame) -> None:
    raise TimeoutError(f"this assignment took longer than {ASSIGNMENT_S:g} s and was stopped")


def _is_assignment(source: str) -> bool:
    """True for a chunk that only binds a name (``x = ...``, ``x: T = ...``)."""
    import ast

    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    return len(body) == 1 and isinstance(body[0], (ast.Assign, ast.AnnAssign))


def _emit(channel, record: dict) -> None:
    channel.write(json.dumps(record) + "\n")
    channel.flush()


def main() -> int:
    job = json.loads(sys.stdin.read())
    channel = os.fdopen(os.dup(1), "w")
    log = open("learner_output.txt", "w")  # noqa: SIM115 - lives as long as the process
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    os.close(0)

    import math

    import numpy as np
    import torch
    import torch.nn.functional as F
    from course_grading import probes, standins
    from torch import nn

    torch.set_num_threads(1)
    standins.install()
    signal.signal(signal.SIGALRM, _too_slow)
    ns: dict = {"__name__": "__main__", "torch": torch, "nn": nn, "F": F, "np": np, "math": math}
    errors = []
    for chunk in job["chunks"]:
        # A global a function needs (``LOG2 = math.log(2.0)``) is computed here; one that takes longer than
        # ASSIGNMENT_S is stopped, so it can cost only the exercises that need it, never the whole submission.
        assignment = _is_assignment(chunk["source"])
        signal.setitimer(signal.ITIMER_REAL, ASSIGNMENT_S if assignment else 0)
        try:
            exec(compile(chunk["source"], f"<cell {chunk['cell']}>", "exec"), ns)  # noqa: S102 - sandboxed
        except BaseException as exc:  # noqa: BLE001 - recorded, the next definition still runs
            # A constant that refers to what only a full run creates (``N = len(history)``) fails here
            # harmlessly; it is not reported (a function that needs it fails its probes, named there).
            if not assignment:
                errors.append(f"cell {chunk['cell']}: {type(exc).__name__}: {str(exc)[:400]}")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    _emit(channel, {"event": "defined", "errors": errors[:20]})
    for item in job["exercises"]:
        name, contract = item["name"], item["contract"]
        fn = ns.get(name)
        if not callable(fn):
            _emit(channel, {"exercise": name, "missing": True})
            continue
        course = standins.identify(fn)
        if course is not None:  # the course's function itself, not the learner's
            _emit(channel, {"exercise": name, "standin": course})
            continue
        observed = {}
        standins.begin(contract)
        try:
            for probe_id, _what, build in probes.PROBES[contract]:
                torch.manual_seed(job["seed"] % (2**31))
                observed[probe_id] = probes.run_probe(fn, build, job["seed"])
        finally:
            used = standins.finish()
        if used:  # it called the course's own version of this exercise
            _emit(channel, {"exercise": name, "standin": used[0]})
            continue
        _emit(channel, {"exercise": name, "probes": observed})
    _emit(channel, {"event": "done"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
