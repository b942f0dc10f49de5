"""Moved to :mod:`course_tools.nb`; ``python -m tools.nbtools normalize|check ...`` still works.

Use ``python -m course_tools nb normalize|check ...`` and ``from course_tools.nb import ...``.
"""

import sys

from course_tools.nb import *  # noqa: F403
from course_tools.nb import main

if __name__ == "__main__":
    sys.exit(main())
