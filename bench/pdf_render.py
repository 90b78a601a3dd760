"""Time the PDF documents as a worker renders them, against the same HTML printed by headless Chromium.

    .venv/bin/python bench/pdf_render.py                      # a fresh SQLite database with the demo data
    .venv/bin/python bench/pdf_render.py --database-url postgres://postgres@127.0.0.1:5432/tac_bench_pdf

It renders the demo CAF (Wayne Carter's, every section, the delivery plan and a review) and a published
directory of 200 services through config.documents.rendering (WeasyPrint, the safe URL fetcher, tagged PDF/UA-1,
page count from the layout, checksum), `--renders` times each after `--warmups`, and prints the median and
95th-percentile render time (wall and this process's CPU time), pages per second and the peak memory of
the process (the worker's peak RSS, and the Python allocations of one render by tracemalloc). Chromium
prints the same HTML (the print stylesheet inlined, since Chromium has no URL fetcher of ours) through
Playwright's page.pdf(tagged=True), **interleaved** render by render with WeasyPrint's, so that both see
the same load on a shared machine; the ratio is of the medians.

The CAF is also timed as WeasyPrint's floor (not interleaved with Chromium, `--no-floor` to skip): untagged,
and untagged without the print stylesheet (WeasyPrint's user-agent styles alone), to show how much of the
time is the document's structure rather than anything we ask of WeasyPrint.

Then the directory as the workers make it when it is larger than DOCUMENT_DIRECTORY_PART_SIZE: its parts
laid out by `--workers` processes at once (each warmed up, as a worker's pool process is) and joined
(directory.documents.join_directory), wall time from the first part to the joined file, and the longest single
task against Celery's soft time limit. `--large 5000` does the same once for a directory of that many
services, the time-limit case.
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
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite database with the demo data")
    parser.add_argument("--renders", type=int, default=20, help="timed renders per document (default 20)")
    parser.add_argument("--warmups", type=int, default=2, help="untimed renders first (default 2)")
    parser.add_argument("--services", type=int, default=200, help="services in the directory (default 200)")
    parser.add_argument("--no-chromium", action="store_true", help="skip the Chromium comparison")
    parser.add_argument(
        "--no-floor", action="store_true", help="skip the CAF untagged and without the print stylesheet (its floor)"
    )
    parser.add_argument("--workers", type=int, default=2, help="processes laying out parts at once (default 2)")
    parser.add_argument("--part-size", type=int, default=0, help="default: DOCUMENT_DIRECTORY_PART_SIZE")
    parser.add_argument("--parts-only", action="store_true", help="only the directory in parts")
    parser.add_argument("--large", type=int, default=0, help="also one directory of this many services in parts")
    return parser.parse_args()


def setup_django(database_url: str, load: bool = True) -> None:
    if not database_url:
        database_url = f"sqlite:///{tempfile.mkdtemp(prefix='tac-pdf-bench-')}/bench.sqlite3"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.pop("CELERY_BROKER_URL", None)
    # Playwright's sync API keeps an event loop on this thread while the CAF is read between its renders;
    # the bench is one thread, so Django's guard against async contexts does not apply.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    if load:
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


def _inlined(html: str) -> str:
    """The HTML as Chromium gets it: the print stylesheet (config.documents.rendering applies it), inlined."""
    from config.documents import rendering

    css = rendering._static_file(f"{rendering.DOCUMENT_ORIGIN}/static/{rendering.PRINT_STYLESHEET}").read_text()
    return html.replace("</head>", f"<style>{css}</style></head>", 1)


def descendants_cpu_seconds() -> float:
    """CPU time (user + system) of this process's live descendants: Playwright's driver and Chromium's
    processes. On a shared machine CPU time is the fair comparison; wall time depends on who else runs."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents, cpu = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / ticks
    mine, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - mine
        mine |= frontier
    return sum(cpu[pid] for pid in mine)


class Chromium:
    """Headless Chromium printing HTML to a tagged PDF; every request the document makes is refused."""

    def __enter__(self):
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        self.page = self._browser.new_page()
        self.page.route("**/*", lambda route: route.abort())
        return self

    def pdf(self, html: str) -> bytes:
        self.page.set_content(html, wait_until="load")
        return self.page.pdf(format="A4", prefer_css_page_size=True, tagged=True, print_background=True)

    def __exit__(self, *exc):
        self._browser.close()
        self._playwright.stop()


def worker_render(html: str):
    """What a worker does with a document's HTML (config.documents.rendering.html_to_pdf)."""
    from config.documents import rendering

    return rendering.html_to_pdf(html)


def floor_render(stylesheets: tuple[str, ...]):
    """The same HTML with less asked of WeasyPrint, untagged (not a PDF we could publish): its floor."""

    def render(html: str):
        from config.documents import rendering

        document = rendering.layout(html, stylesheets=stylesheets, tagged=False)
        with rendering.fewer_collections():
            content = document.write_pdf()
        return SimpleNamespace(content=content, page_count=len(document.pages))

    return render


def interleaved(documents_to_time, renders: int, warmups: int, chromium: bool):
    """For each document (name: (HTML maker, WeasyPrint render, with Chromium)): WeasyPrint wall and CPU times,
    pages, Python peak; Chromium wall times and pages. Round by round, WeasyPrint then Chromium on the same HTML."""
    import io

    from pypdf import PdfReader

    results = {
        name: {"wall": [], "cpu": [], "chromium": [], "chromium_cpu": [], "pages": 0, "chromium_pages": 0}
        for name in documents_to_time
    }
    browser = Chromium().__enter__() if chromium else None
    try:
        for round_ in range(warmups + renders):
            for name, (html_for, render, with_chromium) in documents_to_time.items():
                html = html_for()
                wall, cpu = time.perf_counter(), time.process_time()
                rendered = render(html)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                if browser and with_chromium:
                    inlined = _inlined(html)
                    started, started_cpu = time.perf_counter(), descendants_cpu_seconds()
                    content = browser.pdf(inlined)
                    chromium_wall = time.perf_counter() - started
                    chromium_cpu = descendants_cpu_seconds() - started_cpu
                if round_ < warmups:
                    continue
                result = results[name]
                result["wall"].append(wall)
                result["cpu"].append(cpu)
                result["pages"] = rendered.page_count
                if browser and with_chromium:
                    result["chromium"].append(chromium_wall)
                    result["chromium_cpu"].append(chromium_cpu)
                    result["chromium_pages"] = len(PdfReader(io.BytesIO(content)).pages)
    finally:
        if browser:
            browser.__exit__(None, None, None)
    for name, (html_for, render, _) in documents_to_time.items():
        tracemalloc.start()
        render(html_for())
        results[name]["python_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return results


def report(name, result):
    wall, cpu = statistics.median(result["wall"]), statistics.median(result["cpu"])
    line = f"{name:<30} WeasyPrint median {wall * 1000:6.0f} ms (p95 {percentile(result['wall'], 95) * 1000:6.0f}, "
    line += f"CPU {cpu * 1000:6.0f})  {result['pages']:3d} pages  {result['pages'] / wall:5.1f} pages/s  "
    line += f"Python peak {result['python_peak'] / 2**20:5.1f} MiB"
    print(line)
    if result["chromium"]:
        chromium = statistics.median(result["chromium"])
        chromium_cpu = statistics.median(result["chromium_cpu"])
        print(
            f"{'':<30} Chromium   median {chromium * 1000:6.0f} ms "
            f"(p95 {percentile(result['chromium'], 95) * 1000:6.0f}, CPU {chromium_cpu * 1000:6.0f})  "
            f"{result['chromium_pages']:3d} pages  WeasyPrint / Chromium = {wall / chromium:.2f} "
            f"(CPU {cpu / chromium_cpu:.2f})"
        )
    return wall


# --- The directory in parts, as the workers make it -----------------------------------------------------

_POOL_CONTEXT = None


def _pool_start(database_url, services):
    global _POOL_CONTEXT
    setup_django(database_url, load=False)
    from config.documents import rendering

    rendering.warm_up()
    _POOL_CONTEXT = directory_render_context(services)


def _pool_part(part):
    from directory import documents as directory_documents

    started, cpu = time.perf_counter(), time.process_time()
    content = directory_documents.render_directory_part(_POOL_CONTEXT, part).content
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return content, time.perf_counter() - started, rss, time.process_time() - cpu, os.getpid()


def directory_render_context(services: int) -> dict:
    from django.utils import timezone

    from directory import documents as directory_documents

    base = {"generated_by": "", "service_name": "Team Around the Child", "template_version": "bench"}
    content = directory_documents.directory_context(synthetic_directory(services))
    return {**base, "generated_at": timezone.localtime(), **content}


def in_parts(services: int, workers: int, part_size: int, database_url: str, repeat: int = 1):
    """Wall time of laying out `services` in parts on `workers` processes and joining them."""
    import multiprocessing

    from directory import documents as directory_documents

    context = directory_render_context(services)
    parts = directory_documents.directory_parts(context, part_size)
    method = multiprocessing.get_context("fork")
    with method.Pool(workers, initializer=_pool_start, initargs=(database_url, services)) as pool:
        pool.map(_pool_part, parts[:workers])  # every process warmed up and its data decoded, as a live worker
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            results = pool.map(_pool_part, parts, chunksize=1)
            laid_out, join_cpu = time.perf_counter(), time.process_time()
            joined = directory_documents.join_directory(context, parts, [result[0] for result in results])
            finished, join_cpu = time.perf_counter(), time.process_time() - join_cpu
            cpu_by_process = {}
            for result in results:
                cpu_by_process[result[4]] = cpu_by_process.get(result[4], 0) + result[3]
            runs.append(
                {
                    "total": finished - started,
                    "parts_wall": laid_out - started,
                    "join": finished - laid_out,
                    "part_median": statistics.median(result[1] for result in results),
                    "part_max": max(result[1] for result in results),
                    "part_cpu_median": statistics.median(result[3] for result in results),
                    # What the wall time would be on free cores: the busiest process's parts, then the join.
                    "critical_cpu": max(cpu_by_process.values()) + join_cpu,
                    "join_cpu": join_cpu,
                    "size": len(joined.content),
                    "rss": max(result[2] for result in results),
                    "pages": joined.page_count,
                    "parts": len(parts),
                }
            )
    return runs


def report_parts(services, workers, runs):
    total = statistics.median(run["total"] for run in runs)
    run = runs[len(runs) // 2]
    print(
        f"Directory ({services} services) in {run['parts']} parts on {workers} processes: median {total:6.2f} s "
        f"(parts {run['parts_wall']:.2f} s, join {run['join']:.2f} s; one part median {run['part_median']:.2f} s, "
        f"max {run['part_max']:.2f} s)  {run['pages']} pages  peak RSS of a process {run['rss']:.0f} MiB"
    )
    print(
        f"{'':<30} CPU: a part {run['part_cpu_median']:.2f} s, the join {run['join_cpu']:.2f} s; "
        f"busiest process's parts + join {run['critical_cpu']:.2f} s (the wall time on {workers} free cores); "
        f"{run['size'] / 2**20:.1f} MiB"
    )
    from django.conf import settings

    longest, limit = max(run["part_max"], run["join"]), settings.CELERY_TASK_SOFT_TIME_LIMIT
    print(
        f"{'':<30} the longest task (a part or the join) took {longest:.1f} s of its "
        f"{limit} s soft time limit ({100 * longest / limit:.0f} %)"
    )
    return total


def main():
    args = parse_args()
    print("Setting up the demo data…", flush=True)
    setup_django(args.database_url)

    from django.conf import settings
    from django.template.loader import render_to_string
    from django.utils import timezone

    from caf import documents as caf_documents
    from caf.documents import CafDocument
    from caf.models import Assessment
    from config.documents import rendering
    from directory import documents as directory_documents
    from directory.documents import DirectoryDocument

    assessment = Assessment.objects.select_related("child", "assessor", "assessor_agency").get(
        child__first_name="Wayne", is_current=True
    )
    base = {"generated_by": assessment.assessor.full_name, "service_name": "Team Around the Child"}

    def caf_html():
        # What a worker does per job: read the CAF fresh and lay it out.
        context = {**base, "generated_at": timezone.localtime(), "template_version": CafDocument.template_version}
        return render_to_string("caf/pdf/caf.html", {**context, **caf_documents.caf_context(assessment)})

    version = synthetic_directory(args.services)

    def directory_html():
        template_version = DirectoryDocument.template_version
        context = {**base, "generated_at": timezone.localtime(), "template_version": template_version}
        context = {**context, **directory_documents.directory_context(version)}
        return render_to_string("directory/pdf/directory.html", context)

    chromium = not args.no_chromium and Path(CHROMIUM).exists()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; {args.renders} renders each, interleaved\n")
    caf_name, directory_name = "CAF (demo)", f"Directory ({args.services}, one render)"
    results = {caf_name: {"chromium": []}}
    if not args.parts_only:
        documents_to_time = {
            caf_name: (caf_html, worker_render, True),
            directory_name: (directory_html, worker_render, True),
        }
        if not args.no_floor:
            documents_to_time["CAF, untagged"] = (caf_html, floor_render((rendering.PRINT_STYLESHEET,)), False)
            documents_to_time["CAF, no stylesheet, untagged"] = (caf_html, floor_render(()), False)
        results = interleaved(documents_to_time, args.renders, args.warmups, chromium)
        caf = report(caf_name, results[caf_name])
        for name in documents_to_time:
            if name != caf_name:
                report(name, results[name])
        peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{'Process peak RSS':<30} {peak_rss:.0f} MiB")

    part_size = args.part_size or settings.DOCUMENT_DIRECTORY_PART_SIZE
    database_url = os.environ["DATABASE_URL"]
    print()
    directory = report_parts(
        args.services, args.workers, in_parts(args.services, args.workers, part_size, database_url, repeat=3)
    )
    if args.large:
        report_parts(args.large, args.workers, in_parts(args.large, args.workers, part_size, database_url))
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")
    if results[caf_name]["chromium"]:
        ratio = caf / statistics.median(results[caf_name]["chromium"])
        print(f"Budget: the CAF within 1.5x Chromium: {'met' if ratio <= 1.5 else 'NOT met'} ({ratio:.2f}x)")
    print(
        f"Budget: a {args.services}-service directory within 5 s: "
        f"{'met' if directory <= 5 else 'NOT met'} ({directory:.2f} s)"
    )


if __name__ == "__main__":
    main()
