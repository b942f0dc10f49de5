"""The contract between a master notebook and its student version: markers, stubs, unfinished exercises.

A master notebook's solution cell holds the answer between the two solution markers; the
student version (made by ``python -m course_tools student``) replaces that region by
:func:`code_stub`, a line that raises ``NotImplementedError``. The student version also wraps
each autograded test cell in :func:`unfinished_ok`, so that *Run all* reaches the end of an
untouched notebook in every frontend (Colab ignores JupyterLab's ``raises-exception`` tag):
an unfinished exercise is reported in plain words, any other failure still raises. The masters
keep strict test cells, and nbgrader and the grader run those, so an unattempted exercise
still scores zero.

Used in every student notebook with an exercise (03, 05, 06, 07, 08, 09). Torch-free.
"""

from __future__ import annotations

import re
import sys
from types import CodeType, TracebackType

__all__ = [
    "BEGIN_SOLUTION", "END_SOLUTION", "BEGIN_HIDDEN", "END_HIDDEN", "TEXT_STUB", "STUB_SENTINEL",
    "code_stub", "is_stub", "unfinished_ok", "unfinished_wrapper",
]

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
#: What a markdown answer region becomes in the student version (nbgrader's text).
TEXT_STUB = "YOUR ANSWER HERE"
#: The words every stub's error message contains (compared in lower case, so nbgrader's
#: "Replace this line ..." stub from ``nbgrader_config.py`` is recognised too).
STUB_SENTINEL = "replace this line with your code"

_NAME_IN_MESSAGE = re.compile(r"Exercise `([^`]+)`")


def code_stub(name: str | None) -> list[str]:
    """The lines that replace a solution region in a code cell (before indentation). Not called in a notebook."""
    what = f"`{name}`" if name else "this exercise"
    return [
        "# YOUR CODE HERE",
        f'raise NotImplementedError("Exercise {what}: replace this line with your code. '
        f'The hint below this cell helps.")',
    ]


def unfinished_wrapper(name: str, source: str) -> str:
    """``source`` (a test cell of exercise ``name``) wrapped in :func:`unfinished_ok`. Not called in a notebook."""
    body = "\n".join(("    " + line) if line.strip() else line for line in source.split("\n"))
    return (f"# An unfinished exercise is reported here instead of stopping 'Run all'; other failures still show.\n"
            f"from course_utils.stubs import unfinished_ok\n\n"
            f"with unfinished_ok(\"{name}\"):\n{body}")


def _consts_mention_stub(code: CodeType) -> bool:
    for const in code.co_consts:
        if isinstance(const, str) and STUB_SENTINEL in const.lower():
            return True
        if isinstance(const, CodeType) and _consts_mention_stub(const):
            return True
    return False


def is_stub(obj: object) -> bool:
    """True when ``obj`` is a function that still contains the student version's stub line. Not called in a notebook."""
    seen = 0
    while obj is not None and seen < 10:
        code = getattr(obj, "__code__", None)
        if isinstance(code, CodeType) and _consts_mention_stub(code):
            return True
        obj = getattr(obj, "__wrapped__", None)
        seen += 1
    return False


def _stub_message(exc: BaseException) -> str | None:
    """The stub's message when ``exc`` (or an exception it was raised from) comes from a stub."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if STUB_SENTINEL in str(exc).lower():
            return str(exc)
        exc = exc.__cause__ or exc.__context__
    return None


class _Unfinished:
    def __init__(self, name: str, namespace: dict) -> None:
        self.name = name
        self.namespace = namespace
        self.skipped = False

    def __enter__(self) -> _Unfinished:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        if exc is None or not isinstance(exc, Exception):
            return False  # success, or KeyboardInterrupt / SystemExit: not ours to swallow
        message = _stub_message(exc)
        if message is None and not is_stub(self.namespace.get(self.name)):
            return False  # a real failure: show it
        match = _NAME_IN_MESSAGE.search(message or "")
        which = match.group(1) if match else self.name
        self.skipped = True
        print(f"NOT FINISHED: exercise `{which}` still has its placeholder line "
              f"(raise NotImplementedError), so the tests of `{self.name}` were skipped.\n"
              f"To do: write your code in the cell of `{which}` (replace that line), run that cell, "
              f"then run this cell again.")
        return True


def unfinished_ok(name: str) -> _Unfinished:
    """A ``with`` block for a student test cell: an unfinished exercise is reported, not raised.

    Swallows an exception only when it comes from a stub (its message, or the message of the
    exception it was raised from, is the stub's) or when the function ``name`` in the caller's
    namespace still contains the stub line; prints what to do. Any other exception propagates.
    Used in the test cells of the student notebooks.
    Not called in a notebook.
    """
    namespace = sys._getframe(1).f_globals
    return _Unfinished(name, namespace)
