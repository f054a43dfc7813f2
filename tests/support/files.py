"""Real files for uploads: a valid one-page PDF and minimal Office documents."""

from __future__ import annotations

import io
import re
import secrets
import zipfile

from werkzeug.datastructures import FileStorage

# A complete, valid one-page PDF (what WeasyPrint or a scanner would produce, in miniature).
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def unique_pdf() -> bytes:
    """A valid PDF no other test stores: files are kept under their content's sha256, shared by equal files."""
    return PDF_BYTES + f"% {secrets.token_hex(8)}\n".encode()


def office_bytes(kind: str) -> bytes:
    """A minimal Office Open XML package: a Word document or an Excel workbook."""
    main = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr(main, "<document/>")
    return buffer.getvalue()


def upload(filename: str = "endorsement.pdf", data: bytes = PDF_BYTES) -> FileStorage:
    """A file as a form upload carries it."""
    return FileStorage(stream=io.BytesIO(data), filename=filename)


# File names a browser (or a script) may send, and what a stored name must never contain.
HOSTILE_FILE_NAMES = [
    "../../../../etc/passwd.pdf",
    "/etc/passwd.pdf",
    "..\\..\\windows\\system32\\drivers\\etc\\hosts.pdf",
    "C:\\Users\\officer\\Desktop\\letter.pdf",
    "\u202efdp.exe.pdf",  # a right-to-left override that would make the name read backwards
    "letter\x00.exe.pdf",
    "new\r\nline.pdf",
    'quote" and ; semicolon.pdf',
    "<img src=x onerror=alert(1)>.pdf",
    "%2e%2e%2f%2e%2e%2fpasswd.pdf",
    "...pdf",
    " .pdf",
    "résumé «final» – 2026.pdf",
    "a" * 300 + ".pdf",
]
UNSAFE_IN_NAME = re.compile(r"[/\\\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069<>:\"|?*]")
