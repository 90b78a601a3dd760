"""How documents are rendered: the same PDF as WeasyPrint's defaults would draw, made with less work, and a
directory joined from parts numbered exactly where one render numbers it."""

import gc
import io
import re
import threading

import pikepdf
import pytest
import tinycss2
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from caf import documents as caf_documents
from config.documents import pdf_join, rendering
from directory import documents as directory_documents
from tests.directory.conftest import listed_agency, listed_service, school_directory  # noqa: F401

from .pdf_reading import pdf_text
from .pdf_structure import structure_facts

# A document with what our templates use: running header and footer, page numbers, headings (bookmarks), a list
# with markers, tables split over pages, links within the document, text with line breaks kept.
SAMPLE = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Sample</title></head>
<body class="{body_class}">
<div class="running-header"><strong>Sample directory</strong><br>Riverside · version 1</div>
<div class="running-footer">Generated 1 December 2026</div>
<main><h1>Sample directory</h1>
<nav class="contents"><h2>Contents</h2><ol><li><a href="#one">One</a></li><li><a href="#two">Two</a></li></ol></nav>
<section><h2 id="one">One</h2>{entries}</section>
<section><h2 id="two">Two</h2>{entries}</section></main></body></html>"""
ENTRY = """<div class="entry"><h3>Service {n}</h3><p class="text">Drop-in sessions
and advice, number {n}.</p><table class="details"><tbody><tr><th scope="row">When</th><td class="text">Tuesday
09:30–11:30</td></tr><tr><th scope="row">Telephone</th><td>01632 960 {n:03d}</td></tr></tbody></table></div>"""


def sample(body_class: str = "public", entries: int = 12) -> str:
    return SAMPLE.format(body_class=body_class, entries="".join(ENTRY.format(n=n) for n in range(entries)))


def drawing(content: bytes) -> list[list[tuple]]:
    """Every page's drawing operators, with resource names (fonts, graphics states) replaced by their order of
    first use, so that two files drawn alike compare equal whatever WeasyPrint named their resources."""
    pdf = pikepdf.open(io.BytesIO(content))
    pages = []
    for page in pdf.pages:
        names, operators = {}, []
        for operands, operator in pikepdf.parse_content_stream(page):
            normal = []
            for operand in operands:
                if isinstance(operand, pikepdf.Name) and str(operator) in RESOURCE_OPERATORS:
                    normal.append(names.setdefault(str(operand), f"/R{len(names)}"))
                elif isinstance(operand, (pikepdf.Array, pikepdf.Dictionary)):
                    normal.append(repr(operand))
                else:
                    normal.append(str(operand))
            operators.append((str(operator), tuple(normal)))
        pages.append(operators)
    return pages


RESOURCE_OPERATORS = {"Tf", "gs", "Do", "sh", "scn", "cs"}  # whose name operands are the page's resources


def weasyprints_own(html: str) -> bytes:
    """The same HTML laid out by WeasyPrint with its defaults: its own user-agent stylesheet, the print stylesheet
    parsed for this render, Python's usual garbage collection."""
    from weasyprint import CSS, HTML

    renderer = rendering.renderer()
    fetcher = rendering.safe_url_fetcher_class()()
    stylesheet = CSS(
        url=f"{rendering.DOCUMENT_ORIGIN}/static/{rendering.PRINT_STYLESHEET}",
        url_fetcher=fetcher,
        font_config=renderer.font_config,
    )
    return HTML(string=html, base_url=rendering.DOCUMENT_ORIGIN + "/", url_fetcher=fetcher).write_pdf(
        stylesheets=[stylesheet], font_config=renderer.font_config, **rendering.PDF_OPTIONS
    )


def test_our_user_agent_stylesheet_is_weasyprints_but_for_pseudo_elements_our_documents_never_have():
    from weasyprint.html import UA

    def rules(text):
        parsed = tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
        return [
            (tinycss2.serialize(rule.prelude).strip(), tinycss2.serialize(rule.content).strip())
            for rule in parsed
            if not (rule.type == "at-rule" and rule.lower_at_keyword == "counter-style")
        ]

    ours, theirs = rules(rendering.user_agent_stylesheet_text()), rules(UA)
    left_out = [rule for rule in theirs if rule not in ours]
    assert sorted(prelude for prelude, _ in left_out) == sorted(["::marker", *rendering.UA_LEFT_OUT])
    added = [rule for rule in ours if rule not in theirs]
    assert added == [("li::marker, summary::marker", dict(theirs)["::marker"])]
    assert len(ours) == len(theirs) - len(rendering.UA_LEFT_OUT)


@pytest.mark.parametrize("body_class", ["public", ""])
def test_a_document_is_drawn_exactly_as_weasyprints_defaults_draw_it(body_class):
    html = sample(body_class)
    ours, theirs = rendering.html_to_pdf(html).content, weasyprints_own(html)
    assert drawing(ours) == drawing(theirs)
    assert structure_facts(ours)["elements"] == structure_facts(theirs)["elements"]
    assert structure_facts(ours)["outline"] == structure_facts(theirs)["outline"]
    # The list markers are still there (the one pseudo-element rule narrowed, not dropped), tagged as labels.
    assert structure_facts(ours)["elements"].count("/Lbl") == 2


@pytest.mark.django_db
def test_the_caf_is_drawn_exactly_as_weasyprints_defaults_draw_it(caf):
    context = {"generated_at": None, "generated_by": "", "service_name": "Team Around the Child"}
    context = {**context, "template_version": "test", **caf_documents.caf_context(caf)}
    html = render_to_string("caf/pdf/caf.html", context)
    assert drawing(rendering.html_to_pdf(html).content) == drawing(weasyprints_own(html))


def test_collections_are_fewer_during_a_render_and_as_before_after_it_even_for_renders_at_once():
    before = gc.get_threshold()
    entered, release = threading.Event(), threading.Event()

    def render_slowly():
        with rendering.fewer_collections():
            entered.set()
            release.wait(10)

    other = threading.Thread(target=render_slowly)
    other.start()
    entered.wait(10)
    with rendering.fewer_collections():
        assert gc.get_threshold()[0] > before[0]
    assert gc.get_threshold()[0] > before[0]  # the other render is still going
    release.set()
    other.join(10)
    assert gc.get_threshold() == before


def test_the_stylesheet_is_parsed_once_per_process():
    renderer = rendering.renderer()
    assert renderer.stylesheet(rendering.PRINT_STYLESHEET) is renderer.stylesheet(rendering.PRINT_STYLESHEET)


# --- Page numbers stamped on a directory joined from parts ---------------------------------------------------


def number_positions(content: bytes) -> list[tuple[str, float, float]]:
    """Each page's "Page N of M" as pypdf reads it, with where it starts on the page (in points)."""
    found = []
    for page in PdfReader(io.BytesIO(content)).pages:
        hits = []

        def visit(text, cm, tm, font, size, hits=hits):
            if re.fullmatch(r"Page \d+ of \d+", text.strip()):
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                hits.append((text.strip(), round(x, 2), round(y, 2)))

        page.extract_text(visitor_text=visit)
        assert len(hits) == 1, hits
        found.append(hits[0])
    return found


def test_stamped_page_numbers_read_and_sit_exactly_where_one_render_puts_them():
    whole = rendering.html_to_pdf(sample("public", entries=40))
    unnumbered = rendering.html_to_pdf(sample("public split", entries=40))
    assert whole.page_count == unnumbered.page_count >= 3
    assert "Page 1 of" not in pdf_text(unnumbered.content)

    stamped = pdf_join.join(unnumbered.content, [], rendering.page_number_pieces(whole.page_count))

    assert number_positions(stamped) == number_positions(whole.content)
    assert [text for text, _, _ in number_positions(stamped)] == [
        f"Page {n} of {whole.page_count}" for n in range(1, whole.page_count + 1)
    ]
    # Drawn with the same glyphs, font size and colour as one render's, and marked as an artifact.
    pdf = pikepdf.open(io.BytesIO(stamped))
    operators = [(str(op), operands) for operands, op in pikepdf.parse_content_stream(pdf.pages[1])]
    artifact = max(i for i, (op, operands) in enumerate(operators) if op == "BMC" and str(operands[0]) == "/Artifact")
    stamp = ["BMC", "q", "cm", "cm", "rg", "BT", "Tm", "Tf", "TJ", "ET", "Q", "EMC"]
    assert [op for op, _ in operators[artifact:]] == stamp
    facts = structure_facts(stamped)
    assert facts["text_in_artifacts"] == whole.page_count
    assert facts["text_outside_marked_content"] == 0 and facts["unresolved_mcids"] == 0


def test_page_numbers_of_many_digits_use_each_digit_piece():
    pieces = rendering.page_number_pieces(2501)
    assert pieces.texts == ["Page ", *"0123456789", " of 2501"]
    assert all(width > 0 for width in pieces.widths)
    assert [pieces.texts[i] for i in pieces.pieces_for(1209)] == ["Page ", "1", "2", "0", "9", " of 2501"]


def test_a_joined_directory_is_one_tagged_document_with_every_part_in_order():
    parts = [rendering.html_to_pdf(sample("public split", entries=8)).content for _ in range(3)]
    front = rendering.html_to_pdf(sample("public split", entries=0))
    total = front.page_count + sum(pdf_join.page_count(part) for part in parts)
    joined = pdf_join.join(front.content, parts, rendering.page_number_pieces(total))

    facts = structure_facts(joined)
    assert facts["pages"] == total and facts["documents"] == 1 and facts["dangling"] == 0
    assert facts["element_pages_in_order"] and facts["parent_tree_keys_unique"]
    assert facts["every_page_and_link_in_parent_tree"] and facts["unresolved_mcids"] == 0
    assert facts["text_outside_marked_content"] == 0 and facts["text_in_artifacts"] == total
    one_part = structure_facts(parts[0])
    assert facts["elements"].count("/H3") == 3 * one_part["elements"].count("/H3")
    # The bookmarks: the front's title first, then each part's headings in order.
    assert facts["outline"][0] == "Sample directory"
    assert facts["outline"].count("Service 7") == 3 * one_part["outline"].count("Service 7")


# --- The directory's content, read once per process -----------------------------------------------------------


@pytest.fixture
def published_directory(school_directory, listed_service, coordinator):  # noqa: F811
    from directory import services

    services.entry_add(actor=coordinator, directory=school_directory, target=listed_service)
    return services.directory_publish(actor=coordinator, directory=school_directory)


@pytest.mark.django_db
def test_every_part_of_a_directory_reads_its_content_once_per_process(published_directory):
    from config.documents.models import DocumentJob

    job = DocumentJob.objects.create(
        kind=DocumentJob.Kind.DIRECTORY, directory_version_id=published_directory.pk, template_version="test"
    )
    first = directory_documents.directory_job_context(job)
    with CaptureQueriesContext(connection) as queries:
        again = directory_documents.directory_job_context(job)
    assert again["groups"] == first["groups"] and again["total"] == first["total"] >= 1
    assert not [q["sql"] for q in queries if '"content"' in q["sql"]], "the content was read again"
