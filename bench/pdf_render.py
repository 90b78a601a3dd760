"""Time the PDF documents as a worker renders them, against the same HTML printed by headless Chromium.

    .venv/bin/python bench/pdf_render.py                      # a fresh SQLite database with the demo data
    .venv/bin/python bench/pdf_render.py --database-url postgres://postgres@127.0.0.1:5432/tac_bench_pdf

It renders the demo CAF (Wayne Carter's, every section, the delivery plan and a review) and a published
directory of 200 services through caf.documents (WeasyPrint, the safe URL fetcher, tagged PDF/UA-1,
page count from the layout, checksum), `--renders` times each after `--warmups`, and prints the median and
95th-percentile render time, pages per second and the peak memory of the process (the worker's peak RSS,
and the Python allocations of one render by tracemalloc). In the same run it prints the same HTML (the
print stylesheet inlined, since Chromium has no URL fetcher of ours) with headless Chromium through
Playwright's page.pdf(tagged=True), and the ratio. The budget is a full CAF in under 1 second median.
"""

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from types import SimpleNamespace

BASE_DIR = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite database with the demo data")
    parser.add_argument("--renders", type=int, default=20, help="timed renders per document (default 20)")
    parser.add_argument("--warmups", type=int, default=2, help="untimed renders first (default 2)")
    parser.add_argument("--services", type=int, default=200, help="services in the directory (default 200)")
    parser.add_argument("--no-chromium", action="store_true", help="skip the Chromium comparison")
    return parser.parse_args()


def setup_django(database_url: str) -> None:
    if not database_url:
        database_url = f"sqlite:///{tempfile.mkdtemp(prefix='tac-pdf-bench-')}/bench.sqlite3"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.pop("CELERY_BROKER_URL", None)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo_data", verbosity=0)


def percentile(values, pct):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def synthetic_directory(services: int):
    """A published directory version of `services` services (plain data, as DirectoryVersion.content)."""
    from django.utils import timezone

    from directory.taxonomies import OUTCOMES, SERVICE_TYPES

    entries = []
    for i in range(services):
        code, type_name, _ = SERVICE_TYPES[i % len(SERVICE_TYPES)]
        outcome = OUTCOMES[i % len(OUTCOMES)]
        entries.append(
            {
                "kind": "service",
                "key": f"service:{i}",
                "name": f"{type_name} service {i + 1:03d}",
                "agency": f"Northfield agency {i % 40 + 1}",
                "description": "Support for children and families: drop-in sessions, one-to-one advice and groups, "
                "free of charge, in English and Polish, with step-free access.",
                "note": "In school every Tuesday morning, room 4." if i % 5 == 0 else "",
                "types": [code],
                "type_names": [type_name],
                "outcomes": [outcome[0]],
                "outcome_names": [outcome[1]],
                "details": [
                    ["Provided by", f"Northfield agency {i % 40 + 1}"],
                    ["Type of service", type_name],
                    ["Ages", "0 to 11"],
                    ["Where", "Riverside Children's Centre, NF4 2RP"],
                    ["When", "Tuesday 09:30–11:30\nThursday 13:00–15:00"],
                    ["How to refer", "Ring the duty worker or ask your health visitor to refer you."],
                    ["Telephone", "01632 960 303"],
                    ["Email", "duty@northfield.example.org"],
                ],
            }
        )
    content = {
        "title": "Riverside Primary School directory",
        "introduction": "Services for children and families near Riverside Primary School.",
        "setting": "Riverside Primary School",
        "sections": [{"heading": "", "entries": entries}],
    }
    return SimpleNamespace(pk=0, number=3, published_at=timezone.now(), content=content)


def weasyprint_timings(html_for, renders: int, warmups: int):
    from caf import documents

    for _ in range(warmups):
        documents.html_to_pdf(html_for())
    times, pages = [], 0
    for _ in range(renders):
        started = time.perf_counter()
        rendered = documents.html_to_pdf(html_for())
        times.append(time.perf_counter() - started)
        pages = rendered.page_count
    tracemalloc.start()
    documents.html_to_pdf(html_for())
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return times, pages, traced_peak


def chromium_timings(html: str, renders: int, warmups: int):
    from playwright.sync_api import sync_playwright

    from caf import documents

    css = documents._static_file(f"{documents.DOCUMENT_ORIGIN}/static/pdf/print.css").read_text()
    inlined = html.replace('<link rel="stylesheet" href="/static/pdf/print.css">', f"<style>{css}</style>")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page()
        # Nothing leaves the machine: every request the document makes is refused.
        page.route("**/*", lambda route: route.abort())
        times, content = [], b""
        for i in range(warmups + renders):
            started = time.perf_counter()
            page.set_content(inlined, wait_until="load")
            content = page.pdf(format="A4", prefer_css_page_size=True, tagged=True, print_background=True)
            if i >= warmups:
                times.append(time.perf_counter() - started)
        browser.close()
    import io

    from pypdf import PdfReader

    return times, len(PdfReader(io.BytesIO(content)).pages)


def report(name, times, pages, traced_peak=None):
    median, p95 = statistics.median(times), percentile(times, 95)
    line = f"{name:<34} median {median * 1000:7.0f} ms   p95 {p95 * 1000:7.0f} ms   {pages:3d} pages   "
    line += f"{pages / median:6.1f} pages/s"
    if traced_peak is not None:
        line += f"   Python peak {traced_peak / 2**20:5.1f} MiB"
    print(line)
    return median


def main():
    args = parse_args()
    print("Setting up the demo data…", flush=True)
    setup_django(args.database_url)

    from django.template.loader import render_to_string
    from django.utils import timezone

    from caf import documents
    from caf.models import Assessment

    assessment = Assessment.objects.select_related("child", "assessor", "assessor_agency").get(
        child__first_name="Wayne", is_current=True
    )
    base = {"generated_by": assessment.assessor.full_name, "service_name": "Team Around the Child"}

    def caf_html():
        # What a worker does per job: read the CAF fresh and lay it out.
        context = {**base, "generated_at": timezone.localtime(), "template_version": documents.TEMPLATE_VERSIONS["caf"]}
        return render_to_string("caf/pdf/caf.html", {**context, **documents.caf_context(assessment)})

    version = synthetic_directory(args.services)

    def directory_html():
        context = {**base, "generated_at": timezone.localtime(), "template_version": "directory-1"}
        return render_to_string("caf/pdf/directory.html", {**context, **documents.directory_context(version)})

    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; {args.renders} renders each\n")
    results = {}
    for name, html_for in [
        ("CAF (demo, WeasyPrint)", caf_html),
        (f"Directory ({args.services} services)", directory_html),
    ]:
        times, pages, traced = weasyprint_timings(html_for, args.renders, args.warmups)
        results[name] = report(name, times, pages, traced)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'Worker process peak RSS':<34} {peak_rss:.0f} MiB (WeasyPrint renders only: Chromium not yet started)")

    if not args.no_chromium and Path(CHROMIUM).exists():
        print()
        for name, html in [("CAF (demo, Chromium)", caf_html()), ("Directory (Chromium)", directory_html())]:
            times, pages = chromium_timings(html, args.renders, args.warmups)
            median = report(name, times, pages)
            ours = results[
                "CAF (demo, WeasyPrint)" if name.startswith("CAF") else f"Directory ({args.services} services)"
            ]
            print(f"{'':<34} WeasyPrint / Chromium = {ours / median:.2f}")
    budget = results["CAF (demo, WeasyPrint)"]
    print(f"\nBudget: a full CAF under 1 s median: {'met' if budget < 1 else 'NOT met'} ({budget * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
