"""Rebuild and verify the coverage table (children.Coverage) against the access rule.

    manage.py coverage --verify     # exit status 1 and a list of the differences if the table is wrong
    manage.py coverage --rebuild    # recompute every row from the rule, then verify

The services keep the table right as they change its inputs; this is for after a database restore, a
bulk load that bypassed the services, or a change to the rule.
"""

from django.core.management.base import BaseCommand, CommandError

from agencies import access

SHOWN = 20


class Command(BaseCommand):
    help = "Rebuild (--rebuild) and/or verify (--verify) the coverage table against the access rule."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="recompute the whole table from the rule")
        parser.add_argument("--verify", action="store_true", help="compare the table with the rule (the default)")

    def handle(self, *args, rebuild=False, verify=False, **options):
        if rebuild:
            rows = access.rebuild_coverage()
            self.stdout.write(f"Rebuilt the coverage table: {rows:,} rows")
        differences = access.coverage_differences()
        if differences:
            for agency, child, why, held, wanted in differences[:SHOWN]:
                self.stderr.write(
                    f"  agency {agency}, child {child}, {why}: the table has {held or 'no row'}, "
                    f"the rule gives {wanted or 'no row'}"
                )
            if len(differences) > SHOWN:
                self.stderr.write(f"  … and {len(differences) - SHOWN:,} more")
            raise CommandError(
                f"The coverage table differs from the access rule in {len(differences):,} rows: "
                "run `manage.py coverage --rebuild`"
            )
        self.stdout.write(self.style.SUCCESS("The coverage table agrees with the access rule"))
