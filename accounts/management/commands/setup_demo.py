from axes.utils import reset as reset_login_failures
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts import roles
from accounts.services import AccountCredentials, connect_account, ensure_user, grant_phone_number
from cloudapi.simulator import demo


class Command(BaseCommand):
    help = (
        "Idempotently create the embedded default's account (from WHATSAPP_* or the simulator's "
        "demo values), an administrator and an operator."
    )

    def add_arguments(self, parser):
        parser.add_argument("--admin-password", default="admin")
        parser.add_argument("--operator-password", default="operator")

    def handle(self, *args, **options):
        if not settings.SIMULATOR_ENABLED:
            raise CommandError("setup_demo is for the embedded default (SIMULATOR_ENABLED=true).")
        values = demo.embedded_account(lambda name: getattr(settings, name, ""))
        credentials = AccountCredentials(**values, name="Demo business")
        account = connect_account(credentials=credentials)
        phone = account.phone_numbers.get(phone_number_id=credentials.phone_number_id)
        if not phone.verified_name:
            phone.verified_name = demo.VERIFIED_NAME
            phone.save(update_fields=["verified_name"])
        ensure_user(username="admin", password=options["admin_password"], role=roles.ADMINISTRATOR, superuser=True)
        operator = ensure_user(username="operator", password=options["operator_password"], role=roles.OPERATOR)
        grant_phone_number(user=operator, phone_number=phone)
        # A demo someone locked by mistyping the password starts fresh with the next `make run`.
        for username in ("admin", "operator"):
            reset_login_failures(username=username)
        self.stdout.write(f"Demo account ready: phone number id {phone.phone_number_id}.")
