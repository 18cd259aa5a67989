"""What a case document may be: checked before anything is stored.

The declared type must be one Tandem keeps (``settings.DOCUMENT_CONTENT_TYPES``), the size in
bounds, and the content must be that type, not only start like it:

- a PDF is read (pypdf) and refused if it holds active content anywhere it could run from:
  JavaScript, launching a program, automatic actions, forms that submit, embedded files,
  rich media or XFA. A PDF that cannot be read (damaged, or locked with a password) is refused
  too: what cannot be inspected is not kept;
- a Word document (.docx) must be an Office Open XML word-processing package, without macros
  or ActiveX controls, not just any zip;
- plain text must be text: no NUL bytes, and no HTML (or SVG) in disguise, which a browser
  could be talked into rendering;
- a JPEG or PNG must carry its format's signature.

A refusal is a ValidationError on ``file`` saying what to do instead."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT = "text/plain"

_SIGNATURES = {
    PDF: b"%PDF",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
    DOCX: b"PK\x03\x04",
}

WRONG_TYPE = "Upload a PDF, Word (.docx), JPEG, PNG or plain text file."
NOT_ITS_TYPE = "The file's content does not match its type."
PDF_ACTIVE = (
    "The PDF holds active content (JavaScript, an automatic action, a form that sends itself "
    "or an embedded file). Save it again as a plain PDF (for example, print it to PDF) and upload that."
)
PDF_UNREADABLE = "The PDF cannot be read: it is damaged or locked with a password. Upload an unlocked copy."
DOCX_MACROS = "The Word document holds macros or ActiveX controls. Save it as a plain .docx and upload that."
TEXT_IS_HTML = "The text file holds a web page. Upload it as a PDF instead, or as plain text."

# Where a PDF keeps something that runs, or runs something, when it is opened or used.
_PDF_ACTIVE_KEYS = {"/JavaScript", "/JS", "/Launch", "/AA", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/XFA"}
_PDF_ACTIVE_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/SubmitForm",
    "/ImportData",
    "/GoToE",
    "/Rendition",
    "/RichMediaExecute",
}
# A PDF's object graph is walked to this many objects at most; a larger one is refused unread.
_PDF_MAX_OBJECTS = 200_000
# A .docx that unpacks to more than this (a zip bomb), or with this many parts, is refused.
_DOCX_MAX_UNPACKED = 200 * 1024 * 1024
_DOCX_MAX_PARTS = 5_000
_DOCX_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_HTML_IN_TEXT = re.compile(rb"<\s*(?:!doctype|html|head|body|script|iframe|frame|object|embed|svg|meta|form)\b", re.I)
_TEXT_SNIFF_BYTES = 64 * 1024


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": message})


def check_upload(upload: UploadedFile) -> str:
    """The upload's content type, once its content has passed every check for that type."""
    content_type = (upload.content_type or "").split(";")[0].strip().lower()
    if content_type not in settings.DOCUMENT_CONTENT_TYPES:
        raise _refuse(WRONG_TYPE)
    if upload.size is None or upload.size == 0:
        raise _refuse("The file is empty.")
    if upload.size > settings.DOCUMENT_MAX_BYTES:
        limit = settings.DOCUMENT_MAX_BYTES // (1024 * 1024)
        raise _refuse(f"The file is larger than {limit} MB.")
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    signature = _SIGNATURES.get(content_type)
    if signature is not None and not data.startswith(signature):
        raise _refuse(NOT_ITS_TYPE)
    if content_type == PDF:
        _check_pdf(data)
    elif content_type == DOCX:
        _check_docx(data)
    elif content_type == TEXT:
        _check_text(data)
    return content_type


def _check_text(data: bytes) -> None:
    head = data[:_TEXT_SNIFF_BYTES]
    if b"\x00" in head:
        raise _refuse(NOT_ITS_TYPE)
    if _HTML_IN_TEXT.search(head):
        raise _refuse(TEXT_IS_HTML)


def _check_docx(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts = package.infolist()
            names = {part.filename for part in parts}
            if len(parts) > _DOCX_MAX_PARTS or sum(part.file_size for part in parts) > _DOCX_MAX_UNPACKED:
                raise _refuse(NOT_ITS_TYPE)
            if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                raise _refuse(NOT_ITS_TYPE)
            content_types = package.read("[Content_Types].xml")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError):
        raise _refuse(NOT_ITS_TYPE) from None
    if _DOCX_MAIN_TYPE.encode() not in content_types:
        raise _refuse(NOT_ITS_TYPE)
    macro_parts = any(name.lower().endswith("vbaproject.bin") or name.startswith("word/activeX/") for name in names)
    if macro_parts or b"macroEnabled" in content_types:
        raise _refuse(DOCX_MACROS)


def _check_pdf(data: bytes) -> None:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise _refuse(PDF_UNREADABLE)
        for value in _pdf_objects(reader):
            if isinstance(value, DictionaryObject) and _is_active(value):
                raise _refuse(PDF_ACTIVE)
    except ValidationError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError):
        raise _refuse(PDF_UNREADABLE) from None


def _is_active(dictionary: DictionaryObject) -> bool:
    if any(key in _PDF_ACTIVE_KEYS for key in dictionary):
        return True
    action = dictionary.get("/S")
    return isinstance(action, NameObject) and action in _PDF_ACTIVE_ACTIONS


def _pdf_objects(reader: PdfReader) -> Iterator[Any]:
    """Every object reachable from the document's trailer (its catalog, pages, annotations,
    names, outlines, info...), each once, without recursion."""
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [reader.trailer]
    visited = 0
    while stack:
        value = stack.pop()
        if isinstance(value, IndirectObject):
            key = (value.idnum, value.generation)
            if key in seen:
                continue
            seen.add(key)
            value = value.get_object()
        visited += 1
        if visited > _PDF_MAX_OBJECTS:
            raise PdfReadError("too many objects to inspect")
        yield value
        if isinstance(value, DictionaryObject):
            stack.extend(value.values())
        elif isinstance(value, ArrayObject):
            stack.extend(value)
