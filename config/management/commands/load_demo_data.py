from django.core.management.base import BaseCommand

from config import demo


class Command(BaseCommand):
    help = "Create (or leave as they are) the demo agencies, practitioners and family; print the sign-ins."

    def handle(self, *args, **options):
        sign_ins = demo.load()
        self.stdout.write(self.style.SUCCESS(f"Demo sign-ins (every password is: {demo.DEMO_PASSWORD})"))
        width = max(len(email) for email, *_ in sign_ins)
        for email, name, agency, role in sign_ins:
            self.stdout.write(f"  {email:<{width}}  {name} — {role}, {agency}")
