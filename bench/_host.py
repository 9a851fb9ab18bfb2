"""What the benchmarks record about the machine they ran on."""

from __future__ import annotations

import os
import platform
import re
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
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model or platform.processor() or "unknown",
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg": f"{load:.1f}",
    }


def pin_one_core() -> str:
    """Run this process on one CPU (single-core figures); says what happened."""
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):
        return "not pinned"


def write_section(section: str, *, heading: str, path: Path) -> None:
    """Replace (or add) the section under ``heading`` of a Markdown file, keeping the other sections."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section.rstrip("\n") + "\n\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def save(section: str, *, heading: str, path: Path, root: Path, write: bool) -> int:
    """Write the section into ``path`` (unless ``write`` is false) and say so; the benchmark's exit code."""
    if write:
        write_section(section, heading=heading, path=path)
        print(f"written to {path.relative_to(root)}")
    return 0
