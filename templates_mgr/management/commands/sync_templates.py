from accounts.management.each_account import EachAccountCommand
from templates_mgr.services.sync import sync_all_templates


class Command(EachAccountCommand):
    help = "Reconcile message templates with Meta's list (every account, or one with --account WABA_ID)."

    def outcomes(self, accounts):
        for outcome in sync_all_templates(accounts=accounts):
            if outcome.result is None:
                yield outcome.account, False, f"sync failed: {outcome.error}"
            else:
                yield outcome.account, True, f"{outcome.result}."
