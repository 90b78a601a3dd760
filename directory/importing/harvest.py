"""Running an ImportRun: a feed file, or every page of a publisher's Open Referral UK API, resumably.

A harvest asks for `page=1, 2, …` of the URL it was given until the page object says `last_page` (or a
page is empty), committing each page's records and then recording the next page, so a run stopped for any
reason carries on from the page after the last one committed. A run works for at most `SLICE_SECONDS`
and then queues itself to carry on, so no single task outlives the worker's time limit."""

import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.db import transaction
from django.utils import timezone

from ..models import ImportRun
from .importer import Importer, Organisations
from .reading import _services_of_object, iter_feed_file
from .report import FeedError, ImportReport

SLICE_SECONDS = 60
TIMEOUT_SECONDS = 30
MAX_BYTES = 200 * 1024 * 1024
PER_PAGE = 100


def _get_json(url: str):
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "TeamAroundTheChild"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - http(s) only, checked
        body = response.read(MAX_BYTES + 1)
    if len(body) > MAX_BYTES:
        raise FeedError("A page of the feed is larger than 200 MB")
    try:
        return json.loads(body)
    except json.JSONDecodeError as error:
        raise FeedError(f"{url} did not answer with JSON: {error.msg}") from None


def page_url(url: str, number: int) -> str:
    parts = urllib.parse.urlsplit(url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    if not any(k == "per_page" for k, _ in query):
        query.append(("per_page", str(PER_PAGE)))
    query.append(("page", str(number)))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def _page_number(url: str) -> int:
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    return int(query.get("page", "1"))


def _organisation_fetcher(url: str):
    """`/organizations/{id}` of the same API, for services that name their organisation only by id."""
    base = url.split("?")[0].rsplit("/services", 1)[0] if "/services" in url else None

    def fetch(org_id: str):
        if not base:
            return None
        try:
            data = _get_json(f"{base}/organizations/{urllib.parse.quote(org_id)}")
        except (urllib.error.URLError, FeedError, TimeoutError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    return fetch


def _save(run: ImportRun, importer: Importer, **fields) -> None:
    run.report = importer.report.as_data() | {"seen_ids": importer.seen_ids}
    run.records_done = importer.index
    for name, value in fields.items():
        setattr(run, name, value)
    run.save()


def import_run_work(run_id: int, *, seconds: float = SLICE_SECONDS) -> bool:
    """Do up to `seconds` of a run's work; True when the run is over (finished or failed)."""
    run = ImportRun.objects.get(pk=run_id)
    if run.status in (ImportRun.Status.DONE, ImportRun.Status.FAILED):
        return True
    if run.started_at is None:
        run.started_at = timezone.now()
    run.status = ImportRun.Status.RUNNING
    run.save(update_fields=["started_at", "status"])
    stored = run.report or {}
    importer = Importer(report=ImportReport.from_data(stored), seen_ids=stored.get("seen_ids"))
    deadline = time.monotonic() + seconds
    try:
        if run.url:
            return _harvest(run, importer, deadline)
        return _file(run, importer, deadline)
    except (FeedError, urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        _save(run, importer, status=ImportRun.Status.FAILED, error=str(reason), finished_at=timezone.now())
        return True


def _harvest(run: ImportRun, importer: Importer, deadline: float) -> bool:
    importer.orgs = Organisations(fetch=_organisation_fetcher(run.url))
    url = run.next_url or page_url(run.url, 1)
    while True:
        data = _get_json(url)
        if isinstance(data, list):
            records, last, total_pages = data, True, 1
        elif isinstance(data, dict):
            records = _services_of_object(data)
            total_pages = data.get("total_pages") if isinstance(data.get("total_pages"), int) else None
            number = _page_number(url)
            last = bool(data.get("last_page")) or not records or "contents" not in data
            if total_pages is not None and number >= total_pages:
                last = True
        else:
            raise FeedError(f"{url} did not answer with a page of services")
        with transaction.atomic():
            importer.many(records)
            following = "" if last else page_url(run.url, _page_number(url) + 1)
            _save(run, importer, pages_done=run.pages_done + 1, pages_total=total_pages, next_url=following)
        if last:
            _save(run, importer, status=ImportRun.Status.DONE, finished_at=timezone.now())
            return True
        url = following
        if time.monotonic() > deadline:
            return False


def _file(run: ImportRun, importer: Importer, deadline: float) -> bool:
    records = iter_feed_file(run.file.path)
    for _ in range(run.records_done):
        next(records, None)
    batch = []
    for record in records:
        batch.append(record)
        if len(batch) >= 200:
            with transaction.atomic():
                importer.many(batch)
                _save(run, importer)
            batch = []
            if time.monotonic() > deadline:
                return False
    with transaction.atomic():
        importer.many(batch)
        _save(run, importer, status=ImportRun.Status.DONE, finished_at=timezone.now())
    # The report is kept; the uploaded feed itself is not needed any more.
    run.file.delete(save=True)
    return True
