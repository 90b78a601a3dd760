"""Where a PDF render spends its time: WeasyPrint's phases, and cProfile's top functions.

    .venv/bin/python bench/pdf_profile.py                     # the demo CAF and a 200-service directory
    .venv/bin/python bench/pdf_profile.py --services 1000 --only directory --top 40

The same documents as bench/pdf_render.py (a fresh SQLite database with the demo data). Each document is
rendered once to warm up, then once per phase with a timer around each of WeasyPrint's steps (parsing the
HTML, computing styles, building boxes, laying out pages, drawing and writing the PDF, of which subsetting
the fonts), then once under cProfile, printing the functions with the most time of their own.
"""

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pdf_render import setup_django, synthetic_directory  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--only", choices=["caf", "directory"], default=None)
    parser.add_argument("--top", type=int, default=25, help="functions to list (default 25)")
    return parser.parse_args()


class PhaseTimer:
    """Wraps WeasyPrint's internal steps with timers (monkeypatched for this process only)."""

    TARGETS = [
        ("weasyprint.css", "get_all_computed_styles", "styles"),
        ("weasyprint.formatting_structure.build", "build_formatting_structure", "boxes"),
        ("weasyprint.layout", "layout_document", "layout"),
        ("weasyprint.pdf.fonts", "build_fonts_dictionary", "fonts (subset, embed)"),
        ("weasyprint.pdf.tags", "add_tags", "tags (PDF/UA structure)"),
    ]

    def __init__(self):
        import importlib

        self.totals = {}
        for module_name, function_name, label in self.TARGETS:
            module = importlib.import_module(module_name)
            original = getattr(module, function_name, None)
            if original is None:
                continue
            wrapped = self._wrap(original, label)
            setattr(module, function_name, wrapped)
            # Also where it was imported by name into WeasyPrint's other modules.
            for other in list(sys.modules.values()):
                if (
                    getattr(other, "__name__", "").startswith("weasyprint")
                    and getattr(other, function_name, None) is original
                ):
                    setattr(other, function_name, wrapped)

    def _wrap(self, function, label):
        import inspect

        generator = inspect.isgeneratorfunction(function)  # layout_document yields its pages

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return list(function(*args, **kwargs)) if generator else function(*args, **kwargs)
            finally:
                self.totals[label] = self.totals.get(label, 0) + time.perf_counter() - started

        return timed


def phases(html: str) -> dict:
    """One render as config.documents.rendering.html_to_pdf makes it, timed step by step."""
    from config.documents import rendering

    timer = PhaseTimer()
    renderer = rendering.renderer()
    stylesheets = [renderer.stylesheet(rendering.PRINT_STYLESHEET)]
    with rendering.fewer_collections():
        started = time.perf_counter()
        parsed = renderer.html_class(
            string=html, base_url=rendering.DOCUMENT_ORIGIN + "/", url_fetcher=rendering.safe_url_fetcher_class()()
        )
        parse = time.perf_counter() - started
        started = time.perf_counter()
        document = parsed.render(font_config=renderer.font_config, stylesheets=stylesheets, **rendering.PDF_OPTIONS)
        render = time.perf_counter() - started
        started = time.perf_counter()
        document.write_pdf(**rendering.PDF_OPTIONS)
        write = time.perf_counter() - started
    return {"parse HTML": parse, "render (styles + boxes + layout)": render, "write PDF": write, **timer.totals}, len(
        document.pages
    )


def main():
    args = parse_args()
    setup_django(args.database_url)
    import logging

    logging.disable(logging.INFO)  # the demo data's emails

    from django.template.loader import render_to_string
    from django.utils import timezone

    from caf import documents as caf_documents
    from caf.models import Assessment
    from config.documents import rendering
    from directory import documents as directory_documents

    assessment = Assessment.objects.select_related("child", "assessor", "assessor_agency").get(
        child__first_name="Wayne", is_current=True
    )
    base = {"generated_by": assessment.assessor.full_name, "service_name": "Team Around the Child"}
    documents_to_profile = {
        "caf": lambda: render_to_string(
            "caf/pdf/caf.html",
            {
                **base,
                "generated_at": timezone.localtime(),
                "template_version": "bench",
                **caf_documents.caf_context(assessment),
            },
        ),
        "directory": lambda: render_to_string(
            "directory/pdf/directory.html",
            {
                **base,
                "generated_at": timezone.localtime(),
                "template_version": "bench",
                **directory_documents.directory_context(synthetic_directory(args.services)),
            },
        ),
    }
    for name, html_for in documents_to_profile.items():
        if args.only and name != args.only:
            continue
        html = html_for()
        rendering.html_to_pdf(html)  # warm up
        timings, pages = phases(html)
        print(f"\n== {name}: {pages} pages ==")
        for label, seconds in timings.items():
            print(f"  {label:<36} {seconds * 1000:8.0f} ms")
        profiler = cProfile.Profile()
        profiler.enable()
        rendering.html_to_pdf(html)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
