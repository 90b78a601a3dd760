"""Rendering documents to PDF: a CAF version, or a published directory version.

WeasyPrint lays out a Django template (autoescaped, with its own print stylesheet) as a tagged
PDF/UA-1 file. The URL fetcher it uses serves only the project's own static files: nothing typed into
a CAF can make the renderer read a local file or reach a server.
"""

import hashlib
import logging
import os
import posixpath
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone

logger = logging.getLogger(__name__)

# Bump when a template changes what a document shows: old files are then never reused.
TEMPLATE_VERSIONS = {"caf": "caf-2", "directory": "directory-1"}

# The base URL of every document. `.invalid` can never resolve (RFC 2606), and the fetcher below only
# answers for this origin's /static/ path, from the project's static files.
DOCUMENT_ORIGIN = "https://documents.invalid"
STATIC_PREFIX = "/static/"
STATIC_SUFFIXES = {
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".woff2": "font/woff2",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}


class RefusedURL(ValueError):
    """A document asked for something other than the project's own static files."""


def _static_file(url: str) -> Path:
    """The local file behind an allowed URL, or RefusedURL."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != DOCUMENT_ORIGIN or parts.query or not parts.path.startswith(STATIC_PREFIX):
        raise RefusedURL(f"Refused to fetch {url[:200]!r}: documents may only use the project's static files")
    relative = unquote(parts.path[len(STATIC_PREFIX) :])
    normalised = posixpath.normpath(relative)
    if normalised.startswith(("../", "/")) or normalised in ("..", ".") or "\\" in relative or "\x00" in relative:
        raise RefusedURL(f"Refused to fetch {url[:200]!r}: not a static file")
    suffix = posixpath.splitext(normalised)[1].lower()
    if suffix not in STATIC_SUFFIXES:
        raise RefusedURL(f"Refused to fetch {url[:200]!r}: not a stylesheet, font or image")
    found = finders.find(normalised)
    if not found and settings.STATIC_ROOT:
        candidate = Path(settings.STATIC_ROOT) / normalised
        found = str(candidate) if candidate.is_file() else None
    if not found:
        raise RefusedURL(f"Refused to fetch {url[:200]!r}: no such static file")
    return Path(found)


def safe_url_fetcher_class():
    """The fetcher class, built on first use so importing this module does not load WeasyPrint."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyURLFetcher(URLFetcher):
        """Serves the project's static files; refuses every other scheme, host and path (no file:, no network)."""

        def __init__(self):
            super().__init__(allowed_protocols=("https",), allow_redirects=False, fail_on_errors=False)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            try:
                path = _static_file(url)
            except RefusedURL:
                self.refused.append(url)
                logger.warning("Document rendering refused a URL: %.200s", url)
                raise
            return URLFetcherResponse(
                url, path.read_bytes(), {"Content-Type": STATIC_SUFFIXES[path.suffix.lower()]}, 200
            )

        def open(self, url, data=None, timeout=None):  # never let urllib's handlers be reached
            raise RefusedURL("Documents do not open URLs directly")

    return StaticOnlyURLFetcher


@dataclass
class RenderedDocument:
    content: bytes
    page_count: int
    checksum: str
    refused_urls: list[str]

    @property
    def size(self) -> int:
        return len(self.content)


_FONT_CONFIG = None


def _font_config():
    # One per process (a prefork worker renders one document at a time): fontconfig is set up once.
    global _FONT_CONFIG
    if _FONT_CONFIG is None:
        from weasyprint.text.fonts import FontConfiguration

        _FONT_CONFIG = FontConfiguration()
    return _FONT_CONFIG


def warm_up() -> None:
    """Import WeasyPrint, set up fontconfig and lay out a page once, so a worker's first real render is as fast
    as the rest."""
    html_to_pdf(
        '<html lang="en-GB"><head><title>Warm-up</title>'
        f'<link rel="stylesheet" href="{STATIC_PREFIX}pdf/print.css"></head><body><p>Warm-up</p></body></html>'
    )


def html_to_pdf(html: str) -> RenderedDocument:
    """Lay out HTML as a tagged, accessible A4 PDF (PDF/UA-1), fetching only the project's static files."""
    from weasyprint import HTML

    fetcher = safe_url_fetcher_class()()
    options = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}
    # Laid out once: the page count comes from the layout, not from parsing the file back.
    document = HTML(string=html, base_url=DOCUMENT_ORIGIN + "/", url_fetcher=fetcher).render(
        font_config=_font_config(), **options
    )
    content = document.write_pdf(**options)
    return RenderedDocument(content, len(document.pages), hashlib.sha256(content).hexdigest(), fetcher.refused)


# --- What each document shows -----------------------------------------------------------------------


def caf_context(assessment) -> dict:
    """Everything the CAF PDF shows, read fresh: the national order, all 19 elements, plan and latest review."""
    from children.models import FamilyMember, Involvement, LeadProfessional

    from . import selectors
    from .sections import SECTIONS, element_key

    child = assessment.child
    entries = {e.key: e.data for e in assessment.entries.all()}
    sections = []
    for section in SECTIONS:
        data = entries.get(section.key, {})
        sections.append(
            {
                "spec": section,
                "rows": [(f.label, (data.get(f.name) or "").strip()) for f in section.fields],
            }
        )
    domains = []
    for label, items in selectors.elements_by_domain(assessment):
        rows = []
        for element, _entry in items:
            data = entries.get(element_key(element.code), {})
            rows.append(
                {
                    "element": element,
                    "strengths": (data.get("strengths") or "").strip(),
                    "needs": (data.get("needs") or "").strip(),
                }
            )
        domains.append({"label": label, "elements": rows})
    lead = (
        LeadProfessional.objects.filter(child=child, ended_on__isnull=True)
        .select_related("practitioner", "agency")
        .first()
    )
    return {
        "assessment": assessment,
        "child": child,
        "sections": {s["spec"].key.replace("-", "_"): s for s in sections},
        "domains": domains,
        "family": FamilyMember.objects.filter(child=child).order_by("kind", "name"),
        "involvements": Involvement.objects.current().filter(child=child).select_related("agency", "practitioner"),
        "lead": lead,
        "consent": assessment.consent or child.current_consent,
        "actions": selectors.plan_actions(assessment),
        "review": assessment.reviews.prefetch_related("practitioners_present").first(),
    }


def directory_context(version) -> dict:
    """The published directory grouped by type of service, each entry once, under its first type."""
    content = version.content
    groups: dict[str, list[dict]] = {}
    for section in content.get("sections", []):
        for entry in section.get("entries", []):
            if entry.get("type_names"):
                heading = entry["type_names"][0]
            elif entry.get("kind") == "practitioner":
                heading = "People you can talk to"
            else:
                heading = "Other services"
            groups.setdefault(heading, []).append(entry)
    ordered = sorted(
        groups.items(), key=lambda item: (item[0] in ("People you can talk to", "Other services"), item[0])
    )
    return {
        "version": version,
        "content": content,
        "groups": [
            {"heading": heading, "anchor": f"group-{i}", "entries": sorted(items, key=lambda e: e["name"].lower())}
            for i, (heading, items) in enumerate(ordered, start=1)
        ],
        "total": sum(len(items) for items in groups.values()),
    }


def directory_parts(context: dict, part_size: int) -> list[list[tuple[int, int]]]:
    """How a directory is laid out in parts: for each part, its (group index, entry index) pairs, in
    document order, `part_size` entries a part. One part when the directory is no larger than that."""
    flat = [(g, e) for g, group in enumerate(context["groups"]) for e in range(len(group["entries"]))]
    return [flat[i : i + part_size] for i in range(0, len(flat), part_size)] or [[]]


def directory_part_context(context: dict, part: list[tuple[int, int]]) -> dict:
    """The groups of one part: the entries it lays out, and whether each group's heading starts in it."""
    groups = []
    for g, e in part:
        group = context["groups"][g]
        if not groups or groups[-1]["index"] != g:
            groups.append({**group, "index": g, "starts_here": e == 0, "entries": []})
        groups[-1]["entries"].append(group["entries"][e])
    return {**context, "groups": groups}


def directory_version_model():
    return apps.get_model("directory", "DirectoryVersion")


def _job_context(job) -> dict:
    return {
        # When the render started: every part of a directory laid out in parts says the same.
        "generated_at": timezone.localtime(job.started_at) if job.started_at else timezone.localtime(),
        "generated_by": job.requested_by.full_name if job.requested_by else "",
        "service_name": settings.SERVICE_NAME,
        "template_version": job.template_version,
    }


def _directory_version(job):
    return directory_version_model().objects.select_related("directory__setting").get(pk=job.directory_version_id)


def directory_job_context(job) -> dict:
    return {**_job_context(job), **directory_context(_directory_version(job))}


def render_job(job) -> RenderedDocument:
    """Render the document a job asks for, as of now (a directory no larger than one part: whole)."""
    context = _job_context(job)
    if job.kind == "caf":
        from .models import Assessment

        assessment = Assessment.objects.select_related("child", "assessor", "assessor_agency").get(pk=job.assessment_id)
        html = render_to_string("caf/pdf/caf.html", {**context, **caf_context(assessment)})
    else:
        html = render_to_string("caf/pdf/directory.html", {**context, **directory_context(_directory_version(job))})
    return html_to_pdf(html)


def render_directory_part(context: dict, part: list[tuple[int, int]]) -> RenderedDocument:
    """One part of a large directory, laid out without page numbers (see join_directory)."""
    return html_to_pdf(render_to_string("caf/pdf/directory_part.html", directory_part_context(context, part)))


def join_directory(context: dict, parts: list[list[tuple[int, int]]], part_files: list[bytes]) -> RenderedDocument:
    """The whole directory from its parts: the front pages (title, contents with each group's page, known now),
    every part in order with its tagged structure, bookmarks and links, then "Page N of M" on every page."""
    from . import pdf_join

    starts = {}  # group index -> (part number, its anchor's page in the part)
    for number, (part, content) in enumerate(zip(parts, part_files, strict=True)):
        pages = pdf_join.named_destination_pages(content)
        for group in directory_part_context(context, part)["groups"]:
            if group["starts_here"]:
                starts[group["index"]] = (number, pages.get(group["anchor"], 0))
    part_pages = [pdf_join.page_count(content) for content in part_files]
    front_pages = 1
    for _ in range(3):  # the contents' page numbers depend on how many pages the front takes
        first_page = [front_pages + sum(part_pages[:n]) + 1 for n in range(len(parts))]
        groups = [
            {**group, "page": first_page[starts[g][0]] + starts[g][1] if g in starts else ""}
            for g, group in enumerate(context["groups"])
        ]
        front = html_to_pdf(render_to_string("caf/pdf/directory_front.html", {**context, "groups": groups}))
        if front.page_count == front_pages:
            break
        front_pages = front.page_count
    total = front.page_count + sum(part_pages)
    numbers = html_to_pdf(render_to_string("caf/pdf/page_numbers.html", {"pages": range(total)}))
    content = pdf_join.join(front.content, part_files, numbers.content)
    return RenderedDocument(content, total, hashlib.sha256(content).hexdigest(), front.refused_urls)


# --- Files --------------------------------------------------------------------------------------------


def private_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def file_path(name: str) -> Path:
    root = private_root().resolve()
    path = (root / name).resolve()
    if root not in path.parents:
        raise ValueError("A document file must live under the private files root")
    return path


def file_write(name: str, content: bytes) -> None:
    """Write atomically: a worker killed half-way leaves a temporary file, never a truncated document."""
    path = file_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".rendering-", suffix=".pdf")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def file_delete(name: str) -> None:
    file_path(name).unlink(missing_ok=True)


def files_older_than(moment) -> list[str]:
    """Names (relative to the private root) of the document files, finished or temporary, last written
    before `moment`."""
    names = []
    cutoff = moment.timestamp()
    for kind in TEMPLATE_VERSIONS:
        folder = private_root() / kind
        if not folder.is_dir():
            continue
        for path in folder.glob("*.pdf"):
            if path.is_file() and path.stat().st_mtime < cutoff:
                names.append(f"{kind}/{path.name}")
    return names
