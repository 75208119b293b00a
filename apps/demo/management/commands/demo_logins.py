from django.core.management.base import BaseCommand

from apps.accounts.models import User
from apps.demo.people import DEMO_ACCOUNTS, DEMO_PASSWORD


class Command(BaseCommand):
    help = "Print the address and one demo login per role."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="the address gridops is served on")

    def handle(self, *args, **options):
        names = [username for username, _role, _what in DEMO_ACCOUNTS]
        existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"gridops is starting on {options['url']}"))
        if not existing:
            self.stdout.write("No demo accounts here (manage.py load_demo loads them into an empty database).")
            self.stdout.write("")
            return
        self.stdout.write(f"Demo logins (the password of every demo account is {DEMO_PASSWORD}):")
        for username, _role, what in DEMO_ACCOUNTS:
            if username in existing:
                self.stdout.write(f"  {username:<24} {what}")
        self.stdout.write("")
