"""The shapes a feed comes in (a list, a page object, a `*_full` object), streamed item by item from a file."""

import json
import re
from collections.abc import Iterator
from pathlib import Path

import ijson
from jsonschema import Draft202012Validator, FormatChecker

from .report import FeedError

# A copy of the pinned ../shared/oruk-uk-profile/schema/compiled/service.json, so the command does not
# depend on a folder outside the project when deployed (a test checks the copy is identical).
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


def _service_validator():
    schema = json.loads((SCHEMA_DIR / "service.json").read_text())
    return Draft202012Validator(schema, format_checker=FormatChecker())


# --- Reading the shapes ---------------------------------------------------------------------------------


def _services_of_object(data: dict) -> list:
    """The services in one object: a page, a service, an organisation with services, a service at a location."""
    if isinstance(data.get("contents"), list):
        return data["contents"]
    if isinstance(data.get("services"), list):
        # organization_full: its services carry the organisation only by id, so give it to each of them.
        org = {k: v for k, v in data.items() if k != "services"}
        if "name" in org and "id" in org:
            return [
                dict(s, organization=s.get("organization") or org) if isinstance(s, dict) else s
                for s in data["services"]
            ]
        return data["services"]
    if isinstance(data.get("service"), dict) and isinstance(data.get("location"), dict):
        # service_at_location_full: the service, with this location as one of its own.
        service = dict(data["service"])
        link = {k: v for k, v in data.items() if k in ("id", "service_id", "location_id", "location")}
        service["service_at_locations"] = [*(service.get("service_at_locations") or []), link]
        return [service]
    if "id" in data and "name" in data and "status" in data:
        return [data]
    raise FeedError(
        "The file is not an Open Referral UK feed: expected a list of services, a page with them in "
        '"contents", a service, or an organisation with its "services"'
    )


def read_feed(text: str) -> list:
    """The records of a feed held in memory (a small file, or one page of an API)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise FeedError(f"The file is not JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
    records = data if isinstance(data, list) else _services_of_object(data) if isinstance(data, dict) else None
    if records is None:
        raise FeedError("The file is not an Open Referral UK feed: it is neither a list nor an object")
    _check_looks_like_services(records)
    return records


def _check_looks_like_services(records: list) -> None:
    if records and not any(isinstance(item, dict) and "name" in item and "id" in item for item in records[:50]):
        raise FeedError(
            "The file is not an Open Referral UK feed: none of its records is a service with an id and a name"
        )


def iter_feed_file(path) -> Iterator:
    """The records of a feed file, streamed: a top-level list or a page's `contents` is read item by item."""
    with open(path, "rb") as handle:
        head = handle.read(4096).lstrip()
    if not head:
        raise FeedError("The file is empty")
    first = head[:1]
    if first == b"[":
        yield from _stream(path, "item")
        return
    if first != b"{":
        raise FeedError("The file is not JSON: it does not start with [ or {")
    if re.search(rb'"contents"\s*:', head) or _has_top_level_contents(path):
        yield from _stream(path, "contents.item")
        return
    yield from read_feed(Path(path).read_text(encoding="utf-8"))


def _has_top_level_contents(path) -> bool:
    try:
        with open(path, "rb") as handle:
            for prefix, event, value in ijson.parse(handle):
                if prefix == "" and event == "map_key" and value == "contents":
                    return True
                if prefix == "" and event == "end_map":
                    return False
    except ijson.JSONError as error:
        raise FeedError(f"The file is not JSON: {error}") from None
    return False


def _stream(path, prefix: str) -> Iterator:
    checked = []
    try:
        with open(path, "rb") as handle:
            for record in ijson.items(handle, prefix, use_float=True):
                if len(checked) < 50:
                    checked.append(record)
                    if len(checked) == 50:
                        _check_looks_like_services(checked)
                yield record
    except ijson.JSONError as error:
        raise FeedError(f"The file is not JSON (or is cut short): {error}") from None
    if len(checked) < 50:
        _check_looks_like_services(checked)
