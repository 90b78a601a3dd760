"""The PDF pages in real Chromium, with axe-core on every state a practitioner or the public can meet:
ready (and the download), waiting for a broker that is down, removed after its retention; and the public
directory's PDF page. Tasks run in-process here (the embedded default); tests/documents/test_workers.py
drives real workers."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from caf.documents import CafDocument
from config.documents import services as document_services
from config.documents.models import DocumentJob
from directory.documents import DirectoryDocument
from tests.directory.conftest import listed_agency, listed_service, school_directory  # noqa: F401

from ..browser import assert_accessible
from .pdf_reading import pdf_text
from .test_directory_pdf import published  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_practitioner_gets_the_caf_pdf_and_meets_every_state_of_its_page(page, caf, team, password, private_files):
    page.sign_in(team["lead"].email, password)
    page.visit(caf.get_absolute_url())
    page.get_by_role("button", name="Get a PDF copy").click()
    expect(page.get_by_text("Your PDF is ready")).to_be_visible()
    expect(page.get_by_text("this copy will be deleted from the service on")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF copy of CAF version 1").click()
    assert download.value.suggested_filename == f"caf-{team['child'].reference}-version-1.pdf"
    text = pdf_text(open(download.value.path(), "rb").read())
    assert "Wayne" in text and "OFFICIAL-SENSITIVE" in text

    # Past its retention the copy is deleted; the same page says so and offers a new one.
    job = DocumentJob.objects.get()
    DocumentJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(days=30))
    document_services.document_files_tidy()
    page.reload()
    expect(page.get_by_text("This PDF copy was deleted on")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Get a new PDF copy").click()
    expect(page.get_by_text("Your PDF is ready")).to_be_visible()
    assert DocumentJob.objects.filter(status=DocumentJob.Status.READY).count() == 1

    # A job the broker never received (it was down): the page says the request is kept, and polls.
    waiting = DocumentJob.objects.create(
        kind=DocumentJob.Kind.CAF,
        assessment=caf,
        template_version=CafDocument.template_version,
        content_stamp="asked for while the broker was down",
        requested_by=team["lead"],
    )
    page.visit(f"/caf/{caf.pk}/pdf/{waiting.pk}/")
    expect(page.get_by_text("cannot be reached just now")).to_be_visible()
    expect(page.get_by_role("link", name="Refresh the status of your PDF")).to_be_visible()
    assert_accessible(page)
    assert page.console_errors == []


def test_the_public_directory_pdf_page_while_it_is_being_made(page, published, private_files):  # noqa: F811
    DocumentJob.objects.create(
        kind=DocumentJob.Kind.DIRECTORY,
        directory_version_id=published.pk,
        template_version=DirectoryDocument.template_version,
    )
    page.visit(f"/directory/published/{published.directory.slug}/versions/{published.number}/pdf/")
    expect(page.get_by_role("heading", name=f"PDF of {published.content['title']}")).to_be_visible()
    assert_accessible(page)
    assert page.console_errors == []
