"""Generated blocks in hand-written pages: the text between a start and an end marker, rewritten by the command
that produces it (the configuration table, the backup drill's output, `make bench`'s table)."""

from __future__ import annotations


def replace_between(text: str, start: str, end: str, block: str) -> str:
    """``text`` with what stands between ``start`` and ``end`` replaced by ``block`` (the markers kept).

    Each marker must appear once, start before end: ValueError otherwise, so a page never gets a block twice.
    """
    if text.count(start) != 1 or text.count(end) != 1 or text.index(start) > text.index(end):
        raise ValueError(f"the markers must stand once each, in order:\n{start}\n{end}")
    before, rest = text.split(start)
    _old, after = rest.split(end)
    return f"{before}{start}{block}{end}{after}"
