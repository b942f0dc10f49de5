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
