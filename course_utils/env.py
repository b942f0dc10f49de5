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

#: Environment variable that switches the course into quick mode (set to ``1``).
QUICK_ENV_VAR = "WGAN_COURSE_QUICK"
#: Environment variable that makes notebook 08 train its image GAN from scratch on any device.
TRAIN_IMAGES_ENV_VAR = "WGAN_COURSE_TRAIN_IMAGES"
#: Environment variable that forces a device (``cpu``, ``cuda``, ``mps``).
DEVICE_ENV_VAR = "WGAN_COURSE_DEVICE"
#: Environment variable that overrides the number of CPU threads torch uses.
THREADS_ENV_VAR = "WGAN_COURSE_THREADS"

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def env_flag(name: str, on: str = "on", off: str = "off") -> bool:
    """Read an on/off environment variable: 1/true/yes/on or 0/false/no/off (unset = off).

    ``on`` and ``off`` say what the two settings mean, for the error message.
    """
    value = os.environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name}={value!r} is not understood; set it to 1 ({on}) or 0 ({off}).")


def quick_mode() -> bool:
    """True when ``WGAN_COURSE_QUICK`` is set to 1/true/yes/on.

    Quick mode shrinks training loops so that CI can execute every notebook in a
    few minutes. Notebooks choose their sizes so that every assertion holds in
    both modes.
    """
    return env_flag(QUICK_ENV_VAR, on="quick mode", off="full mode")


def pick(full: T, quick: T) -> T:
    """Return ``quick`` in quick mode and ``full`` otherwise.

    Example: ``n_steps = pick(full=2000, quick=300)``.
    """
    return quick if quick_mode() else full


def in_colab() -> bool:
    """True when running inside Google Colab."""
    return "google.colab" in sys.modules


def get_device(prefer: str | None = None) -> torch.device:
    """Pick the best available device: CUDA, then Apple MPS, then CPU.

    ``prefer`` (or the ``WGAN_COURSE_DEVICE`` environment variable) forces one;
    asking for a device that is not available raises a ``RuntimeError`` that says so.
    """
    wanted = (prefer or os.environ.get(DEVICE_ENV_VAR, "")).strip().lower()
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
    hundred). On the idle 2-core development machine, ``python -m course_utils.bench``
    measured a WGAN-GP critic step 1.6x faster with two threads than with one (3x512
    MLP, batch 256: 48.7 -> 30.5 ms; DCGAN critic, batch 64: 63.0 -> 37.9 ms). But a
    two-thread process slows down sharply as soon as the other core is busy (the
    benchmark's threads section with a spinning process on the other core: 2.3x and
    2.2x *slower* than one thread), which is the normal case in CI (two notebooks run
    in parallel) and common in Jupyter (the browser, other kernels). So machines with fewer than 4 cores use one thread (set
    ``WGAN_COURSE_THREADS=2`` on an otherwise idle 2-core machine); machines with
    4 or more cores get half of them, at most 8. ``WGAN_COURSE_THREADS`` overrides the choice.
    """
    override = os.environ.get(THREADS_ENV_VAR, "").strip()
    if override:
        if not override.isdigit() or int(override) < 1:
            raise ValueError(f"{THREADS_ENV_VAR} must be a positive integer, got {override!r}")
        return int(override)
    cores = os.cpu_count() or 1
    if cores < 4:
        return 1
    return min(8, cores // 2)


def configure_threads(n: int | None = None) -> int:
    """Set torch's CPU thread count (``n`` or :func:`default_num_threads`) and return it."""
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
            f"Quick mode  {'ON' if self.quick else 'off'} (set {QUICK_ENV_VAR}=1 to turn it on)",
            f"Colab       {'yes' if self.colab else 'no'}",
            f"Seed        {self.seed}",
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:  # readable as the last line of a notebook cell
        return self.report()


def setup(seed: int = 0, device: str | None = None, threads: int | None = None) -> Environment:
    """Configure everything a notebook needs in one call.

    Seeds all random number generators, sets the CPU thread count, and picks
    the device. Returns an :class:`Environment`; use ``env.device``.
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
