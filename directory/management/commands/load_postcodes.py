from django.core.management.base import BaseCommand, CommandError

from directory.postcodes import DEMO_POSTCODES, PostcodeFileError, load_postcodes


class Command(BaseCommand):
    help = (
        "Load postcodes' centroids from the ONS Postcode Directory (CSV), for searching the directory by place. "
        "Without a file, loads the demo area's fictional postcodes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEMO_POSTCODES), help="an ONSPD CSV file")

    def handle(self, *args, file, **options):
        try:
            result = load_postcodes(file, progress=lambda n: self.stdout.write(f"{n:,} postcodes loaded…"))
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error}") from None
        except PostcodeFileError as error:
            raise CommandError(f"{file}: {error}. Nothing was loaded.") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.loaded:,} postcodes loaded; {result.withdrawn:,} withdrawn and "
                f"{result.without_coordinates:,} without coordinates left out"
                + (f"; {result.unreadable:,} rows unreadable" if result.unreadable else "")
            )
        )
