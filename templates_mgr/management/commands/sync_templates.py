from django.core.management.base import BaseCommand, CommandError

from accounts.models import BusinessAccount
from templates_mgr.services.sync import sync_all_templates


class Command(BaseCommand):
    help = "Reconcile message templates with Meta's list (every account, or one with --account WABA_ID)."

    def add_arguments(self, parser):
        parser.add_argument("--account", metavar="WABA_ID", help="Only the account with this WABA id.")

    def handle(self, *args, **options):
        accounts = BusinessAccount.objects.all()
        if options["account"]:
            accounts = accounts.filter(waba_id=options["account"])
            if not accounts.exists():
                raise CommandError(f"No business account with WABA id {options['account']}.")
        failed = 0
        for outcome in sync_all_templates(accounts=accounts):
            account = outcome.account
            if outcome.result is None:
                failed += 1
                self.stderr.write(f"{account.name} ({account.waba_id}): sync failed: {outcome.error}")
            else:
                self.stdout.write(f"{account.name} ({account.waba_id}): {outcome.result}.")
        if failed:
            raise CommandError(f"{failed} account(s) could not be synced.")
