"""The co-ordinator imports a feed from the directory's pages (a file, or an API's address), and the
report is shown as a page and kept. Only the setting's co-ordinators see its imports."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from directory.models import ImportRun, Service

from .test_import import ORG, Publisher, service

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def feed_file(records) -> SimpleUploadedFile:
    return SimpleUploadedFile("council-feed.json", json.dumps(records).encode(), content_type="application/json")


def test_the_coordinator_uploads_a_feed_and_reads_the_report(
    client_for, coordinator, agency, private_files, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    broken = service("Broken", ORG, minimum_age="five")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/directory/settings/{agency.pk}/imports/",
            {"upload": feed_file([service("From the council", ORG), broken])},
        )
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/directory/settings/{agency.pk}/imports/{run.pk}/"
    assert run.status == ImportRun.Status.DONE and run.started_by == coordinator and run.setting == agency
    assert not run.file and not list(private_files.rglob("*.json"))  # the report is kept, the upload is not
    assert Service.objects.filter(name="From the council").exists()
    body = client.get(response["Location"]).content.decode()
    assert "1 created" in body and "1 not imported" in body
    assert "Not imported:</strong> minimum_age: &#x27;five&#x27; is not of type &#x27;number&#x27;" in body
    assert "council-feed.json" in client.get(f"/directory/settings/{agency.pk}/imports/").content.decode()


def test_the_coordinator_harvests_an_api_by_its_address(
    client_for, coordinator, agency, settings, django_capture_on_commit_callbacks
):
    settings.DIRECTORY_IMPORT_ALLOW_PRIVATE_ADDRESSES = True  # the publisher here is on 127.0.0.1
    publisher = Publisher([service(f"Harvested {n}", ORG) for n in range(3)])
    try:
        client = client_for(coordinator)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/directory/settings/{agency.pk}/imports/", {"url": publisher.url})
        body = client.get(response["Location"]).content.decode()
    finally:
        publisher.close()
    assert "2 pages of 2" in body and "3 created" in body and "Finished" in body


def test_a_private_address_is_refused_in_production(client_for, coordinator, agency, settings):
    settings.DIRECTORY_IMPORT_ALLOW_PRIVATE_ADDRESSES = False
    body = (
        client_for(coordinator)
        .post(f"/directory/settings/{agency.pk}/imports/", {"url": "http://127.0.0.1:8400/services"})
        .content.decode()
    )
    assert "govuk-error-summary" in body and "The feed must be on a public web address" in body
    assert not ImportRun.objects.exists()


def test_neither_or_both_is_an_error_not_an_import(client_for, coordinator, agency, private_files):
    client = client_for(coordinator)
    assert "one of them" in client.post(f"/directory/settings/{agency.pk}/imports/", {}).content.decode()
    assert not ImportRun.objects.exists()


@pytest.mark.parametrize("who", ["manager", "colleague", "outsider", "other_manager"])
def test_only_the_settings_coordinators_see_its_imports(request, client_for, coordinator, agency, who, private_files):
    client_for(coordinator).post(f"/directory/settings/{agency.pk}/imports/", {"upload": feed_file([])})
    run = ImportRun.objects.get()
    client = client_for(request.getfixturevalue(who))
    assert client.get(f"/directory/settings/{agency.pk}/imports/").status_code == 404
    assert client.get(f"/directory/settings/{agency.pk}/imports/{run.pk}/").status_code == 404
    assert client.post(f"/directory/settings/{agency.pk}/imports/", {"upload": feed_file([])}).status_code == 404


def test_a_run_of_another_setting_is_not_found_under_this_one(client_for, coordinator, agency, private_files):
    other = ImportRun.objects.create(source="elsewhere", setting=None, url="https://example.org/services")
    assert client_for(coordinator).get(f"/directory/settings/{agency.pk}/imports/{other.pk}/").status_code == 404
