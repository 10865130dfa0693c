"""MkDocs hook: pages generated when the site is built, so they cannot drift from their source.

- ``cli.md`` holds a marker that becomes the command-line reference, generated from the ``stoprace``
  argument parsers (:mod:`stoprace.sim.cli.reference`);
- ``index.md`` holds a marker that becomes the README, its links made relative to ``docs/``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from stoprace.sim.cli.reference import MARKER, reference_markdown

README_MARKER = "<!-- stoprace readme -->"
ROOT = Path(__file__).resolve().parents[2]


def readme_for_site(text: str) -> str:
    """The README with its links as seen from ``docs/``: ``docs/x.md`` is ``x.md``; files outside the
    documentation (the license) are named, not linked."""
    text = re.sub(r"\]\(docs/", "](", text)
    return re.sub(r"\[([^\]]+)\]\((?!https?://)([^)]*)\)", _outside, text)


def _outside(match: re.Match[str]) -> str:
    target = match.group(2).split("#")[0]
    if target and not (ROOT / "docs" / target).exists():
        return f"`{match.group(1)}`"
    return match.group(0)


def on_page_markdown(markdown: str, **_: Any) -> str:
    if MARKER in markdown:
        markdown = markdown.replace(MARKER, reference_markdown())
    if README_MARKER in markdown:
        markdown = markdown.replace(README_MARKER, readme_for_site((ROOT / "README.md").read_text()))
    return markdown
