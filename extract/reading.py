"""Reading input files: which files, which format, which encoding.

Every file handed to a run comes back as a result, never silently skipped:
text we can read, or an error with a reason a supervisor understands.
"""
from __future__ import annotations

import codecs
import os
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

TEXT_SUFFIXES = {".txt", ".text"}
MAX_BYTES = 50 * 1024 * 1024  # a notice is kilobytes; 50 MB of text is not a notice


class ReadError(Exception):
    """A file that cannot be read as a document; the message is the reason shown in documents.csv."""


@dataclass
class Source:
    path: str
    text: str
    encoding: str
    size: int


def iter_inputs(paths: list[str]) -> list[Path]:
    """Every file under the given paths (folders recursively), sorted, hidden files left out."""
    out: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                out.extend(Path(root) / f for f in sorted(files) if not f.startswith("."))
        else:
            out.append(path)
    return out


_BOMS = [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]


def decode(data: bytes) -> tuple[str, str]:
    """Bytes to text: BOMs first, then strict UTF-8, then the detector's best guess.

    Undecodable bytes never raise: the last resort replaces them with U+FFFD.
    """
    if not data:
        raise ReadError("empty file")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc, errors="replace"), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096]:
        # UTF-16 without a BOM shows as every other byte zero in ASCII-range text
        zeros_odd = data[1:4096:2].count(0)
        zeros_even = data[0:4096:2].count(0)
        if max(zeros_odd, zeros_even) > 0.3 * min(len(data), 4096) / 2:
            enc = "utf-16-le" if zeros_odd >= zeros_even else "utf-16-be"
            return data.decode(enc, errors="replace"), enc
        raise ReadError("binary file, not text")
    best = from_bytes(data[:200_000]).best()
    enc = best.encoding if best else "gb18030"
    if enc in ("gb2312", "gbk", "hz"):  # gb18030 is the superset every Chinese web page decodes with
        enc = "gb18030"
    text = data.decode(enc, errors="replace")
    bad = text.count("\ufffd")
    if bad > max(8, len(text) // 20):
        raise ReadError(f"undecodable text: {bad} bytes invalid as {enc}")
    return text, enc


def read_source(path: Path) -> Source:
    if not path.exists():
        raise ReadError("no such file")
    if not path.is_file():
        raise ReadError("not a regular file")
    if path.suffix.lower() not in TEXT_SUFFIXES:
        raise ReadError(f"unsupported format ({path.suffix or 'no extension'})")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ReadError(f"file too large: {size} bytes (limit {MAX_BYTES})")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ReadError(f"cannot read: {e.strerror or e}") from None
    text, enc = decode(data)
    if not text.strip():
        raise ReadError("empty file (whitespace only)")
    if _looks_binary(text):
        raise ReadError("binary file, not text")
    return Source(str(path), text, enc, size)


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    ctrl = sum(1 for c in sample if (ord(c) < 32 and c not in "\n\r\t\f\v") or c == "\ufffd")
    return ctrl > max(4, len(sample) // 10)
