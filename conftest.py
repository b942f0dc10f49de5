"""pytest configuration shared by the unit tests and the nbval notebook run.

Notebook kernels inherit this process's environment, so the settings below reach
them: a non-interactive matplotlib backend, and quick mode unless the caller chose.
nbval runs with ``--nbval-lax``: notebooks are stored without outputs, so only
errors fail a cell. Progress bars and warnings written to stderr are not errors
and do not fail a run; an exception in any cell does.
"""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("WGAN_COURSE_QUICK", "1")
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")

_notebook_seconds: dict[str, float] = {}


def pytest_runtest_logreport(report):
    """Add up the cell times of each notebook (nbval items are ``notebooks/NN_name.ipynb::Cell K``)."""
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _notebook_seconds[path] = _notebook_seconds.get(path, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter):
    """One line per notebook: the seconds its cells took (kernel start not included)."""
    if not _notebook_seconds:
        return
    mode = "quick" if os.environ.get("WGAN_COURSE_QUICK", "1") != "0" else "full"
    terminalreporter.write_sep("=", f"notebook times ({mode} mode, seconds of cell execution)")
    for path, seconds in sorted(_notebook_seconds.items()):
        terminalreporter.write_line(f"{seconds:7.1f}  {path}")
    terminalreporter.write_line(f"{sum(_notebook_seconds.values()):7.1f}  in all")
