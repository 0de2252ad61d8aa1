"""Every limit on what one input may cost, in one place.

A supervisor's folder holds damaged and hostile files next to good ones: a
file that passes a limit is refused with a :class:`ReadError` naming the
limit, and the batch goes on. The numbers are generous for real notices (a
few pages, kilobytes of text) and small enough that one file cannot exhaust
memory or time.
"""
from __future__ import annotations

import zipfile
import zlib

MB = 1024 * 1024

MAX_FILE_BYTES = 50 * MB          # size of an input file on disk
MAX_CHARS = 2_000_000             # characters of text per document, after reading
MAX_ZIP_ENTRIES = 5_000           # entries in a zip-based format (docx, ofd)
MAX_UNZIPPED_BYTES = 200 * MB     # declared uncompressed total of those entries
MAX_ZIP_RATIO = 200               # uncompressed/compressed size of one entry (above 1 MB)
RATIO_FLOOR_BYTES = 1 * MB        # entries smaller than this are never called a bomb
MAX_PAGES = 1_000                 # pages of a PDF or OFD
CONVERTER_SECONDS = 60            # a legacy .doc/.wps converter run (antiword, catdoc, LibreOffice)


class ReadError(Exception):
    """A file that cannot be read as a document; the message is the reason shown in documents.csv."""


def check_file_size(size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise ReadError(f"file too large: {size} bytes (limit {MAX_FILE_BYTES})")


def check_chars(n: int) -> None:
    if n > MAX_CHARS:
        raise ReadError(f"document too long: {n} characters (limit {MAX_CHARS})")


def check_pages(n: int, what: str) -> None:
    if n > MAX_PAGES:
        raise ReadError(f"{what} has too many pages: {n} (limit {MAX_PAGES})")


def check_zip(zf: zipfile.ZipFile, what: str) -> None:
    """Refuse a zip bomb before anything is decompressed.

    The checks read only the central directory. Declared sizes are binding:
    :mod:`zipfile` stops an entry at its declared size (and fails its CRC),
    so an entry that lies about its size cannot produce more than it declared.
    """
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ReadError(f"{what}: too many entries in the zip container: {len(infos)} (limit {MAX_ZIP_ENTRIES})"
                        " - possible zip bomb")
    total = 0
    for info in infos:
        total += info.file_size
        if total > MAX_UNZIPPED_BYTES:
            raise ReadError(f"{what}: decompressed size over {MAX_UNZIPPED_BYTES} bytes - possible zip bomb")
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise ReadError(f"{what}: entry {info.filename!r} compresses {info.file_size // max(info.compress_size, 1)}"
                            f":1 (limit {MAX_ZIP_RATIO}:1) - possible zip bomb")
        if info.flag_bits & 0x1:
            raise ReadError(f"{what}: password-protected (encrypted zip entries)")


def read_entry(zf: zipfile.ZipFile, name: str, what: str) -> bytes:
    """One entry's bytes, or a ReadError that says which entry is missing or damaged."""
    try:
        return zf.read(name)
    except KeyError:
        raise ReadError(f"{what}: damaged file: part {name!r} is missing") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError) as e:
        raise ReadError(f"{what}: damaged file: cannot decompress {name!r} ({e})") from None
