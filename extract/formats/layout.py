"""From positioned text on pages (PDF, OFD) back to paragraphs.

A fixed-layout page breaks every paragraph into visual lines. The text
needs them whole again ("2025年11" + "月5日" is no date), so a line is
joined to the next when it runs to the right margin and the next starts at
the left margin, close below it (not indented, not after a paragraph gap,
not opening a heading or list item). The same test joins the last line of
a page to the first of the next, with page numbers and running headers
dropped in between. Pieces of text on one visual row are put together in
reading order; pieces far apart on a row (table cells, a label and its
value) are joined with `` | ``, the cell separator the table detector reads.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable

import regex

# a row that opens a new block even right after a full line
_NEW_BLOCK = regex.compile(
    r"^(?:[一二三四五六七八九十]{1,3}[、．.]|[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}[、．.](?!\d)|[①-⑳]"
    r"|第[一二三四五六七八九十\d]{1,3}[章节条部分]|附件|[-—•·★▲◆■●])")
_ALNUM_END = regex.compile(r"[A-Za-z0-9]$")
_ALNUM_START = regex.compile(r"^[A-Za-z0-9]")

CELL_GAP = 2.0      # a horizontal gap of this many character sizes separates cells
SPACE_GAP = 0.3     # a gap of this many sizes between Latin letters or digits is a space
FULL_SLACK = 1.6    # a line ending within this many sizes of the right margin is full
INDENT_SLACK = 0.6  # a line starting within this many sizes of the left margin is not indented
LINE_GAP = 1.2      # rows further apart than this many sizes (bottom to top) are separate paragraphs
BLANK_GAP = 1.8     # ... and further than this leave a blank line between them
MARGIN_SLACK = 3.0  # full lines end within this many sizes of the mirror of the left margin


@dataclass
class Frag:
    """A piece of text on a page: its box (y grows downwards) and its character size."""

    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    text: str


@dataclass
class Row(Frag):
    """A visual row: fragments joined left to right, with how many cells it spans."""

    cells: int = 1
    space_after: bool = False  # the row's text ended with a space (a Latin word wrapped here)


def rows_of(frags: Iterable[Frag]) -> list[Row]:
    """Group a page's fragments into visual rows, top to bottom, each read left to right."""
    frags = sorted((f for f in frags if f.text.strip()), key=lambda f: (f.top, f.x0))
    groups: list[list[Frag]] = []
    for f in frags:
        mid = (f.top + f.bottom) / 2
        g = groups[-1] if groups else None
        if g is not None:
            top = min(x.top for x in g[-3:])
            bottom = max(x.bottom for x in g[-3:])
            if top <= mid <= bottom:
                g.append(f)
                continue
        groups.append([f])
    rows = []
    for g in groups:
        g.sort(key=lambda f: f.x0)
        parts: list[str] = []
        cells = 1
        prev = None
        for f in g:
            text = f.text.strip() if prev is None else f.text.rstrip()
            if not text:
                continue
            if prev is not None:
                gap = f.x0 - prev.x1
                size = max(prev.size, f.size, 1e-6)
                if gap > CELL_GAP * size:
                    parts.append(" | ")
                    cells += 1
                    text = text.lstrip()
                elif gap > SPACE_GAP * size and _ALNUM_END.search(parts[-1]) and _ALNUM_START.search(text):
                    parts.append(" ")
            parts.append(text)
            prev = f
        sizes = sorted(f.size for f in g)
        rows.append(Row(g[0].x0, max(f.x1 for f in g), min(f.top for f in g), max(f.bottom for f in g),
                        sizes[len(sizes) // 2], "".join(parts).strip(), cells, g[-1].text[-1:].isspace()))
    return [r for r in rows if r.text]


def _margins(pages: list[list[Row]]) -> tuple[float, float]:
    """The body's left margin (where most lines start) and right margin (where full lines end)."""
    rows = [r for page in pages for r in page if r.cells == 1]
    if not rows:
        return 0.0, 0.0
    starts = Counter(round(r.x0) for r in rows)
    # the most common start, favouring the leftmost of near-ties (continuation lines start there)
    best = max(starts.values())
    left = min(x for x, n in starts.items() if n >= 0.6 * best)
    ends = sorted((r.x1 for r in rows), reverse=True)
    right = ends[min(len(ends) - 1, max(1, len(ends) // 5))] if len(ends) > 2 else ends[0]
    return float(left), float(right)


def _repeated(pages: list[list[Row]]) -> set[str]:
    """Running headers and footers: the same first or last row on most pages."""
    if len(pages) < 3:
        return set()
    seen = Counter()
    for page in pages:
        ends = {page[0].text, page[-1].text} if page else set()
        seen.update(ends)
    return {t for t, n in seen.items() if n > len(pages) / 2}


def reflow(pages: list[list[Frag]], page_number: Callable[[str], bool] | None = None,
           width: float | None = None) -> str:
    """Paragraph text from the fragments of each page, in page order.

    ``width`` is the page width: lines count as full only when they end
    about as far from the right edge as the text starts from the left one
    (a page of one-line paragraphs has no full lines, however alike they are).
    """
    rowed = [rows_of(p) for p in pages]
    drop = _repeated(rowed)
    if page_number is not None or drop:
        rowed = [[r for i, r in enumerate(p)
                  if r.text not in drop and not ((i == 0 or i == len(p) - 1) and page_number and page_number(r.text))]
                 for p in rowed]
    left, right = _margins(rowed)
    body = [r for p in rowed for r in p if r.cells == 1]
    if sum(1 for r in body if r.x1 >= right - FULL_SLACK * r.size) < 2:
        right = float("inf")  # no margin that two lines reach: nothing is known to be full
    elif width and body:
        starts = sorted(r.x0 for r in body)
        sizes = sorted(r.size for r in body)
        leftmost, size = starts[len(starts) // 20], sizes[len(sizes) // 2]
        if right < width - leftmost - MARGIN_SLACK * size:
            right = float("inf")  # the lines stop well short of the right margin
    out: list[str] = []
    prev: Row | None = None
    for page in rowed:
        for i, r in enumerate(page):
            if prev is not None:
                same_page = i > 0
                gap = r.top - prev.bottom if same_page else 0.0
                size = max(prev.size, 1e-6)
                if _joins(prev, r, left, right, same_page, gap):
                    sep = " " if prev.space_after and _ALNUM_END.search(out[-1]) and _ALNUM_START.search(r.text) else ""
                    out[-1] += sep + r.text
                    prev = r
                    continue
                if same_page and gap > BLANK_GAP * size:
                    out.append("")
            out.append(r.text)
            prev = r
    return "\n".join(out).strip("\n") + "\n" if out else ""


def _joins(a: Row, b: Row, left: float, right: float, same_page: bool, gap: float) -> bool:
    if a.cells > 1 or b.cells > 1:
        return False
    if a.x1 < right - FULL_SLACK * a.size:
        return False
    if b.x0 > left + INDENT_SLACK * b.size:
        return False
    if same_page and gap > LINE_GAP * a.size:
        return False
    return not _NEW_BLOCK.match(b.text)
