"""The published directory's PDF: public, grouped by type of service, made once per published version."""

import pytest
from django.urls import reverse

from config.documents.models import DocumentJob
from directory import services
from tests.directory.conftest import listed_agency, listed_service, school_directory  # noqa: F401

from .pdf_reading import pdf_facts, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(school_directory, listed_service, listed_agency, coordinator):  # noqa: F811
    services.entry_add(actor=coordinator, directory=school_directory, target=listed_service, note="Room 4 on Tuesdays")
    services.entry_add(actor=coordinator, directory=school_directory, target=listed_agency)
    return services.directory_publish(actor=coordinator, directory=school_directory)


def test_anyone_can_get_the_pdf_of_a_published_directory(
    client, published, private_files, django_capture_on_commit_callbacks
):
    url = reverse("directory-pdf", args=[published.directory.slug, published.number])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url)
    job = DocumentJob.objects.get()
    assert job.kind == "directory" and job.directory_version_id == published.pk and job.requested_by is None
    # Made in-process by the time the page is shown (the embedded default); the next visit goes straight to the file.
    response = client.get(url)
    assert response.status_code == 302
    download = client.get(response["Location"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    content = b"".join(download.streaming_content)
    text = " ".join(pdf_text(content).split())
    assert published.directory.title in text
    assert "Group support" in text and "Baby weigh clinic" in text and "Room 4 on Tuesdays" in text
    assert "Contents" in text and f"Version {published.number}" in text
    assert "OFFICIAL-SENSITIVE" not in text  # a public document
    assert pdf_facts(content)["tagged"]
    assert DocumentJob.objects.count() == 1


def test_the_pdf_lives_under_the_published_directory_and_its_page_links_to_it(client, published):
    slug, number = published.directory.slug, published.number
    url = reverse("directory-pdf", args=[slug, number])
    assert url == f"/directory/published/{slug}/versions/{number}/pdf/"
    assert reverse("directory-pdf-download", args=[slug, number]) == f"{url}download/"
    assert f'href="{url}"' in client.get(reverse("directory-public", args=[slug])).content.decode()
    assert client.get(f"/caf/directories/{slug}/versions/{number}/pdf/").status_code == 404  # no longer under caf


def test_an_unpublished_version_has_no_pdf(client, published):
    assert (
        client.get(reverse("directory-pdf", args=[published.directory.slug, published.number + 1])).status_code == 404
    )
    assert client.get(reverse("directory-pdf", args=["no-such-directory", 1])).status_code == 404


def test_a_directory_larger_than_one_part_is_joined_from_its_parts_in_process(
    client, published, private_files, settings, django_capture_on_commit_callbacks
):
    from .pdf_structure import structure_facts

    settings.DOCUMENT_DIRECTORY_PART_SIZE = 1  # two entries: two parts
    url = reverse("directory-pdf", args=[published.directory.slug, published.number])
    with django_capture_on_commit_callbacks(execute=True):
        client.get(url)
    job = DocumentJob.objects.get()
    assert job.status == DocumentJob.Status.READY, job.error
    assert (job.parts_total, job.parts_done) == (2, 2)
    assert not list(private_files.rglob("*.part-*"))
    content = (private_files / job.file).read_bytes()
    text = " ".join(pdf_text(content).split())
    assert "Baby weigh clinic" in text and "Room 4 on Tuesdays" in text and "Contents" in text
    assert "OFFICIAL-SENSITIVE" not in text
    facts = pdf_facts(content)
    assert facts["tagged"] and facts["lang"] == "en-GB" and facts["display_title"]
    assert f"Page {facts['pages']} of {facts['pages']}" in text
    structure = structure_facts(content)
    assert structure["documents"] == 1 and structure["dangling"] == 0
    assert structure["every_page_and_link_in_parent_tree"] and structure["parent_tree_keys_unique"]


def test_each_part_made_moves_the_status_page_on_and_the_last_one_queues_the_join(
    client, published, private_files, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """The parts of a large directory as the workers make them, one task at a time: what the status page says
    after each, and the join queued once, by the part that completes the set."""
    from config.documents import services as document_services
    from config.documents import tasks

    from .pdf_structure import structure_facts

    settings.DOCUMENT_DIRECTORY_PART_SIZE = 1  # two entries: two parts
    monkeypatch.setattr(document_services, "_parts_dispatch", lambda job_id: "parts queued")  # the test runs them
    joins = []
    monkeypatch.setattr(tasks.render_document_join, "delay", joins.append)
    url = reverse("directory-pdf", args=[published.directory.slug, published.number])
    with django_capture_on_commit_callbacks(execute=True):
        client.get(url)
    job = DocumentJob.objects.get()
    assert (job.status, job.parts_total, job.parts_done) == (DocumentJob.Status.RENDERING, 2, 0)
    page = client.get(url).content.decode()
    assert "Rendering part 1 of 2." in page and "0 of 2 parts made so far" in page

    assert document_services.document_render_part(job.pk, 1) == "part ready"  # parts finish in any order
    job.refresh_from_db()
    assert job.parts_done == 1 and job.progress_at is not None and joins == []
    assert "Rendering part 2 of 2." in client.get(url).content.decode()
    first_progress = job.progress_at
    assert document_services.document_render_part(job.pk, 1) == "part ready"  # delivered twice: counted once
    job.refresh_from_db()
    assert job.parts_done == 1 and joins == []

    assert document_services.document_render_part(job.pk, 0) == "part ready"
    job.refresh_from_db()
    assert job.parts_done == 2 and job.progress_at >= first_progress and joins == [job.pk]
    assert "Joining the 2 parts into one PDF." in client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        assert document_services.document_render_join(job.pk) == DocumentJob.Status.READY
    assert document_services.document_render_part(job.pk, 0) == "skipped"  # late: the job is made
    assert not list(private_files.rglob("*.part-*"))
    job.refresh_from_db()
    content = (private_files / job.file).read_bytes()
    text = " ".join(pdf_text(content).split())
    assert "Baby weigh clinic" in text and "Room 4 on Tuesdays" in text and "Contents" in text
    assert f"Page {job.page_count} of {job.page_count}" in text
    structure = structure_facts(content)
    assert structure["pages"] == job.page_count and structure["text_in_artifacts"] == job.page_count
    assert structure["text_outside_marked_content"] == 0 and structure["unresolved_mcids"] == 0
