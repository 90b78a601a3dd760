"""Rendering documents to PDF: a CAF version, or a published directory version.

WeasyPrint lays out a Django template (autoescaped, with its own print stylesheet) as a tagged
PDF/UA-1 file. The URL fetcher it uses serves only the project's own static files: nothing typed into
a CAF can make the renderer read a local file or reach a server.
"""

import gc
import hashlib
import logging
import os
import posixpath
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone

logger = logging.getLogger(__name__)

# Bump when a template changes what a document shows: old files are then never reused. (directory-2: a directory
# joined from parts has its page numbers as artifacts; before, they were tagged with MCIDs that pointed nowhere.)
TEMPLATE_VERSIONS = {"caf": "caf-2", "directory": "directory-2"}

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


# --- The renderer: what every render in a process shares -----------------------------------------------
# Measured in bench/pdf_profile.py and bench/README.md ("PDF rendering"). A `pdf` worker's pool process
# renders one document at a time and builds this once, in warm_up().

PRINT_STYLESHEET = "pdf/print.css"

# WeasyPrint's user-agent stylesheet styles six pseudo-elements of *every* element (`::marker`, and
# `::footnote-call`, `::footnote-marker`, `::note-call`, `::note-marker`, `::note-callback`), so each element's
# style was computed seven times: 14 % of a 200-service directory's render. Our documents have list markers
# only on `li` and use no footnotes or notes (`float: footnote`), so the marker rule is narrowed to the
# elements that have markers and the five note rules are left out; every other rule is WeasyPrint's own.
UA_NARROWED = {"::marker": "li::marker, summary::marker"}
UA_LEFT_OUT = {"::footnote-call", "::footnote-marker", "::note-call", "::note-marker", "::note-callback"}


def user_agent_stylesheet_text() -> str:
    """WeasyPrint's HTML user-agent stylesheet with the changes above. Fails loudly if a WeasyPrint upgrade
    changed the rules it expects, rather than silently styling documents differently."""
    import tinycss2
    from weasyprint.html import UA

    rules, seen = [], set()
    for rule in tinycss2.parse_stylesheet(UA, skip_comments=True, skip_whitespace=True):
        if rule.type == "at-rule" and rule.lower_at_keyword == "counter-style":
            continue  # already registered by WeasyPrint (html.UA_COUNTER_STYLE), which every render copies
        text = rule.serialize()
        if rule.type == "qualified-rule":
            prelude = tinycss2.serialize(rule.prelude).strip()
            if prelude in UA_LEFT_OUT:
                seen.add(prelude)
                continue
            if prelude in UA_NARROWED:
                seen.add(prelude)
                text = UA_NARROWED[prelude] + " {" + tinycss2.serialize(rule.content) + "}"
        rules.append(text)
    expected = UA_LEFT_OUT | set(UA_NARROWED)
    if seen != expected:
        raise RuntimeError(f"WeasyPrint's user-agent stylesheet changed: expected rules {sorted(expected - seen)}")
    return "\n".join(rules)


class Renderer:
    """Fontconfig, the parsed stylesheets and WeasyPrint's HTML class, made once per process."""

    def __init__(self):
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration

        self.font_config = FontConfiguration()
        user_agent = CSS(string=user_agent_stylesheet_text())

        class DocumentHTML(HTML):
            def _ua_stylesheets(self, forms=False):  # our documents have no form fields (forms=False)
                return [user_agent]

        self.html_class = DocumentHTML
        self._stylesheets = {}

    def stylesheet(self, name: str):
        """A static stylesheet, fetched through the safe fetcher and parsed once, not again for every document."""
        from weasyprint import CSS

        if name not in self._stylesheets:
            self._stylesheets[name] = CSS(
                url=f"{DOCUMENT_ORIGIN}{STATIC_PREFIX}{name}",
                url_fetcher=safe_url_fetcher_class()(),
                font_config=self.font_config,
            )
        return self._stylesheets[name]


_RENDERER = None


def renderer() -> Renderer:
    global _RENDERER
    if _RENDERER is None:
        _RENDERER = Renderer()
    return _RENDERER


_gc_lock = threading.Lock()
_gc_depth = 0
_gc_saved = gc.get_threshold()


@contextmanager
def fewer_collections():
    """Python's cyclic garbage collector runs after every 700 new objects by default; a render makes millions of
    small ones (boxes, styles, PDF objects) that live until it ends, so those collections walk them again and
    again for nothing: 5–8 % of a render. Collect far less often while rendering (the collector still runs),
    then as before. The setting is process-wide, so nested and concurrent renders are counted and only the
    last one out restores it."""
    global _gc_depth, _gc_saved
    with _gc_lock:
        if _gc_depth == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(50_000, 20, 100)
        _gc_depth += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0:
                gc.set_threshold(*_gc_saved)


def warm_up() -> None:
    """Import WeasyPrint, set up fontconfig, parse the stylesheets and lay out a page once, so a worker's first
    real render is as fast as the rest."""
    html_to_pdf('<html lang="en-GB"><head><title>Warm-up</title></head><body><p>Warm-up</p></body></html>')


PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}


def html_to_pdf(html: str, stylesheets: tuple[str, ...] = (PRINT_STYLESHEET,)) -> RenderedDocument:
    """Lay out HTML as a tagged, accessible A4 PDF (PDF/UA-1) with the print stylesheet, fetching only the
    project's static files."""
    document = layout(html, stylesheets)
    with fewer_collections():
        content = document.write_pdf(**PDF_OPTIONS)
    return RenderedDocument(
        content, len(document.pages), hashlib.sha256(content).hexdigest(), document.url_fetcher.refused
    )


def layout(html: str, stylesheets: tuple[str, ...] = (PRINT_STYLESHEET,), tagged: bool = True):
    """WeasyPrint's laid-out Document (its pages and boxes), before it is written as a PDF."""
    current = renderer()
    fetcher = safe_url_fetcher_class()()
    with fewer_collections():
        # Laid out once: the page count comes from the layout, not from parsing the file back.
        document = current.html_class(string=html, base_url=DOCUMENT_ORIGIN + "/", url_fetcher=fetcher).render(
            font_config=current.font_config,
            stylesheets=[current.stylesheet(name) for name in stylesheets],
            **(PDF_OPTIONS if tagged else {}),
        )
    return document


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


def directory_context(version, content: dict | None = None) -> dict:
    """The published directory grouped by type of service, each entry once, under its first type (`content`:
    the version's, if already read)."""
    content = version.content if content is None else content
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


def _directory_context(job) -> dict:
    """The directory a job shows. Its content (megabytes of JSON at 5,000 services, 0.1 s to read and decode) is
    read through directory.selectors.version_content, which keeps a published version's content decoded in each
    process: every part of a directory laid out in parts, and the join, would otherwise read it again."""
    from directory.selectors import version_content

    version = directory_version_model().objects.defer("content").get(pk=job.directory_version_id)
    return directory_context(version, version_content(version))


def directory_job_context(job) -> dict:
    return {**_job_context(job), **_directory_context(job)}


def render_job(job) -> RenderedDocument:
    """Render the document a job asks for, as of now (a directory no larger than one part: whole)."""
    context = _job_context(job)
    if job.kind == "caf":
        from .models import Assessment

        assessment = Assessment.objects.select_related("child", "assessor", "assessor_agency").get(pk=job.assessment_id)
        html = render_to_string("caf/pdf/caf.html", {**context, **caf_context(assessment)})
    else:
        html = render_to_string("caf/pdf/directory.html", {**context, **_directory_context(job)})
    return html_to_pdf(html)


def render_directory_part(context: dict, part: list[tuple[int, int]]) -> RenderedDocument:
    """One part of a large directory, laid out without page numbers (see join_directory)."""
    return html_to_pdf(render_to_string("caf/pdf/directory_part.html", directory_part_context(context, part)))


def join_directory(context: dict, parts: list[list[tuple[int, int]]], part_files: list) -> RenderedDocument:
    """The whole directory from its parts (each a PDF's bytes or file): the front pages (title, contents with
    each group's page, known now), every part in order with its tagged structure, bookmarks and links, then
    "Page N of M" on every page."""
    from . import pdf_join

    opened = [pdf_join.open_pdf(source) for source in part_files]  # each part opened once
    starts = {}  # group index -> (part number, its anchor's page in the part)
    for number, (part, pdf) in enumerate(zip(parts, opened, strict=True)):
        pages = pdf_join.named_destination_pages(pdf)
        for group in directory_part_context(context, part)["groups"]:
            if group["starts_here"]:
                starts[group["index"]] = (number, pages.get(group["anchor"], 0))
    part_pages = [len(pdf.pages) for pdf in opened]
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
    content = pdf_join.join(front.content, opened, page_number_pieces(total))
    return RenderedDocument(content, total, hashlib.sha256(content).hexdigest(), front.refused_urls)


def page_number_pieces(total: int):
    """The pieces of "Page N of {total}" laid out once, each alone where one render puts the page number, with
    their widths from the layout (caf.pdf_join.PageNumberPieces stamps them on a joined file)."""
    from weasyprint.formatting_structure import boxes

    from .pdf_join import PageNumberPieces

    texts = ["Page ", *"0123456789", f" of {total}"]
    # Untagged: the pieces' glyphs are drawn on each page as an artifact (pagination, which PDF/UA asks to be one).
    document = layout(render_to_string("caf/pdf/page_numbers.html", {"texts": texts}), tagged=False)
    widths = []
    for page in document.pages:
        (margin_box,) = [box for box in page._page_box.children if isinstance(box, boxes.MarginBox)]
        # In CSS pixels, the units of the text's position in WeasyPrint's content stream.
        widths.append(sum(box.width for box in margin_box.descendants() if isinstance(box, boxes.TextBox)))
    with fewer_collections():
        content = document.write_pdf()
    return PageNumberPieces(content, texts, widths)


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
