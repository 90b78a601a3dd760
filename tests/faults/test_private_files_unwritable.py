"""The private files folder cannot be written to (a full or read-only disk, wrong permissions): the PDF job
fails with a message that says so, the practitioner sees it, and "Try again" works once it is fixed.

As root, permissions do not stop writes, so the folder is made immutable (`chattr +i`) instead."""

import os
import subprocess

import pytest
from django.urls import reverse

from config.documents.models import DocumentJob

from .conftest import wait_for

pytestmark = [pytest.mark.django_db(transaction=True)]


def make_unwritable(folder):
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    else:
        folder.chmod(0o500)


def make_writable(folder):
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o700)


def finished(job_id):
    return wait_for(
        lambda: DocumentJob.objects.filter(
            pk=job_id, status__in=[DocumentJob.Status.READY, DocumentJob.Status.FAILED]
        ).first(),
        timeout=60,
        message=f"document job {job_id} never finished",
    )


def test_an_unwritable_private_files_folder_fails_the_pdf_clearly_and_try_again_works_once_fixed(
    client, team, caf, private_files, start_worker, on_rabbitmq
):
    start_worker(on_rabbitmq.url)
    client.force_login(team["lead"])
    make_unwritable(private_files)
    try:
        response = client.post(reverse("caf-pdf-request", args=[caf.pk]))
        job = finished(DocumentJob.objects.get().pk)
        assert job.status == DocumentJob.Status.FAILED
        assert "the folder the service keeps PDF files in cannot be written to" in job.error
        assert "DJANGO_PRIVATE_FILES_ROOT" in job.error and f"Document job {job.pk}" in job.error
        page = client.get(response.url).content.decode()
        assert "The PDF could not be made" in page and "cannot be written to" in page and "Try again" in page
    finally:
        make_writable(private_files)

    again = client.post(reverse("caf-pdf-request", args=[caf.pk]))
    assert again.status_code == 302
    second = finished(DocumentJob.objects.exclude(pk=job.pk).get().pk)
    assert second.status == DocumentJob.Status.READY, second.error
    assert list(private_files.rglob("*.pdf")) == [private_files / second.file]
    assert "Your PDF is ready" in client.get(again.url).content.decode()
