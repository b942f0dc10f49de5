"""The grading pipeline, declared as data: discover -> extract -> sandbox -> judge -> report.

Each step is one module; :data:`PIPELINE` names them in order (as nbgrader's autograde
converter lists its preprocessors). :func:`grade_batch` runs the steps for every
(student, master notebook) pair, one sandbox per pair, ``jobs`` at a time.

Used by ``course_tools.grading.cli``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import discover as discover_step
from . import extract as extract_step
from . import judge as judge_step
from . import report as report_step
from . import sandbox as sandbox_step
from .masters import Master, load_master

__all__ = ["PIPELINE", "Options", "contract_of", "reference_functions", "grade_batch", "grade_submission", "standin_feedback"]

#: The steps, in order: (name, module, what it does). Only trusted code runs outside the sandbox step.
PIPELINE: tuple[tuple[str, object, str], ...] = (
    ("discover", discover_step, "one folder per student; notebooks matched to masters; links ignored"),
    ("extract", extract_step, "the learner's definitions from the notebook, magics turned into Python"),
    ("sandbox", sandbox_step, "definitions run and functions called on probes in bubblewrap with limits"),
    ("judge", judge_step, "the trusted process compares the answers with the reference's"),
    ("report", report_step, "CSV rows and one feedback file per student"),
)


@dataclass
class Options:
    limits: sandbox_step.Limits = sandbox_step.Limits()
    allow_unsafe: bool = False
    seed: int | None = None


def reference_functions() -> dict[str, Callable]:
    """Exercise name -> reference, from the course's exercise registry."""
    from course_utils import exercises

    registry = getattr(exercises, "EXERCISES", None)
    if registry:
        return {name: ex.reference for name, ex in registry.items()}
    return dict(exercises.REFERENCES)


def contract_of(name: str, references: dict[str, Callable]) -> str | None:
    """The probe family of an exercise: the contract whose reference it shares (06's variants too)."""
    from .probes import PROBES

    ref = references.get(name)
    if ref is None:
        return None
    for contract in PROBES:
        if references.get(contract) is ref:
            return contract
    return None


def _row(student: str, notebook: str, grade_id: str, points: float, max_points: float, feedback: str) -> dict:
    return {"student": student, "notebook": notebook, "grade_id": grade_id, "points": points,
            "max_points": max_points, "feedback": feedback.strip()}


def _choose(sub: discover_step.Submission, names: set[str]):
    """Read the candidates; grade the one with the most finished exercises (then the newest)."""
    parsed, problems = [], []
    for path in sub.candidates:
        try:
            nb = nbformat.reads(discover_step.read_text_nofollow(path), as_version=4)
            cells = [(i, c.source) for i, c in enumerate(nb.cells) if c.get("cell_type") == "code"]
        except Exception as exc:  # noqa: BLE001 - any unreadable file is reported, never quoted
            problems.append(f"{path.name} could not be read as a notebook ({type(exc).__name__})")
            continue
        ex = extract_step.extract(cells, names)
        finished = sum(1 for n in names if ex.defined.get(n) == "finished")
        parsed.append((finished, path.lstat().st_mtime, path, ex))
    if not parsed:
        return None, problems
    parsed.sort(key=lambda t: (t[0], t[1]), reverse=True)
    chosen = parsed[0]
    if len(parsed) > 1:
        others = ", ".join(p[2].name for p in parsed[1:])
        problems.append(f"{len(parsed)} copies handed in: graded {chosen[2].name} (the most finished), "
                        f"not {others}")
    elif canonical_differs(chosen[2].name, sub.master):
        problems.append(f"graded {chosen[2].name} (file name differs from the master's)")
    return chosen, problems


def standin_feedback(name: str, course: str) -> str:
    """Why an exercise that is (or calls) the course's own function earns nothing."""
    return (f"[course-reference-in-use] `{name}` is the course's own `{course}` (imported, or called while "
            f"`{name}` was checked), not your implementation: write `{name}` yourself; the course's "
            "reference earns no points.")


def canonical_differs(filename: str, key: str) -> bool:
    return filename.lower() != key


def grade_submission(sub: discover_step.Submission, master: Master, references: dict, expected: dict,
                     seed: int, options: Options) -> list[dict]:
    """Rows for one student's notebook."""
    names = {t.name for t in master.tasks}
    chosen, notes = _choose(sub, names) if sub.candidates else (None, [])
    head = " ".join([sub.note] + notes).strip()
    if chosen is None:
        why = head or f"No {master.name} handed in."
        return [_row(sub.student, master.name, t.grade_ids[0], 0, t.points, why) for t in master.tasks]
    _finished, _mtime, path, ex = chosen
    todo, rows = [], {}
    for task in master.tasks:
        contract = contract_of(task.name, references)
        state = ex.defined.get(task.name)
        if contract is None and task.name in references:
            rows[task.name] = (0.0, f"`{task.name}` is an exercise of the course, but the grader has no probes for it "
                                    "yet (course_tools/grading/probes.py): grade it by hand.")
        elif contract is None:
            rows[task.name] = (0.0, f"`{task.name}` is not an exercise of the course's registry, so the grader has "
                                    "no probes for it: grade it by hand.")
        elif state is None:
            rows[task.name] = (0.0, f"No definition of `{task.name}` found in the notebook.")
        elif state == "stub":
            rows[task.name] = (0.0, f"`{task.name}` is still the stub (raises NotImplementedError).")
        else:
            todo.append({"name": task.name, "contract": contract})
    chunk_errors: list[str] = []
    while todo:
        job = {"chunks": ex.chunks, "exercises": todo, "seed": seed}
        run = sandbox_step.run_worker(job, options.limits, options.allow_unsafe, expected=len(todo))
        done = set()
        for record in run.records:
            if record.get("event") == "defined":
                chunk_errors = [str(e)[:200] for e in record.get("errors", [])][:5]
            name = record.get("exercise")
            item = next((t for t in todo if t["name"] == name), None)
            if item is None or name in done:
                continue
            done.add(name)
            if record.get("missing"):
                rows[name] = (0.0, f"`{name}` is not a function after the notebook's definitions ran.")
                continue
            if record.get("standin"):
                rows[name] = (0.0, standin_feedback(name, str(record["standin"])[:80]))
                continue
            verdict = judge_step.judge_exercise(item["contract"], record.get("probes") or {},
                                                expected[item["contract"]])
            rows[name] = (1.0, "All checks passed.") if verdict.passed else (
                0.0, "Failed: " + "; ".join(verdict.failures[:3]))
        rest = [t for t in todo if t["name"] not in done]
        if not rest:
            break
        culprit = rest[0]["name"]
        why = {"timeout": "ran out of time", "died": "crashed the process (memory or CPU limit, or exit)",
               "too much output": "printed too much"}.get(run.stopped, "stopped")
        if not any(r.get("event") == "defined" for r in run.records):
            for t in rest:
                rows[t["name"]] = (0.0, f"Your notebook's definitions {why} before any exercise could be checked.")
            break
        rows[culprit] = (0.0, f"`{culprit}` {why}.")
        todo = rest[1:]
    out = []
    for task in master.tasks:
        frac, text = rows[task.name]
        extra = ""
        if frac < 1 and chunk_errors:
            extra = " Errors while defining your code: " + " | ".join(chunk_errors)
        out.append(_row(sub.student, master.name, task.grade_ids[0], frac * task.points, task.points,
                        f"{head} {text}{extra}".strip()))
    return out


def grade_batch(submissions: Path, masters: Iterable[Path], jobs: int = 2, options: Options | None = None,
                progress: bool = True) -> list[dict]:
    """Grade every student folder of ``submissions`` against ``masters``; rows in a stable order."""
    options = options or Options()
    if sandbox_step.bwrap_path() is None and not options.allow_unsafe:
        raise sandbox_step.SandboxMissing(
            "bubblewrap (bwrap) is not installed, so submissions cannot be isolated. Install it "
            "(apt-get install bubblewrap) or, only for code you trust, pass --unsafe-no-sandbox.")
    loaded = [m for m in (load_master(p) for p in masters) if m.tasks]
    by_key = {m.key: m for m in loaded}
    seed = options.seed if options.seed is not None else secrets.randbits(31)
    references = reference_functions()
    expected = {}
    for m in loaded:
        for t in m.tasks:
            c = contract_of(t.name, references)
            if c and c not in expected:
                expected[c] = judge_step.reference_observations(references[c], c, seed)
    subs, rows = discover_step.discover(Path(submissions), list(by_key))
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(subs), unit="notebook", desc="grading")
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(grade_submission, s, by_key[s.master], references, expected, seed, options)
                   for s in subs]
        for fut in as_completed(futures):
            rows += fut.result()
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    order = {m.key: i for i, m in enumerate(loaded)}
    return sorted(rows, key=lambda r: (r["student"], order.get(r["notebook"].lower(), -1), r["grade_id"]))
