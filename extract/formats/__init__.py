"""Format readers: each turns one kind of file into plain text plus page metadata.

``sniff`` decides the format from the bytes (the extension only breaks ties),
``limits`` holds every size limit in one place, and each reader module
(``docx``, ``pdf``, ``html``, ``ofd``, ``legacy``) exposes
``read(data: bytes, ...) -> (text, meta)`` raising :class:`ReadError` with a
reason a supervisor understands.
"""
import logging

from .limits import ReadError

# The libraries report damaged input on their loggers; the reason reaches
# documents.csv through ReadError, so by default nothing is printed (an
# application that configures logging still sees these records).
for _name in ("trafilatura", "htmldate", "courlan", "pdfminer", "docx"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

__all__ = ["ReadError"]
