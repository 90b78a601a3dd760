import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.importing.harvest import import_run_work
from directory.importing.importer import import_file
from directory.importing.report import FeedError, ImportReport
from directory.models import ImportRun


def bar(done: int, total: int | None, width: int = 30) -> str:
    if not total:
        return f"{done:,}"
    filled = round(width * min(done, total) / total)
    return f"[{'#' * filled}{'.' * (width - filled)}] {done:,} of {total:,}"


class Command(BaseCommand):
    help = (
        "Load an Open Referral UK feed into agencies and services, idempotently: a JSON file (a list of services, "
        "a page object, a service or an organisation with its services), or every page of an API (--url). "
        "A harvest is kept as an import run and can be resumed (--resume)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="a JSON feed file")
        parser.add_argument("--url", help="an API's /services address: every page is harvested")
        parser.add_argument("--resume", type=int, help="carry on the import run with this number")

    def _progress(self, text: str) -> None:
        stream = self.stdout
        stream.write(f"\r{text}", ending="")
        stream.flush()

    def handle(self, *args, file=None, url=None, resume=None, **options):
        if sum(bool(x) for x in (file, url, resume)) != 1:
            raise CommandError("Give one of: a file, --url or --resume")
        if file:
            if not Path(file).is_file():
                raise CommandError(f"Cannot read {file}: no such file")
            try:
                report = import_file(file, progress=lambda n: self._progress(f"{n:,} records read"))
            except (OSError, UnicodeDecodeError) as error:
                raise CommandError(f"Cannot read {file}: {error}") from None
            except FeedError as error:
                raise CommandError(f"{file}: {error}. Nothing was imported.") from None
            self.stdout.write("")
            return self._print(report)
        if resume:
            run = ImportRun.objects.filter(pk=resume).first()
            if run is None:
                raise CommandError(f"There is no import run {resume}")
            if run.status == ImportRun.Status.FAILED:
                run.status, run.error = ImportRun.Status.RUNNING, ""
                run.save(update_fields=["status", "error"])
        else:
            if not url.startswith(("http://", "https://")):
                raise CommandError("--url must be an http or https address")
            run = ImportRun.objects.create(source=url, url=url)
            self.stdout.write(f"Import run {run.pk} (resume it with --resume {run.pk} if it stops)")
        while True:
            over = import_run_work(run.pk)
            run.refresh_from_db()
            pages = bar(run.pages_done, run.pages_total)
            self._progress(f"Pages {pages}; {run.records_done:,} records")
            if over:
                break
        self.stdout.write("")
        if run.status == ImportRun.Status.FAILED:
            self._print(ImportReport.from_data(run.report))
            raise CommandError(f"Import run {run.pk} stopped: {run.error}. Resume it with --resume {run.pk}.")
        self._print(ImportReport.from_data(run.report))

    def _print(self, report: ImportReport) -> None:
        for name in report.organisations_created:
            self.stdout.write(f"New organisation: {name}")
        for name in report.terms_created:
            self.stdout.write(f"New taxonomy: {name}")
        headings = {"created": "Created", "updated": "Updated", "unchanged": "Unchanged", "rejected": "Rejected"}
        for record in report.records:
            line = f"{headings[record['outcome']]}: {record['label']}"
            if record["reason"]:
                line += f": {record['reason']}"
            self.stdout.write(line)
            for note in record["notes"]:
                self.stdout.write(f"    kept only partly: {note}")
        style = self.style.WARNING if report.count("rejected") or report.partly else self.style.SUCCESS
        self.stdout.write(style(report.summary()))
        sys.stdout.flush()
