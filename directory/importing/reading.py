"""The shapes a feed comes in (a list, a page object, a `*_full` object), streamed item by item from a file."""

import json
import re
from collections.abc import Callable, Iterator
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


# The keywords the pinned schema uses that constrain a value; the rest of its keys are annotations.
_FAST_KEYWORDS = {"type", "properties", "required", "items", "enum", "format"}
_ANNOTATIONS = {
    "$schema",
    "$id",
    "name",
    "title",
    "description",
    "constraints",
    "example",
    "core",
    "path",
    "datapackage_metadata",
    "datapackage_type",
    "tabular_required",
}
_TYPES = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def fast_service_check(schema: dict | None = None) -> Callable[[object], bool] | None:
    """A quick yes to "is this record valid against the pinned service schema?", compiled once.

    jsonschema walks the schema afresh for every record (about 10 ms a fully nested service, most of an
    import's time). This compiles the few keywords the pinned schema uses (type, properties, required,
    items, enum, format, with jsonschema's own format checks) into plain Python. It only ever says yes
    when jsonschema would: a record it doubts is validated by jsonschema, which gives the reason (or
    accepts it after all). None when the schema uses a keyword it does not know, so jsonschema does all."""
    schema = schema or json.loads((SCHEMA_DIR / "service.json").read_text())
    checker = FormatChecker()
    try:
        return _compile(schema, checker)
    except ValueError:
        return None


def _compile(schema: dict, checker: FormatChecker) -> Callable[[object], bool]:
    unknown = set(schema) - _FAST_KEYWORDS - _ANNOTATIONS
    if unknown:
        raise ValueError(f"cannot compile {sorted(unknown)}")
    checks = []
    kind = schema.get("type")
    if kind is not None:
        if not isinstance(kind, str) or kind not in _TYPES:
            raise ValueError(f"cannot compile type {kind!r}")
        checks.append(_TYPES[kind])
    if "enum" in schema:
        allowed = list(schema["enum"])
        if not all(isinstance(v, str) for v in allowed):
            raise ValueError("cannot compile an enum of other than strings")
        checks.append(lambda v, allowed=frozenset(allowed): isinstance(v, str) and v in allowed)
    if "format" in schema:
        name = schema["format"]
        checks.append(lambda v, name=name: not isinstance(v, str) or checker.conforms(v, name))
    if "required" in schema:
        needed = tuple(schema["required"])
        checks.append(lambda v, needed=needed: not isinstance(v, dict) or all(k in v for k in needed))
    if "properties" in schema:
        inner = {key: _compile(sub, checker) for key, sub in schema["properties"].items()}

        def properties(v, inner=inner):
            if not isinstance(v, dict):
                return True
            return all(check(v[key]) for key, check in inner.items() if key in v)

        checks.append(properties)
    if "items" in schema:
        if not isinstance(schema["items"], dict):
            raise ValueError("cannot compile items that are not one schema")
        item = _compile(schema["items"], checker)
        checks.append(lambda v, item=item: not isinstance(v, list) or all(item(x) for x in v))
    return lambda v, checks=tuple(checks): all(check(v) for check in checks)


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
