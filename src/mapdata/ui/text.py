"""User text in Streamlit widget labels: shown as text, read out as text.

A label (checkbox, button, expander, tab…) renders Markdown, images and links included, so a
name must be escaped; but Streamlit also puts the label, escapes and all, in the widget's
``aria-label``, so a screen reader would read every backslash that :func:`mapdata.ui.plain`
adds ("Syrian regime forces \\(Assad\\)"). :func:`label` escapes only what can start Markdown
here: with ``[`` and ``]`` escaped no link or image can form, so ``(`` and ``)`` stay as they
are, and ``.``, ``-`` and ``+`` only matter at the start of a line (a list).
"""

from __future__ import annotations

import re

_INLINE = set("\\`*_{}[]<>#|~$:!&=")
_LINE_START = re.compile(r"^(\s*)(\d+)([.)])|^(\s*)([-+])", re.MULTILINE)


def label(text: str) -> str:
    """``text`` for a widget label: Markdown-escaped, with as few backslashes as that needs."""
    escaped = "".join("\\" + ch if ch in _INLINE else ch for ch in text)

    def line_start(match: re.Match[str]) -> str:
        if match.group(2) is not None:  # "1." or "1)" would start a numbered list
            return f"{match.group(1)}{match.group(2)}\\{match.group(3)}"
        return f"{match.group(4)}\\{match.group(5)}"  # "-" or "+" would start a list

    return _LINE_START.sub(line_start, escaped)


__all__ = ["label"]
