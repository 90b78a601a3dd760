from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.importer import FeedError, import_feed


class Command(BaseCommand):
    help = "Load an Open Referral UK feed (a JSON file of services) into agencies and services, idempotently."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a JSON file: a list of services, or a page object with them in contents")

    def handle(self, *args, file, **options):
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from None
        try:
            report = import_feed(text)
        except FeedError as error:
            raise CommandError(f"{file}: {error}. Nothing was imported.") from None
        for name in report.organisations_created:
            self.stdout.write(f"New organisation: {name}")
        for heading, lines in (
            ("Created", report.created),
            ("Updated", report.updated),
            ("Skipped", report.skipped),
            ("Rejected", report.rejected),
        ):
            for line in lines:
                self.stdout.write(f"{heading}: {line}")
        summary = (
            f"{len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.skipped)} skipped, {len(report.rejected)} rejected"
        )
        style = self.style.WARNING if report.rejected else self.style.SUCCESS
        self.stdout.write(style(summary))
