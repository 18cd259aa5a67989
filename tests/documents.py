"""Files for upload tests, built here rather than kept as opaque blobs: a readable PDF and a
real Word package, and the same with the active content an upload must refuse."""

from __future__ import annotations

import io
import zipfile

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="word/document.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
_DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>Strategy discussion notes</w:t></w:r></w:p></w:body></w:document>"
)


def pdf_bytes(*, open_action: DictionaryObject | None = None, annotation: DictionaryObject | None = None) -> bytes:
    """A one-page PDF that any reader opens; with ``open_action`` run on opening, or an
    ``annotation`` on its page."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    if open_action is not None:
        writer._root_object[NameObject("/OpenAction")] = open_action
    if annotation is not None:
        page[NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def javascript_action(script: str = "app.alert('hello')") -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(script)})


def docx_bytes(*, extra_parts: dict[str, bytes] | None = None, content_types: str = _CONTENT_TYPES) -> bytes:
    """A Word document as Word writes one: an Office Open XML package with its main part."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", content_types)
        package.writestr("_rels/.rels", _RELS)
        package.writestr("word/document.xml", _DOCUMENT)
        for name, data in (extra_parts or {}).items():
            package.writestr(name, data)
    return out.getvalue()


def zip_bytes(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return out.getvalue()
