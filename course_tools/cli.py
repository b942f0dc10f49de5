"""What every ``python -m course_tools COMMAND`` main shares: its parser, its error exit, its problem report."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable

__all__ = ["parser", "fail", "report"]


def parser(command: str, description: str | None) -> argparse.ArgumentParser:
    """An argument parser named ``python -m course_tools COMMAND`` that keeps the description's line breaks."""
    return argparse.ArgumentParser(
        prog=f"python -m course_tools {command}",
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def fail(error: object) -> int:
    """Print ``error: ...`` on stderr; return the exit status of a usage or input error (2)."""
    print(f"error: {error}", file=sys.stderr)
    return 2


def report(problems: Iterable[str], fix: str = "") -> int:
    """Print each problem (and, if there were any, how to fix them); return 1 if there were any, else 0."""
    problems = list(problems)
    for line in problems:
        print(line)
    if problems and fix:
        print(fix)
    return int(bool(problems))
