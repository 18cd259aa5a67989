"""What a case document may be (cases.uploads): the content must be its type, not only start
like it, and carry nothing that runs."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from cases import uploads
from cases.models import Document
from tests.documents import DOCX_TYPE, docx_bytes, javascript_action, pdf_bytes, zip_bytes
from tests.factories import CaseFactory

PDF = "application/pdf"


def checked(data: bytes, content_type: str, name: str = "file") -> str:
    return uploads.check_upload(SimpleUploadedFile(name, data, content_type=content_type))


def refusal(data: bytes, content_type: str) -> str:
    with pytest.raises(ValidationError) as refused:
        checked(data, content_type)
    return refused.value.message_dict["file"][0]


def test_a_readable_pdf_a_real_word_document_and_plain_text_are_taken():
    assert checked(pdf_bytes(), PDF) == PDF
    assert checked(docx_bytes(), DOCX_TYPE) == DOCX_TYPE
    assert checked("Notes from the visit: £20 left for food. <3".encode(), "text/plain") == "text/plain"
    assert checked(b"\xff\xd8\xff\xe0" + b"\x00" * 16, "image/jpeg") == "image/jpeg"


# --- Word documents ---------------------------------------------------------------------


def test_any_zip_is_not_a_word_document():
    assert refusal(zip_bytes({"photo.jpg": b"\xff\xd8\xff", "notes.txt": b"x"}), DOCX_TYPE) == uploads.NOT_ITS_TYPE


def test_a_package_of_another_office_kind_is_not_a_word_document():
    spreadsheet = docx_bytes(content_types='<Types><Override ContentType="application/vnd.ms-excel.main+xml"/></Types>')
    assert refusal(spreadsheet, DOCX_TYPE) == uploads.NOT_ITS_TYPE


def test_a_damaged_zip_is_not_a_word_document():
    assert refusal(docx_bytes()[:200], DOCX_TYPE) == uploads.NOT_ITS_TYPE


@pytest.mark.parametrize("part", ["word/vbaProject.bin", "word/activeX/activeX1.xml"])
def test_a_word_document_with_macros_or_activex_is_refused(part):
    assert refusal(docx_bytes(extra_parts={part: b"Attribute VB_Name"}), DOCX_TYPE) == uploads.DOCX_MACROS


def test_a_word_document_that_unpacks_to_a_bomb_is_refused(settings):
    bomb = docx_bytes(extra_parts={"word/media/filler.bin": b"\x00" * (201 * 1024 * 1024)})
    assert len(bomb) < settings.DOCUMENT_MAX_BYTES
    assert refusal(bomb, DOCX_TYPE) == uploads.NOT_ITS_TYPE


# --- PDFs -------------------------------------------------------------------------------


def test_javascript_run_when_the_pdf_opens_is_refused():
    assert refusal(pdf_bytes(open_action=javascript_action()), PDF) == uploads.PDF_ACTIVE


def test_an_open_action_that_only_shows_the_first_page_is_taken():
    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(
        DictionaryObject({NameObject("/S"): NameObject("/GoTo"), NameObject("/D"): page.indirect_reference})
    )
    out = io.BytesIO()
    writer.write(out)
    assert checked(out.getvalue(), PDF) == PDF


@pytest.mark.parametrize(
    "annotation",
    [
        DictionaryObject({NameObject("/Subtype"): NameObject("/Link"), NameObject("/A"): javascript_action()}),
        DictionaryObject(
            {
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/A"): DictionaryObject(
                    {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")}
                ),
            }
        ),
        DictionaryObject({NameObject("/Subtype"): NameObject("/Widget"), NameObject("/AA"): DictionaryObject({})}),
        DictionaryObject(
            {
                NameObject("/Subtype"): NameObject("/FileAttachment"),
                NameObject("/FS"): DictionaryObject({NameObject("/EmbeddedFile"): DictionaryObject({})}),
            }
        ),
    ],
    ids=["javascript link", "launch a program", "automatic action", "embedded file"],
)
def test_active_content_on_a_page_is_refused(annotation):
    assert refusal(pdf_bytes(annotation=annotation), PDF) == uploads.PDF_ACTIVE


def test_a_name_spelt_with_escapes_is_read_as_the_name_it_is():
    # /J#61vaScript is /JavaScript to every PDF reader.
    data = pdf_bytes(open_action=javascript_action()).replace(b"/JavaScript", b"/J#61vaScript")
    assert b"/JavaScript" not in data
    assert refusal(data, PDF) == uploads.PDF_ACTIVE


def test_a_pdf_locked_with_a_password_or_damaged_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    assert refusal(out.getvalue(), PDF) == uploads.PDF_UNREADABLE
    assert refusal(b"%PDF-1.4 not really a pdf\n%%EOF\n", PDF) == uploads.PDF_UNREADABLE


# --- text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        b"<!DOCTYPE html><p>hi</p>",
        b"Notes\n<script>fetch('/api/v1/cases/')</script>",
        b"<HTML><BODY>x</BODY></HTML>",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b"  < iframe src=//evil.example>",
    ],
    ids=["doctype", "script", "upper case", "svg", "spaced tag"],
)
def test_a_web_page_sent_as_text_is_refused(text):
    assert refusal(text, "text/plain") == uploads.TEXT_IS_HTML


# --- through the page -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_upload_page_says_why_and_stores_nothing(client):
    case = CaseFactory.create()
    client.force_login(case.lead_worker)
    response = client.post(
        reverse("cases:document_upload", kwargs={"case_id": case.pk}),
        {
            "title": "Hospital letter",
            "visibility": "team",
            "file": SimpleUploadedFile("letter.pdf", pdf_bytes(open_action=javascript_action()), content_type=PDF),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The PDF holds active content" in page
    assert 'value="Hospital letter"' in page
    assert not Document.objects.exists()
