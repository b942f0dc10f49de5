"""A real browser: JupyterLab in headless Chromium runs a student notebook; figures and sliders must render.

Starts JupyterLab on a free port, opens a copy of a student notebook (notebook 03: figures,
progress bars and the clipping explorer's sliders) in Debian's Chromium driven by Playwright
(no browser download: ``apt install chromium``), checks that opening it does not mark it
unsaved, runs all cells, and asserts that figures and sliders render, that no widget shows
"Click to show javascript error" and that the page logged no JavaScript error. Quick mode,
with ``WGAN_COURSE_STATIC_WIDGETS=0`` so the sliders stay on. The screenshot is kept in
``artifacts/browser/``. Not collected by the default test run::

    .venv/bin/python -m pytest tests/e2e/browser.py -p no:cacheprovider -q
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from course_tools import nb as nb_tools

REPO = Path(__file__).resolve().parents[2]
STUDENT_DIR = Path(os.environ.get("BROWSER_TEST_NOTEBOOKS", REPO / "notebooks" / "student"))
NOTEBOOK = os.environ.get("BROWSER_TEST_NOTEBOOK", "03_wgan_weight_clipping.ipynb")
ARTIFACTS = REPO / "artifacts" / "browser"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
TOKEN = "wgan-course-browser-test"
#: Console messages that are not errors of the course (JupyterLab probing optional services).
BENIGN = ("favicon", "Failed to load resource", "api/lsp", "api/terminals", "nbextension", "/lab/api/news")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


def _prompts(page) -> list[str]:
    return page.eval_on_selector_all(".jp-CodeCell .jp-InputPrompt", "els => els.map(e => e.textContent.trim())")


def test_student_notebook_runs_in_jupyterlab_in_chromium():
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the test extra)")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: apt install chromium (or set CHROMIUM to a Chromium binary)")
    start = time.perf_counter()
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    # a working copy as setup.sh makes it, under the repository (the setup cell finds course_utils)
    target = ARTIFACTS / NOTEBOOK
    staging = ARTIFACTS / "staging"
    staging.mkdir()
    shutil.copy(STUDENT_DIR / NOTEBOOK, staging)
    nb_tools.working_copies(staging, ARTIFACTS)
    port = _free_port()
    env = {**os.environ, "WGAN_COURSE_QUICK": "1", "WGAN_COURSE_STATIC_WIDGETS": "0", "WGAN_COURSE_THREADS": "1",
           "MPLBACKEND": "module://matplotlib_inline.backend_inline", "JUPYTER_CONFIG_DIR": str(ARTIFACTS / "config")}
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
           f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={REPO}", "--LabApp.expose_app_in_browser=True",
           "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = ARTIFACTS / "jupyterlab.log"
    with open(log, "w") as fh:
        server = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=fh, stderr=subprocess.STDOUT)
    errors: list[str] = []
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for_server(f"{base}/api/status?token={TOKEN}", server, log)
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
            page.on("console", lambda msg: errors.append(f"console.{msg.type}: {msg.text}")
                    if msg.type == "error" and not any(b in msg.text for b in BENIGN) else None)
            rel = target.relative_to(REPO).as_posix()
            page.goto(f"{base}/lab/tree/{rel}?token={TOKEN}&reset", wait_until="domcontentloaded")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
            page.wait_for_function("() => window.jupyterapp && document.querySelector('.jp-Notebook')", timeout=60_000)
            # the kernel starts; opening the notebook must not mark it as changed
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle'], "
                                   ".jp-Toolbar-kernelStatus", timeout=90_000)
            page.wait_for_timeout(4000)
            dirty_on_open = page.locator(".jp-mod-dirty").count()
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            deadline = time.time() + float(os.environ.get("BROWSER_TEST_TIMEOUT", "400"))
            while time.time() < deadline:
                page.wait_for_timeout(2000)
                prompts = _prompts(page)
                # run-all marks every cell [*] at once; done when none is left and the last one has a number
                # (the folded setup cell shows no prompt)
                if prompts and "[*]:" not in prompts and prompts[-1][1:-2].strip().isdigit():
                    break
            else:
                page.screenshot(path=str(ARTIFACTS / "timeout.png"))
                pytest.fail(f"Run all did not finish; prompts: {_prompts(page)}")
            page.wait_for_timeout(2000)  # widgets render after their model arrives
            figures = page.locator(".jp-OutputArea-output img").count()
            sliders = page.locator(".jupyter-widgets.widget-slider, .jupyter-widgets .widget-slider").count()
            text = page.inner_text(".jp-Notebook")
            slider = page.locator(".jupyter-widgets.widget-slider, .jupyter-widgets .widget-slider").first
            if sliders:
                slider.scroll_into_view_if_needed()
                page.mouse.wheel(0, -250)
                page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / "screenshot.png"))
            page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
            page.wait_for_timeout(2000)
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    saved = nbformat.read(target, as_version=4)
    cell_errors = [o.get("ename", "") + ": " + o.get("evalue", "")[:200] for c in saved.cells if c.cell_type == "code"
                   for o in c.get("outputs", []) if o.get("output_type") == "error"]
    report = {"notebook": NOTEBOOK, "seconds": round(time.perf_counter() - start, 1), "figures": figures,
              "sliders": sliders, "dirty_on_open": dirty_on_open, "js_errors": errors, "cell_errors": cell_errors,
              "screenshot": str(ARTIFACTS / "screenshot.png")}
    (ARTIFACTS / "report.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    assert not cell_errors, f"cells raised in the browser: {cell_errors}"
    assert figures >= 1, "no matplotlib figure rendered"
    assert sliders >= 1, "no slider rendered (ipywidgets front end missing?)"
    assert "javascript error" not in text.lower() and "Error displaying widget" not in text, "a widget failed to render"
    assert not errors, "the page logged JavaScript errors:\n" + "\n".join(errors)
    assert dirty_on_open == 0, "opening the notebook marked it as unsaved (incomplete kernel metadata?)"
