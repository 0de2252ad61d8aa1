"""What one stage found in a document's text, kept for the stages after it that read the same text.

Metadata scans the dates that the dates stage reads again, orgs reads the gazetteer's words that places
needs, and so on: the first reader keeps its result here and the next finds it, instead of a second pass.
A result is found by the text object itself (``is``, not equality), so a line or any other string read
alone never stands for a document. A batch runs each stage over all its documents before the next stage
(:meth:`extract.pipeline.Pipeline.process_batch`), so a memo keeps the last :data:`SIZE` texts: at least
a batch's worth.
"""
from __future__ import annotations

from collections import OrderedDict

SIZE = 128  # texts a memo keeps: twice the pipeline's batch (a test checks)


class TextMemo:
    __slots__ = ("_kept", "size")

    def __init__(self, size: int = SIZE):
        self._kept: OrderedDict = OrderedDict()  # id(text) -> (text, result); the text keeps its id taken
        self.size = size

    def get(self, text: str):
        """The result kept for this very text object, else None."""
        hit = self._kept.get(id(text))
        return hit[1] if hit is not None and hit[0] is text else None

    def put(self, text: str, result):
        """Keep ``result`` for ``text`` (dropping the oldest beyond :attr:`size`) and return it."""
        kept = self._kept
        kept[id(text)] = (text, result)
        while len(kept) > self.size:
            try:
                kept.popitem(last=False)  # (one call: safe when another thread keeps one at the same time)
            except KeyError:
                break
        return result

    def clear(self) -> None:
        self._kept.clear()

    def __len__(self) -> int:
        return len(self._kept)
