"""The machine a benchmark ran on, and how repeated measurements are summarised.

Used by :mod:`course_tools.bench`.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import statistics

import torch

__all__ = ["cpu_model", "machine_info", "summarize"]


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def machine_info() -> dict:
    """What a benchmark result must say about where it ran: CPU, cores, torch threads and version, GPU, date."""
    info = {
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch_version": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    return info


def summarize(values: list[float]) -> dict:
    """Minimum, median and maximum of repeated measurements, with the values themselves."""
    return {"min": min(values), "median": statistics.median(values), "max": max(values), "values": values}
