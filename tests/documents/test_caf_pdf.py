"""The CAF's PDF, made in-process (the embedded default): what it says, who may have it, and its safety."""

import pytest
from django.urls import reverse

from caf import documents as caf_documents
from caf.models import Domain, Element, SectionEntry
from caf.sections import element_key
from children.models import AccessEvent
from config.documents import rendering
from config.documents import services as document_services
from config.documents.models import DocumentJob

from .conftest import SAMPLE_NEEDS, SAMPLE_STRENGTHS
from .pdf_reading import pdf_facts, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_job(caf, team, private_files, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = caf_documents.caf_pdf_request(actor=team["lead"], assessment=caf)
    job.refresh_from_db()
    assert job.status == DocumentJob.Status.READY, job.error
    return job


def test_the_caf_pdf_has_every_section_and_element_in_the_national_order(ready_job, caf, team, private_files):
    content = (private_files / ready_job.file).read_bytes()
    text = pdf_text(content)
    squashed = " ".join(text.split())
    assert "Wayne Carter" in text
    assert team["child"].reference in text
    assert "OFFICIAL-SENSITIVE" in text
    assert "Page 1 of" in squashed
    assert "Generated" in squashed and "by Sarah Lead" in squashed
    headings = [
        "1. Identifying details of the child",
        "2. Assessment information",
        "3. Parents and carers",
        "4. Current family and home situation",
        "5. The assessor and the lead professional",
        "6. Other services working with the child",
        "7. Strengths and needs",
        "8. Conclusions, solutions and actions",
        "9. The child's and the parent's or carer's views",
        "10. Consent for information storage and sharing",
        "Delivery plan",
        "Latest review",
    ]
    positions = [squashed.find(h) for h in headings]
    assert -1 not in positions, [h for h, p in zip(headings, positions, strict=True) if p == -1]
    assert positions == sorted(positions)
    for _value, label in Domain.choices:
        assert label in squashed
    for element in Element.objects.all():
        assert element.name in squashed, element.name
    assert squashed.count("Not assessed") == 18  # 19 elements, one assessed
    assert SAMPLE_STRENGTHS in squashed and SAMPLE_NEEDS in squashed
    assert "Breakfast club three mornings a week" in squashed
    assert ready_job.page_count == pdf_facts(content)["pages"] and ready_job.page_count >= 3
    assert ready_job.size == len(content)
    import hashlib

    assert ready_job.checksum == hashlib.sha256(content).hexdigest()


def test_the_caf_pdf_is_tagged_with_its_language_and_title(ready_job, private_files):
    facts = pdf_facts((private_files / ready_job.file).read_bytes())
    assert facts["tagged"]
    assert facts["lang"] == "en-GB"
    assert facts["title"] == "Common Assessment Framework: Wayne Carter, version 1"
    assert facts["display_title"] is True


def test_asking_again_for_an_unchanged_caf_reuses_the_ready_file(ready_job, caf, team):
    again = caf_documents.caf_pdf_request(actor=team["assessor"], assessment=caf)
    assert again.pk == ready_job.pk
    assert DocumentJob.objects.count() == 1


def test_a_changed_caf_gets_a_new_pdf(ready_job, caf, team, django_capture_on_commit_callbacks):
    entry = SectionEntry.objects.get(assessment=caf, key="assessment-information")
    from caf import services

    services.section_save(
        actor=team["assessor"],
        assessment=caf,
        key="assessment-information",
        data={**entry.data, "what_led": "Changed words"},
        base_revision=entry.revision,
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = caf_documents.caf_pdf_request(actor=team["assessor"], assessment=caf)
    assert job.pk != ready_job.pk
    job.refresh_from_db()
    assert job.status == DocumentJob.Status.READY


def test_text_typed_into_a_caf_cannot_pull_in_a_local_file_or_reach_a_server(
    caf, team, private_files, django_capture_on_commit_callbacks
):
    hostile = '<img src="file:///etc/passwd"> <img src="http://203.0.113.7/track.png"> <link rel="stylesheet" href="https://evil.example/x.css">'
    element = Element.objects.order_by("order").last()
    services_ = __import__("caf.services", fromlist=["section_save"])
    services_.section_save(
        actor=team["assessor"],
        assessment=caf,
        key=element_key(element.code),
        data={"strengths": hostile, "needs": "file:///etc/passwd"},
        base_revision=0,
        element=element,
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = caf_documents.caf_pdf_request(actor=team["assessor"], assessment=caf)
    job.refresh_from_db()
    content = (private_files / job.file).read_bytes()
    text = " ".join(pdf_text(content).split())
    assert '<img src="file:///etc/passwd">' in text  # shown as the words typed
    assert "http://203.0.113.7/track.png" in text
    assert "root:x:0:0" not in text
    assert pdf_facts(content)["images"] == 0


def test_the_fetcher_refuses_every_scheme_host_and_path_but_the_projects_static_files():
    fetcher = rendering.safe_url_fetcher_class()()
    allowed = fetcher.fetch(f"{rendering.DOCUMENT_ORIGIN}/static/pdf/print.css")
    assert b"@page" in allowed.read()
    for url in [
        "file:///etc/passwd",
        "http://127.0.0.1:8000/static/pdf/print.css",
        "https://example.org/static/pdf/print.css",
        f"{rendering.DOCUMENT_ORIGIN}/static/../config/settings.py",
        f"{rendering.DOCUMENT_ORIGIN}/static/%2e%2e/%2e%2e/etc/passwd",
        f"{rendering.DOCUMENT_ORIGIN}/static/pdf/../../manage.py",
        f"{rendering.DOCUMENT_ORIGIN}/etc/passwd",
        "data:image/png;base64,iVBORw0KGgo=",
        "ftp://example.org/x.css",
    ]:
        with pytest.raises(rendering.RefusedURL):
            fetcher.fetch(url)


def test_raw_html_that_asks_for_a_local_file_embeds_nothing():
    html = (
        '<html lang="en-GB"><head><title>t</title></head><body><p>x</p>'
        '<img src="file:///etc/passwd" alt="a"><img src="http://203.0.113.7/a.png" alt="b">'
        '<div style="background: url(file:///usr/share/pixmaps/debian-logo.png)">y</div></body></html>'
    )
    rendered = rendering.html_to_pdf(html)
    assert pdf_facts(rendered.content)["images"] == 0
    assert "file:///etc/passwd" in rendered.refused_urls


# --- Access and audit ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["outsider", "housing", "platform_admin"])
def test_people_who_may_not_read_the_caf_get_404_for_its_pdf(client, ready_job, caf, team, persona):
    client.force_login(team[persona])
    urls = [
        reverse("caf-pdf-status", args=[caf.pk, ready_job.pk]),
        reverse("caf-pdf-status-fragment", args=[caf.pk, ready_job.pk]),
        reverse("caf-pdf-download", args=[caf.pk, ready_job.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("caf-pdf-request", args=[caf.pk])).status_code == 404
    assert not AccessEvent.objects.filter(user=team[persona], action=AccessEvent.Action.DOWNLOAD).exists()
    assert AccessEvent.objects.filter(user=team[persona], action=AccessEvent.Action.REFUSED).count() == 4
    assert DocumentJob.objects.count() == 1


def test_a_permitted_download_is_an_attachment_never_cached_and_is_logged(client, ready_job, caf, team):
    client.force_login(team["hv_colleague"])
    response = client.get(reverse("caf-pdf-download", args=[caf.pk, ready_job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"caf-{team['child'].reference}-version-1.pdf" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    event = AccessEvent.objects.get(user=team["hv_colleague"], action=AccessEvent.Action.DOWNLOAD)
    assert event.child == team["child"] and "PDF" in event.what


def test_a_job_of_another_caf_cannot_be_fetched_through_this_one(client, ready_job, team):
    from caf import services

    other_child = __import__("children.services", fromlist=["child_create"]).child_create(
        actor=team["lead"], agency=team["hv"], first_name="Della", last_name="Carter"
    )
    other = services.caf_start(actor=team["lead"], child=other_child)
    client.force_login(team["lead"])
    assert client.get(reverse("caf-pdf-download", args=[other.pk, ready_job.pk])).status_code == 404


def test_the_practitioner_asks_sees_progress_and_then_the_download_link(
    client, caf, team, private_files, django_capture_on_commit_callbacks
):
    client.force_login(team["lead"])
    task_list = client.get(reverse("caf-task-list", args=[caf.pk])).content.decode()
    assert "Get a PDF copy" in task_list and reverse("caf-pdf-request", args=[caf.pk]) in task_list
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("caf-pdf-request", args=[caf.pk]))
    job = DocumentJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("caf-pdf-status", args=[caf.pk, job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Your PDF is ready" in page
    assert reverse("caf-pdf-download", args=[caf.pk, job.pk]) in page
    assert AccessEvent.objects.filter(user=team["lead"], action=AccessEvent.Action.VIEW, what__contains="PDF").exists()


def test_a_queued_job_polls_in_the_background_and_offers_a_refresh_link(client, caf, team, private_files):
    job = caf_documents.caf_pdf_request(actor=team["lead"], assessment=caf)  # never committed: stays queued
    client.force_login(team["lead"])
    page = client.get(reverse("caf-pdf-status", args=[caf.pk, job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert "X-Background-Request" in page
    assert reverse("caf-pdf-status-fragment", args=[caf.pk, job.pk]) in page
    assert ">Refresh<" in page
    assert "cannot be reached just now" in page  # it never reached a broker
    events = AccessEvent.objects.count()
    fragment = client.get(
        reverse("caf-pdf-status-fragment", args=[caf.pk, job.pk]),
        headers={"HX-Request": "true", "X-Background-Request": "1"},
    )
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert AccessEvent.objects.count() == events  # polling is not an access event


def test_a_render_that_fails_marks_the_job_failed_with_a_readable_message(
    caf, team, private_files, monkeypatch, django_capture_on_commit_callbacks, client
):
    def broken(document, job, base):
        raise RuntimeError("the template is broken")

    monkeypatch.setattr(caf_documents.CafDocument, "render", broken)
    with django_capture_on_commit_callbacks(execute=True):
        job = caf_documents.caf_pdf_request(actor=team["lead"], assessment=caf)
    job.refresh_from_db()
    assert job.status == DocumentJob.Status.FAILED
    assert f"document job {job.pk}" in job.error and "the template is broken" in job.error
    assert list(private_files.rglob("*.pdf")) == []
    client.force_login(team["lead"])
    page = client.get(reverse("caf-pdf-status", args=[caf.pk, job.pk])).content.decode()
    assert "The PDF could not be made" in page and "Try again" in page


# --- Retention ----------------------------------------------------------------------------------------


def _age(job, days):
    from datetime import timedelta

    from django.utils import timezone

    DocumentJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(days=days))


def test_a_caf_copy_is_deleted_after_the_retention_period_and_the_job_stays_as_a_record(
    client, ready_job, caf, team, private_files, settings, django_capture_on_commit_callbacks
):
    settings.DOCUMENT_RETENTION_DAYS = 7
    path = rendering.file_path(ready_job.file)
    client.force_login(team["lead"])
    page = client.get(reverse("caf-pdf-status", args=[caf.pk, ready_job.pk])).content.decode()
    assert "will be deleted from the service on" in page

    _age(ready_job, 6)
    with django_capture_on_commit_callbacks(execute=True):
        assert document_services.document_files_tidy() == {"removed": 0, "orphans": 0}
    assert path.is_file()

    _age(ready_job, 8)
    with django_capture_on_commit_callbacks(execute=True):
        assert document_services.document_files_tidy() == {"removed": 1, "orphans": 0}
    assert not path.exists()
    ready_job.refresh_from_db()
    assert ready_job.status == DocumentJob.Status.REMOVED and ready_job.file == "" and ready_job.removed_at
    assert ready_job.checksum and ready_job.page_count  # what was made, and for whom, is still on record
    assert ready_job.history.first().status == DocumentJob.Status.REMOVED

    # The download goes back to the status page, which says what happened and offers a new copy.
    response = client.get(reverse("caf-pdf-download", args=[caf.pk, ready_job.pk]))
    assert response.status_code == 302 and response["Location"].endswith(
        reverse("caf-pdf-status", args=[caf.pk, ready_job.pk])
    )
    page = client.get(response["Location"]).content.decode()
    assert "This PDF copy was deleted on" in page and "Get a new PDF copy" in page
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.DOWNLOAD).exists()

    # Asking again makes a new copy rather than reusing the removed one.
    with django_capture_on_commit_callbacks(execute=True):
        job = caf_documents.caf_pdf_request(actor=team["lead"], assessment=caf)
    job.refresh_from_db()
    assert job.pk != ready_job.pk and job.status == DocumentJob.Status.READY
    assert rendering.file_path(job.file).is_file()


def test_asking_for_a_copy_past_its_retention_makes_a_new_one(
    ready_job, caf, team, settings, django_capture_on_commit_callbacks
):
    settings.DOCUMENT_RETENTION_DAYS = 7
    old_path = rendering.file_path(ready_job.file)
    _age(ready_job, 8)
    with django_capture_on_commit_callbacks(execute=True):
        job = caf_documents.caf_pdf_request(actor=team["hv_colleague"], assessment=caf)
    ready_job.refresh_from_db()
    job.refresh_from_db()
    assert ready_job.status == DocumentJob.Status.REMOVED and not old_path.exists()
    assert job.pk != ready_job.pk and job.status == DocumentJob.Status.READY


def test_tidying_deletes_only_files_no_ready_job_owns_and_only_once_settled(ready_job, private_files, settings):
    import os
    import time

    settings.CELERY_TASK_TIME_LIMIT = 150
    folder = private_files / "caf"
    half_written = folder / ".rendering-abc123.pdf"  # a worker killed while writing
    stray = folder / "999999.pdf"  # a file whose job is gone
    fresh = folder / ".rendering-def456.pdf"  # a render being written right now
    for path in (half_written, stray, fresh):
        path.write_bytes(b"%PDF-1.7 partial")
    long_ago = time.time() - 3600
    for path in (half_written, stray, rendering.file_path(ready_job.file)):
        os.utime(path, (long_ago, long_ago))

    assert document_services.document_files_tidy() == {"removed": 0, "orphans": 2}
    assert not half_written.exists() and not stray.exists()
    assert fresh.exists() and rendering.file_path(ready_job.file).is_file()


# --- Administrators -----------------------------------------------------------------------------------


def test_an_administrator_sees_failed_jobs_without_case_data_and_can_make_them_again(
    client, caf, team, private_files, monkeypatch, django_capture_on_commit_callbacks
):
    real_render = caf_documents.CafDocument.render
    monkeypatch.setattr(
        caf_documents.CafDocument, "render", lambda *args: (_ for _ in ()).throw(RuntimeError("fonts missing"))
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = caf_documents.caf_pdf_request(actor=team["lead"], assessment=caf)
    job.refresh_from_db()
    assert job.status == DocumentJob.Status.FAILED

    client.force_login(team["platform_admin"])
    listing = client.get(reverse("admin:documents_documentjob_changelist") + "?status__exact=failed").content.decode()
    assert f"CAF assessment #{caf.pk}" in listing and "Failed" in listing
    detail = client.get(reverse("admin:documents_documentjob_change", args=[job.pk])).content.decode()
    assert "fonts missing" in detail
    for page in (listing, detail):
        assert team["child"].first_name not in page and team["child"].reference not in page
    assert client.get(reverse("admin:index") + "caf/assessment/").status_code == 404  # case data is not here

    def make_again():
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("admin:documents_documentjob_changelist"),
                {"action": "queue_again", "_selected_action": [job.pk]},
                follow=True,
            ).content.decode()

    monkeypatch.setattr(caf_documents.CafDocument, "render", real_render)  # the administrator fixed the fonts
    assert "1 PDF is being made again." in make_again()
    job.refresh_from_db()
    assert job.status == DocumentJob.Status.READY and job.error == "" and job.attempts == 2
    assert job.history.filter(history_user=team["platform_admin"], status=DocumentJob.Status.QUEUED).exists()

    assert "1 job was left alone" in make_again()  # a ready job is left alone


def test_the_elements_wording_can_be_changed_in_the_admin_site_but_not_the_set(client, team):
    element = Element.objects.order_by("order").first()
    client.force_login(team["platform_admin"])
    url = reverse("admin:caf_element_change", args=[element.pk])
    response = client.post(url, {"name": element.name, "order": element.order, "prompt": "Reworded prompt."})
    assert response.status_code == 302
    element.refresh_from_db()
    assert element.prompt == "Reworded prompt."
    assert client.get(reverse("admin:caf_element_add")).status_code == 403
    assert client.get(reverse("admin:caf_element_delete", args=[element.pk])).status_code == 403
