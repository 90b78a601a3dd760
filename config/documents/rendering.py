"""Rendering HTML to PDF, for every kind of document, and the private files the PDFs are kept in.

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

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone

logger = logging.getLogger(__name__)

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


# --- What every document shows of its job ----------------------------------------------------------


def job_context(job) -> dict:
    return {
        # When the render started: every part of a document laid out in parts says the same.
        "generated_at": timezone.localtime(job.started_at) if job.started_at else timezone.localtime(),
        "generated_by": job.requested_by.full_name if job.requested_by else "",
        "service_name": settings.SERVICE_NAME,
        "template_version": job.template_version,
    }


def page_number_pieces(total: int):
    """The pieces of "Page N of {total}" laid out once, each alone where one render puts the page number, with
    their widths from the layout (pdf_join.PageNumberPieces stamps them on a joined file)."""
    from weasyprint.formatting_structure import boxes

    from .pdf_join import PageNumberPieces

    texts = ["Page ", *"0123456789", f" of {total}"]
    # Untagged: the pieces' glyphs are drawn on each page as an artifact (pagination, which PDF/UA asks to be one).
    document = layout(render_to_string("documents/page_numbers.html", {"texts": texts}), tagged=False)
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
    from .models import DocumentJob

    for kind in DocumentJob.Kind.values:
        folder = private_root() / kind
        if not folder.is_dir():
            continue
        for path in folder.glob("*.pdf"):
            if path.is_file() and path.stat().st_mtime < cutoff:
                names.append(f"{kind}/{path.name}")
    return names
