"""Moved to :mod:`course_tools.student` (issue 12). This alias exists only for ``course_utils.grade``,
which moves to ``course_tools.grading``; delete this file together with ``grade.py``.
"""

from course_tools.student import *  # noqa: F403
from course_tools.student import replace_regions
from course_utils.stubs import BEGIN_SOLUTION, END_SOLUTION  # noqa: F401

_replace_regions = replace_regions
