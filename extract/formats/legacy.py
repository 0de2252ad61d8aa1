"""Legacy Word ``.doc`` and WPS ``.wps`` (OLE2 compound files), and RTF, through a converter.

No maintained pure-Python library reads the Word 97 binary format, so the
text comes from a converter on PATH, tried in this order: ``antiword``
(Word 97-2003, writes UTF-8), ``catdoc`` (also reads older Word and WPS
files), LibreOffice (``soffice --headless --convert-to txt``, reads
everything including RTF). Each run has a time limit. With none installed
the file gets a clear error naming what to install. An OLE2 file that holds
an encrypted Office package is a password-protected docx, refused as such.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .limits import CONVERTER_SECONDS, ReadError

INSTALL_HINT = "install antiword or catdoc (Debian: apt-get install antiword catdoc) or LibreOffice"


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def ole_kind(data: bytes) -> str:
    """What an OLE2 compound file holds, from the stream names in its directory (no parsing needed)."""
    if _utf16("EncryptedPackage") in data or _utf16("EncryptionInfo") in data:
        return "encrypted"
    if _utf16("WordDocument") in data:
        return "doc"
    if _utf16("Workbook") in data or _utf16("Book") in data:
        return "xls"
    if _utf16("PowerPoint Document") in data:
        return "ppt"
    return "unknown"


def _converters(kind: str) -> list[tuple[str, list[str]]]:
    out = []
    if kind != "rtf":
        if shutil.which("antiword"):
            out.append(("antiword", ["antiword", "-m", "UTF-8.txt", "-w", "0", "{src}"]))
        if shutil.which("catdoc"):
            out.append(("catdoc", ["catdoc", "-d", "utf-8", "-w", "{src}"]))
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office:
        out.append(("libreoffice", [office, "--headless", "--norestore", "--convert-to", "txt:Text (encoded):UTF8",
                                    "--outdir", "{out}", "{src}"]))
    return out


def read(data: bytes, kind: str, suffix: str = "") -> tuple[str, dict]:
    if kind == "ole":
        what = ole_kind(data)
        if what == "encrypted":
            raise ReadError("password-protected Office document (encrypted docx)")
        if what == "xls":
            raise ReadError("unsupported format (Excel spreadsheet, xls)")
        if what == "ppt":
            raise ReadError("unsupported format (PowerPoint presentation, ppt)")
        if what == "unknown":
            raise ReadError("unsupported format (OLE2 compound file that holds no Word document)")
    label = "RTF" if kind == "rtf" else ("WPS" if suffix.lower() == ".wps" else "Word 97-2003 .doc")
    converters = _converters(kind)
    if not converters:
        raise ReadError(f"{label} file needs a converter: {INSTALL_HINT}")
    errors = []
    with tempfile.TemporaryDirectory(prefix="zhenggai-") as tmp:
        src = Path(tmp) / ("input" + (".rtf" if kind == "rtf" else (suffix.lower() or ".doc")))
        src.write_bytes(data)
        out_dir = Path(tmp) / "out"
        out_dir.mkdir()
        for name, argv in converters:
            cmd = [a.replace("{src}", str(src)).replace("{out}", str(out_dir)) for a in argv]
            try:
                proc = subprocess.run(cmd, capture_output=True, timeout=CONVERTER_SECONDS, check=False,
                                      env={**os.environ, "HOME": tmp}, stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                errors.append(f"{name}: took over {CONVERTER_SECONDS} s")
                continue
            except OSError as e:
                errors.append(f"{name}: {e}")
                continue
            if name == "libreoffice":
                produced = list(out_dir.glob("*.txt"))
                raw = produced[0].read_bytes() if produced else b""
            else:
                raw = proc.stdout
            text = raw.decode("utf-8", errors="replace").replace("\x0c", "\n")
            if proc.returncode == 0 and text.strip():
                return text, {"format": "rtf" if kind == "rtf" else (suffix.lower().lstrip(".") or "doc"),
                              "converter": name}
            msg = (proc.stderr or b"").decode("utf-8", "replace").replace(str(src), "the file").strip().splitlines()
            errors.append(f"{name}: {msg[-1][:160] if msg else 'no text (exit ' + str(proc.returncode) + ')'}")
    if any("encrypt" in e.lower() or "password" in e.lower() for e in errors):
        raise ReadError(f"password-protected {label} file")
    raise ReadError(f"cannot convert {label} file: " + "; ".join(errors))
