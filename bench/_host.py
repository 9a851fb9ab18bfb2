"""What the benchmarks record about the machine they ran on."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def machine() -> dict[str, str]:
    """CPU count and model, Python, platform and the 1-minute load average now."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    return {"nproc": str(os.cpu_count()), "cpu": model or platform.processor() or "unknown",
            "python": platform.python_version(), "platform": platform.platform(), "loadavg": f"{load:.1f}"}


def pin_one_core() -> str:
    """Run this process on one CPU (single-core figures); says what happened."""
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):
        return "not pinned"
