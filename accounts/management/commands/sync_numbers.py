from accounts.management.each_account import EachAccountCommand
from accounts.services.phone_numbers import NumberActionError, sync_phone_numbers


class Command(EachAccountCommand):
    help = ("Read every phone number of each account from Meta (quality, status, throughput, the portfolio's "
            "messaging limit), as Settings → Phone numbers → Sync does; every account, or one with --account.")

    def outcomes(self, accounts):
        for account in accounts:
            try:
                result = sync_phone_numbers(account=account, actor=None)
            except NumberActionError as error:
                yield account, False, f"the numbers could not be read. {error.message}"
            else:
                yield account, True, f"{result.summary()}."
