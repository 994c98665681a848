from django.core.management.base import BaseCommand, CommandError

from accounts.models import BusinessAccount
from accounts.services.phone_numbers import NumberActionError, sync_phone_numbers


class Command(BaseCommand):
    help = ("Read every phone number of each account from Meta (quality, status, throughput, the portfolio's "
            "messaging limit), as Settings → Phone numbers → Sync does; every account, or one with --account.")

    def add_arguments(self, parser):
        parser.add_argument("--account", metavar="WABA_ID", help="Only the account with this WABA id.")

    def handle(self, *args, **options):
        accounts = BusinessAccount.objects.order_by("name")
        if options["account"]:
            accounts = accounts.filter(waba_id=options["account"])
            if not accounts.exists():
                raise CommandError(f"No business account with WABA id {options['account']}.")
        failed = 0
        for account in accounts:
            try:
                result = sync_phone_numbers(account=account, actor=None)
            except NumberActionError as error:
                failed += 1
                self.stderr.write(f"{account.name} ({account.waba_id}): the numbers could not be read. {error.message}")
            else:
                self.stdout.write(f"{account.name} ({account.waba_id}): {result.summary()}.")
        if failed:
            raise CommandError(f"{failed} account(s) could not be synced.")
