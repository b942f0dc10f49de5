"""A Colab-like run of every student notebook: Run all must reach the end of each untouched notebook.

What makes it Colab-like: a kernel where ``google.colab`` is imported at start (a fake module),
ipywidgets 7.7.1 (Colab's version), ``course_utils`` NOT installed beforehand, the working
folder outside the course (Colab's /content), the setup cell cloning the checkout through
``WGAN_COURSE_REPO=file://...`` into /content/wgan-gp-course and installing it with
``pip install --no-deps -e``, and no cell tags honoured (Colab ignores ``raises-exception``).
Quick mode. Not collected by the default test run (its file name does not start with test_)::

    .venv/bin/python -m pytest tests/e2e/colab_like.py -p no:cacheprovider -q

The kernel's environment is a small venv made once (cached in ``$XDG_CACHE_HOME/wgan-course/
colab-like-venv``): its own site-packages hold ipywidgets 7.7.1, and a ``.pth`` line appends this
environment's site-packages after them, so torch and the rest are reused, not reinstalled.
(Only directories are appended: this environment's ``.pth`` files, among them its editable
install of the course, are not processed there, so ``course_utils`` stays uninstalled.)
Needs root or a writable /content (CI: ``sudo mkdir -m 777 /content``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
STUDENT_DIR = Path(os.environ.get("COLAB_LIKE_NOTEBOOKS", REPO / "notebooks" / "student"))
CONTENT = Path("/content")
COLAB_DIR = CONTENT / "wgan-gp-course"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "wgan-course"
VENV = CACHE / "colab-like-venv"
WIDGETS = ["ipywidgets==7.7.1", "widgetsnbextension==3.6.1", "jupyterlab_widgets==1.1.1", "ipython_genutils==0.2.0"]
FAKE_COLAB = '''"""A stand-in for Colab's module: its presence is how the course detects Colab."""
class _Output:
    def enable_custom_widget_manager(self):
        pass
    def disable_custom_widget_manager(self):
        pass
output = _Output()
'''


def _venv_python() -> Path:
    py = VENV / "bin" / "python"
    stamp = VENV / ".colab-like"
    want = json.dumps({"base": sys.executable, "widgets": WIDGETS})
    if py.exists() and stamp.exists() and stamp.read_text() == want:
        return py
    shutil.rmtree(VENV, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(VENV)], check=True)
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    fake = VENV / "fake-colab" / "google" / "colab"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(FAKE_COLAB)
    # the fake google.colab first, then (after the venv's own packages) this environment's packages
    (site / "zz_colab_like.pth").write_text(f"{fake.parent.parent}\n{sysconfig.get_paths()['purelib']}\n")
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), *WIDGETS], check=True)
    stamp.write_text(want)
    return py


def _kernelspec(py: Path, root: Path) -> Path:
    spec = root / "share" / "jupyter" / "kernels" / "colab-like"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(py), "-m", "ipykernel_launcher", "-f", "{connection_file}",
                 "--IPKernelApp.exec_lines=['import google.colab']"],
        "display_name": "Colab-like", "language": "python",
        "env": {"WGAN_COURSE_QUICK": "1", "WGAN_COURSE_THREADS": "1", "MPLBACKEND": "Agg",
                "WGAN_COURSE_REPO": f"file://{REPO}", "PYTHONNOUSERSITE": "1"},
    }))
    return root / "share" / "jupyter"


def _run(path: Path, workdir: Path) -> tuple[str, float, str]:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("tags", None)  # Colab honours no tag
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=900, kernel_name="colab-like", resources={"metadata": {"path": str(workdir)}})
    try:
        client.execute()
        error = ""
    except CellExecutionError as err:
        error = str(err)[-3000:]
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    if not error and "Course setup done" not in text:
        error = "the setup cell did not report 'Course setup done'"
    return path.name, time.perf_counter() - start, error


def test_every_student_notebook_runs_to_the_end_like_in_colab(tmp_path, monkeypatch):
    if not os.access(CONTENT if CONTENT.exists() else CONTENT.parent, os.W_OK):
        pytest.fail("/content is not writable: run as root, or `sudo mkdir -m 777 /content` first")
    start = time.perf_counter()
    py = _venv_python()
    probe = subprocess.run([str(py), "-c", "import ipywidgets, torch; print(ipywidgets.__version__)\n"
                            "import importlib.util as u; print(u.find_spec('course_utils') is None)"],
                           capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "PYTHONNOUSERSITE": "1"})
    assert probe.stdout.split() == ["7.7.1", "True"], f"the Colab-like venv is wrong: {probe.stdout} {probe.stderr}"
    monkeypatch.setenv("JUPYTER_PATH", str(_kernelspec(py, tmp_path)))
    shutil.rmtree(COLAB_DIR, ignore_errors=True)
    CONTENT.mkdir(exist_ok=True)
    # the first notebook clones and installs, as in Colab; the others find the clone
    paths = sorted(STUDENT_DIR.glob("[0-9][0-9]_*.ipynb"))
    assert paths, f"no student notebooks in {STUDENT_DIR}"
    results = [_run(paths[0], tmp_path)]
    assert (COLAB_DIR / "course_utils").is_dir(), "the setup cell did not clone the course"
    with ThreadPoolExecutor(max_workers=int(os.environ.get("COLAB_LIKE_WORKERS", "2"))) as pool:
        results += list(pool.map(lambda p: _run(p, tmp_path), paths[1:]))
    shutil.rmtree(COLAB_DIR, ignore_errors=True)
    for name, seconds, error in results:
        print(f"{name}: {seconds:.0f} s{'  FAILED' if error else ''}")
    print(f"total wall time {time.perf_counter() - start:.0f} s")
    failed = {name: error for name, _, error in results if error}
    assert not failed, "Run all stopped in a Colab-like kernel:\n" + "\n\n".join(f"{k}:\n{v}" for k, v in failed.items())
