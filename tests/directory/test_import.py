"""The import command loads an Open Referral UK feed idempotently and round-trips the product's own export."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from agencies.models import Agency
from directory.models import Service

pytestmark = pytest.mark.django_db


def export(client) -> list:
    listing = client.get("/openreferral/services?per_page=200").json()["contents"]
    return [client.get(f"/openreferral/services/{item['id']}").json() for item in listing]


def run(tmp_path, content) -> str:
    path = tmp_path / "feed.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    out = StringIO()
    call_command("import_openreferral", str(path), stdout=out)
    return out.getvalue()


def strip(feed):
    return [{k: v for k, v in s.items() if k not in ("assured_date", "last_modified")} for s in feed]


def test_the_import_round_trips_the_products_own_export(client, tmp_path, listed_service):
    feed = export(client)
    assert "0 created, 0 updated, 1 skipped, 0 rejected" in run(tmp_path, feed)
    Service.objects.all().delete()
    assert "1 created, 0 updated, 0 skipped, 0 rejected" in run(tmp_path, feed)
    assert strip(export(client)) == strip(feed)
    assert "0 created, 0 updated, 1 skipped" in run(tmp_path, {"contents": feed})


def test_a_changed_record_is_updated_and_a_new_organisation_created(client, tmp_path, listed_service):
    feed = export(client)
    feed[0]["name"] = "Baby clinic"
    new = json.loads(json.dumps(feed[0]))
    new["id"] = "11111111-2222-4333-8444-555555555555"
    new["organization"] = {"id": "21111111-2222-4333-8444-555555555555", "name": "New charity", "description": "New"}
    output = run(tmp_path, [feed[0], new])
    assert "1 created, 1 updated, 0 skipped, 0 rejected" in output and "New organisation: New charity" in output
    assert Agency.objects.filter(name="New charity").exists()
    assert Service.objects.get(uuid=listed_service.uuid).name == "Baby clinic"


def test_invalid_records_are_rejected_with_a_reason_and_the_rest_load(client, tmp_path, listed_service):
    feed = export(client)
    good = json.loads(json.dumps(feed[0]))
    good["id"] = "31111111-2222-4333-8444-555555555555"
    no_status = {"id": "41111111-2222-4333-8444-555555555555", "name": "No status"}
    bad_email = dict(good, id="51111111-2222-4333-8444-555555555555", email="not-an-email")
    upside_down = dict(good, id="61111111-2222-4333-8444-555555555555", minimum_age=9, maximum_age=3)
    output = run(tmp_path, [no_status, bad_email, upside_down, good])
    assert "1 created, 0 updated, 0 skipped, 3 rejected" in output
    assert "record 1 (No status): the record: 'status' is a required property" in output
    assert "record 2" in output and "not-an-email" in output
    assert "record 3" in output and "oldest age" in output
    assert Service.objects.filter(uuid=good["id"]).exists()


@pytest.mark.parametrize(
    "content, message",
    [
        ("this is not { json", "is not JSON"),
        (json.dumps({"hello": "world"}), "not an Open Referral UK feed"),
        (json.dumps([{"foo": 1}]), "not an Open Referral UK feed"),
    ],
)
def test_a_file_that_is_not_a_feed_is_refused_and_nothing_is_written(tmp_path, listed_service, content, message):
    before = Service.objects.count()
    with pytest.raises(CommandError, match=message):
        run(tmp_path, content)
    assert Service.objects.count() == before


def test_the_bundled_schema_is_the_pinned_one():
    from directory.importer import SCHEMA_DIR

    from .test_openreferral import SCHEMAS

    assert (SCHEMA_DIR / "service.json").read_bytes() == (SCHEMAS / "compiled" / "service.json").read_bytes()
