"""The benchmark's ``notebooks`` section: wall time of every notebook run top to bottom in a fresh kernel.

Used by ``python -m course_tools bench --sections notebooks`` (see :mod:`course_tools.bench`).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from .paths import NOTEBOOKS

__all__ = ["NOTEBOOK_DIR", "time_notebooks", "notebook_times"]

NOTEBOOK_DIR = NOTEBOOKS


def time_notebooks(paths: list[Path] | None = None, modes: tuple[str, ...] = ("quick",),
                   timeout_s: int = 1800) -> dict:
    """Execute each notebook top to bottom in each mode (a fresh kernel each time); wall seconds.

    ``modes`` are ``"quick"`` (``WGAN_COURSE_QUICK=1``, what CI runs) and ``"full"``. A
    notebook that fails is reported with its error instead of a time; the others still run.
    """
    import nbformat
    from nbclient import NotebookClient
    from tqdm.auto import tqdm

    from course_utils.env import QUICK_ENV_VAR

    paths = sorted(paths or NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"No notebooks found in {NOTEBOOK_DIR}; pass the notebook paths explicitly.")
    bad = [m for m in modes if m not in ("quick", "full")]
    if bad:
        raise ValueError(f"Unknown notebook mode(s) {bad}; use 'quick' and/or 'full'.")
    times: dict = {p.name: {} for p in paths}
    failed: dict = {}
    saved = os.environ.get(QUICK_ENV_VAR)
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        for mode in modes:
            os.environ[QUICK_ENV_VAR] = "1" if mode == "quick" else "0"
            for p in tqdm(paths, desc=f"notebooks ({mode})"):
                nb = nbformat.read(p, as_version=4)
                client = NotebookClient(nb, timeout=timeout_s, resources={"metadata": {"path": str(p.parent)}})
                t0 = time.perf_counter()
                try:
                    client.execute()
                except Exception as exc:  # report and go on with the next notebook
                    failed[f"{p.name} ({mode})"] = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1:]}"
                    continue
                times[p.name][mode] = round(time.perf_counter() - t0, 1)
    finally:
        if saved is None:
            os.environ.pop(QUICK_ENV_VAR, None)
        else:
            os.environ[QUICK_ENV_VAR] = saved
    totals = {m: round(sum(t[m] for t in times.values() if m in t), 1) for m in modes}
    return {"times": times, "totals": totals, "failed": failed, "modes": list(modes)}


def notebook_times(path: str | None) -> dict:
    """Notebook times recorded earlier by ``--sections notebooks`` (its JSON output)."""
    if not path:
        return {"skipped": "no --notebook-times JSON given"}
    p = Path(path)
    if not p.exists():
        return {"skipped": f"{path} not found"}
    data = json.loads(p.read_text())
    if "notebooks" in data:  # a whole bench JSON
        return data["notebooks"]
    return data if "times" in data else {"times": data}  # or just notebook -> {mode: seconds}
