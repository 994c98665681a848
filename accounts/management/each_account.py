"""The shape of a command run for every connected business account, or one (``--account WABA_ID``):
a line per account on stdout (stderr for one that failed), and exit code 1 if any failed."""

from collections.abc import Iterable

from django.core.management.base import BaseCommand, CommandError
from django.db.models import QuerySet

from accounts.models import BusinessAccount


class EachAccountCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--account", metavar="WABA_ID", help="Only the account with this WABA id.")

    def outcomes(self, accounts: QuerySet[BusinessAccount]) -> Iterable[tuple[BusinessAccount, bool, str]]:
        """(account, succeeded, what to say) for each account."""
        raise NotImplementedError

    def handle(self, *args, **options):
        accounts = BusinessAccount.objects.order_by("name")
        if options["account"]:
            accounts = accounts.filter(waba_id=options["account"])
            if not accounts.exists():
                raise CommandError(f"No business account with WABA id {options['account']}.")
        failed = 0
        for account, succeeded, text in self.outcomes(accounts):
            line = f"{account.name} ({account.waba_id}): {text}"
            if succeeded:
                self.stdout.write(line)
            else:
                failed += 1
                self.stderr.write(line)
        if failed:
            raise CommandError(f"{failed} account(s) could not be synced.")
