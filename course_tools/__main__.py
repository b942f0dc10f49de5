"""``python -m course_tools student|nb|bench|grade ...``: the toolkit's one command-line home."""

from __future__ import annotations

import importlib
import sys

from . import COMMANDS

__all__ = ["main", "load"]

USAGE = """usage: python -m course_tools COMMAND [ARGS...]

commands:
  student   generate the student notebooks from the masters (--check: list stale ones)
  nb        notebook tools: normalize | check PATHS (authoring helpers for maintainers)
  bench     benchmarks of the course's training code (--quick for about a minute)
  grade     grade a folder of submitted notebooks (one folder per student)
  contract  rewrite docs/CONTRACT.md's section written from the exercise registry (--check: stale?)

Each command has its own --help, e.g. python -m course_tools student --help
"""

def load(command: str):
    """The ``main(argv)`` function of ``command`` (imported now, not before)."""
    module, function = COMMANDS[command]
    return getattr(importlib.import_module(module), function)


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the subcommand's ``main``; returns its exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"python -m course_tools: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
        return 2
    return int(load(command)(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
