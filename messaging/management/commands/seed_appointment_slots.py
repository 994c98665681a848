from datetime import datetime, time, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import BusinessAccount
from messaging.models import AppointmentSlot


class Command(BaseCommand):
    help = (
        "Offer appointment slots to the example 'appointment booking' flow handler: every half hour from "
        "09:00 to 12:00 on the next days, for every account (or one). Times that exist already are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7)
        parser.add_argument("--waba-id", default="", help="Only this account.")
        parser.add_argument("--label", default="", help="Shown with each time, e.g. a person or a room.")

    def handle(self, *args, **options):
        if not 1 <= options["days"] <= 60:
            raise CommandError("--days must be from 1 to 60.")
        accounts = BusinessAccount.objects.all()
        if options["waba_id"]:
            accounts = accounts.filter(waba_id=options["waba_id"])
            if not accounts:
                raise CommandError(f"No account has the WABA id {options['waba_id']!r}.")
        today = timezone.localdate()
        times = [time(9 + minutes // 60, minutes % 60) for minutes in range(0, 181, 30)]
        created = 0
        for account in accounts:
            existing = set(AppointmentSlot.objects.filter(account=account, starts_at__gte=timezone.now())
                           .values_list("starts_at", flat=True))
            for offset in range(1, options["days"] + 1):
                for moment in times:
                    starts = timezone.make_aware(datetime.combine(today + timedelta(days=offset), moment))
                    if starts not in existing:
                        AppointmentSlot.objects.create(account=account, starts_at=starts, label=options["label"])
                        created += 1
        self.stdout.write(f"{created} appointment slot(s) added.")
