"""Runtime environment: device choice, seeding, quick mode, Colab detection, CPU threads.

Every notebook starts with :func:`setup`, which does all of this in one call and
returns the device to use.
"""

from __future__ import annotations

import os
import platform
import random
import sys
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import torch

from . import settings

__all__ = [
    "QUICK_ENV_VAR", "DEVICE_ENV_VAR", "THREADS_ENV_VAR", "env_flag", "quick_mode", "pick",
    "in_colab", "get_device", "seed_everything", "default_num_threads", "configure_threads", "Environment", "setup",
]

#: The settings this module reads (names and parsing live in :mod:`course_utils.settings`).
QUICK_ENV_VAR = settings.QUICK
DEVICE_ENV_VAR = settings.DEVICE
THREADS_ENV_VAR = settings.THREADS

T = TypeVar("T")


def env_flag(name: str, on: str = "on", off: str = "off") -> bool:
    """Read an on/off course setting strictly (see :func:`course_utils.settings.read`); unset = its default.

    ``on`` and ``off`` are kept for old callers; the words in the error come from the settings table.
    Not called in a notebook.
    """
    return settings.flag(name)


def quick_mode() -> bool:
    """True when ``WGAN_COURSE_QUICK`` is set to 1/true/yes/on.

    Quick mode shrinks training loops so that CI can execute every notebook in a
    few minutes. Notebooks choose their sizes so that every assertion holds in
    both modes.
    Not called in a notebook.
    """
    return settings.flag(QUICK_ENV_VAR)


def pick(full: T, quick: T) -> T:
    """Return ``quick`` in quick mode and ``full`` otherwise.

    Example: ``n_steps = pick(full=2000, quick=300)``.

    Used in notebooks 00, 01, 02, 03, 05, 06, 07, 08 and 09.
    """
    return quick if quick_mode() else full


def in_colab() -> bool:
    """True when running inside Google Colab. Not called in a notebook."""
    return "google.colab" in sys.modules


def get_device(prefer: str | None = None) -> torch.device:
    """Pick the best available device: CUDA, then Apple MPS, then CPU.

    ``prefer`` (or the ``WGAN_COURSE_DEVICE`` environment variable) forces one;
    asking for a device that is not available raises a ``RuntimeError`` that says so.
    Not called in a notebook.
    """
    wanted = (prefer or settings.read(DEVICE_ENV_VAR) or "").strip().lower()
    if wanted:
        if wanted not in {"cpu", "cuda", "mps"} and not wanted.startswith("cuda:"):
            raise ValueError(f"Unknown device {wanted!r}; use 'cpu', 'cuda', 'cuda:N' or 'mps'.")
        if wanted.startswith("cuda") and not torch.cuda.is_available():
            raise RuntimeError(
                f"Device {wanted!r} was requested but CUDA is not available. "
                f"Unset {DEVICE_ENV_VAR} or choose 'cpu'."
            )
        if wanted == "mps" and not _mps_available():
            raise RuntimeError("Device 'mps' was requested but Apple MPS is not available; use 'cpu'.")
        return torch.device(wanted)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python's ``random``, NumPy and torch (CPU and all GPUs) in one call.

    Returns a CPU ``torch.Generator`` seeded with the same value, for code that
    wants its own stream of random numbers.

    Used in notebook 09.
    """
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return torch.Generator().manual_seed(seed)


def default_num_threads() -> int:
    """Threads for torch on the CPU.

    The course's models are small (a few hundred units wide, batches of a few
    hundred). On the idle 2-core development machine, ``python -m course_tools bench``
    measured a WGAN-GP critic step 1.6x faster with two threads than with one (3x512
    MLP, batch 256: 48.7 -> 30.5 ms; DCGAN critic, batch 64: 63.0 -> 37.9 ms). But a
    two-thread process slows down sharply as soon as the other core is busy (the
    benchmark's threads section with a spinning process on the other core: 2.3x and
    2.2x *slower* than one thread), which is the normal case in CI (two notebooks run
    in parallel) and common in Jupyter (the browser, other kernels). So machines with fewer than 4 cores use one thread (set
    ``WGAN_COURSE_THREADS=2`` on an otherwise idle 2-core machine); machines with
    4 or more cores get half of them, at most 8. ``WGAN_COURSE_THREADS`` overrides the choice.
    Not called in a notebook.
    """
    override = settings.read(THREADS_ENV_VAR)
    if override is not None:
        return override
    cores = os.cpu_count() or 1
    if cores < 4:
        return 1
    return min(8, cores // 2)


def configure_threads(n: int | None = None) -> int:
    """Set torch's CPU thread count (``n`` or :func:`default_num_threads`) and return it. Not called in a notebook."""
    n = default_num_threads() if n is None else n
    torch.set_num_threads(n)
    return n


@dataclass(frozen=True)
class Environment:
    """What :func:`setup` found and chose."""

    device: torch.device
    seed: int
    quick: bool
    colab: bool
    threads: int

    def report(self) -> str:
        """A short, human-readable report of versions and settings."""
        lines = [
            f"Python      {platform.python_version()} ({platform.system()} {platform.machine()})",
            f"PyTorch     {torch.__version__}",
            f"NumPy       {np.__version__}",
            f"Device      {self.device}" + (f" ({torch.cuda.get_device_name(self.device)})" if self.device.type == "cuda" else ""),
            f"CPU threads {self.threads} of {os.cpu_count()} cores",
            "Quick mode  " + (f"ON ({QUICK_ENV_VAR}=1: shorter training, fixed figures instead of sliders; "
                               f"unset it for the full course)" if self.quick
                               else f"off (set {QUICK_ENV_VAR}=1 for shorter runs)"),
            f"Colab       {'yes' if self.colab else 'no'}",
            f"Seed        {self.seed}",
        ]
        lines += [f"Warning     {name} is set but is no course setting (a typo?); known: "
                  f"{', '.join(settings.SETTINGS)}" for name in settings.unknown()]
        return "\n".join(lines)

    def __repr__(self) -> str:  # readable as the last line of a notebook cell
        return self.report()


def setup(seed: int = 0, device: str | None = None, threads: int | None = None) -> Environment:
    """Configure everything a notebook needs in one call.

    Seeds all random number generators, sets the CPU thread count, and picks
    the device. Returns an :class:`Environment`; use ``env.device``.

    Used in every notebook.
    Used in notebooks 00, 01, 02, 03, 04, 05, 06, 07, 08 and 09.
    """
    seed_everything(seed)
    n_threads = configure_threads(threads)
    return Environment(
        device=get_device(device),
        seed=seed,
        quick=quick_mode(),
        colab=in_colab(),
        threads=n_threads,
    )
