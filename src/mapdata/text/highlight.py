"""A report's text as HTML with its mentions marked; every character of the text is escaped."""

from __future__ import annotations

import html
from collections.abc import Iterable

from mapdata.text.mentions import Extraction

KIND_CLASSES = {"place": "md-place", "date": "md-date", "force": "md-force", "warning": "md-warn"}

STYLE = """
<style>
.md-report { white-space: pre-wrap; line-height: 1.7; font-size: 0.95rem; max-height: 520px; overflow-y: auto;
  border: 1px solid rgba(128,128,128,.35); border-radius: 6px; padding: .6rem .8rem;
  unicode-bidi: plaintext; text-align: start; }
.md-report mark { padding: 0 2px; border-radius: 3px; }
.md-place { background: #cfe5f7; border-bottom: 2px solid #0072B2; }
.md-date { background: #fde6c3; border-bottom: 2px solid #E69F00; }
.md-force { background: #e8d4e6; border-bottom: 2px solid #CC79A7; }
.md-warn { background: #ffd1c2; border-bottom: 2px dashed #D55E00; }
.md-legend mark { margin-right: .6rem; }
</style>
"""


def _spans(extraction: Extraction) -> list[tuple[int, int, str, str]]:
    spans: list[tuple[int, int, str, str]] = []
    for m in extraction.places:
        label = f"place: {m.name} ({m.kind}), confidence {m.confidence:.2f}"
        spans.append((m.start, m.end, "place", label))
    for d in extraction.dates:
        label = f"date: {d.date.isoformat() if d.date else 'unresolved'} ({d.precision.value})"
        if d.warning:
            label += f" — WARNING: {d.warning}"
        spans.append((d.start, d.end, "warning" if d.warning else "date", label))
    for f in extraction.forces:
        spans.append((f.start, f.end, "force", f"force: {f.force}"))
    return spans


def highlight_html(extraction: Extraction, *, limit: int = 200_000) -> str:
    """The text (up to ``limit`` characters) with places, dates and forces in ``<mark>`` elements.

    Overlapping mentions keep the earlier, longer one. Titles explain each mark. The
    text, titles and labels are all escaped, so HTML or script in a report shows as text.
    """
    text = extraction.text[:limit]
    spans = sorted((s for s in _spans(extraction) if s[1] <= len(text)), key=lambda s: (s[0], -(s[1] - s[0])))
    out = [STYLE, '<div class="md-report" dir="auto">']  # each paragraph runs in its own script's direction
    position = 0
    for start, end, kind, label in spans:
        if start < position:
            continue  # overlaps a span already marked
        out.append(html.escape(text[position:start]))
        out.append(
            f'<mark class="{KIND_CLASSES[kind]}" title="{html.escape(label, quote=True)}">{html.escape(text[start:end])}</mark>'
        )
        position = end
    out.append(html.escape(text[position:]))
    if len(extraction.text) > limit:
        out.append(html.escape(f"\n… ({len(extraction.text) - limit:,} more characters not shown)"))
    out.append("</div>")
    return "".join(out)


def legend_html(kinds: Iterable[str] = ("place", "date", "force", "warning")) -> str:
    names = {"place": "place", "date": "date", "force": "force", "warning": "date with a warning"}
    marks = "".join(f'<mark class="{KIND_CLASSES[k]}">{names[k]}</mark>' for k in kinds)
    return f'{STYLE}<div class="md-legend">{marks}</div>'
