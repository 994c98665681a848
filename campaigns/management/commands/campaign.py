"""``manage.py campaign …``: create, dry-run, start, pause, resume, cancel and follow a campaign from
cron or a CRM export, through the same services as the console (docs/campaigns.md, "Command line").

Exit codes: 0 done; 1 the action was refused (a bad field, an illegal transition); 2 bad arguments.
"""

import json
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import PhoneNumber
from campaigns.models import Campaign
from campaigns.services import planning, progress, running
from campaigns.services.csv_audience import ImportRefused, import_contacts_for_campaign, segment_for_import
from templates_mgr.models import MessageTemplate

REFUSED, BAD_ARGUMENTS = 1, 2
USER_HELP = "Whose action it is in the audit log (a username)."


class Command(BaseCommand):
    help = "Create, dry-run, start, pause, resume, cancel and follow campaigns."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="Create a draft campaign from a CSV of contacts; prints its id.")
        create.add_argument("--user", default="", help=USER_HELP)
        create.add_argument("--name", required=True)
        create.add_argument("--phone-number-id", required=True, help="Meta's id of the sending number.")
        create.add_argument("--template", required=True, help="The approved template's name.")
        create.add_argument("--language", required=True, help="The template's language, e.g. en_US.")
        create.add_argument("--csv", required=True, help="Contacts: a phone column, optional name, attributes.")
        create.add_argument("--region", default="", help="Country of numbers written without +, e.g. GB.")
        create.add_argument("--param", action="append", default=[], metavar="PLACEHOLDER=ATTRIBUTE",
                            help="e.g. body.1=first_name (repeat for each placeholder).")
        create.add_argument("--rate", type=int, default=None, help="Messages per second, at most.")
        create.add_argument("--schedule", default="", help="Start at this time (ISO 8601) once started.")
        for name, text in (("dry-run", "What a launch would do: recipients, suppressions, cost, time, limit."),
                           ("start", "Launch: write every recipient, then send (or wait for the schedule)."),
                           ("pause", "Stop sending; queued messages are taken back."),
                           ("resume", "Send again from where it stopped."),
                           ("cancel", "Stop for good."),
                           ("status", "Progress: sent, delivered, read, replied, failed …")):
            sub = actions.add_parser(name, help=text)
            sub.add_argument("id", type=int)
            sub.add_argument("--user", default="", help=USER_HELP)
            if name in ("dry-run", "status"):
                sub.add_argument("--json", action="store_true", help="Machine-readable output.")
            if name == "pause":
                sub.add_argument("--reason", default="")

    def handle(self, *args, **options):
        user = self._user(options["user"])
        action = options["action"]
        try:
            if action == "create":
                return self._create(options, user)
            campaign = self._campaign(options["id"])
            if action == "dry-run":
                return self._dry_run(campaign, as_json=options["json"])
            if action == "status":
                return self._status(campaign, as_json=options["json"])
            verbs = {"start": lambda: running.launch(campaign, user=user),
                     "pause": lambda: running.pause(campaign, user=user, reason=options.get("reason", "")),
                     "resume": lambda: running.resume(campaign, user=user),
                     "cancel": lambda: running.cancel(campaign, user=user)}
            done = verbs[action]()
        except ValidationError as exc:
            raise CommandError(_words(exc), returncode=REFUSED) from None
        self.stdout.write(f"Campaign {done.pk} is {done.get_state_display().lower()}.")

    def _create(self, options, user) -> None:
        phone = PhoneNumber.objects.filter(phone_number_id=options["phone_number_id"]).select_related("account").first()
        if phone is None:
            raise CommandError(f"No number has the phone number id {options['phone_number_id']!r}.",
                               returncode=BAD_ARGUMENTS)
        template = MessageTemplate.objects.filter(account=phone.account, name=options["template"],
                                                  language=options["language"]).first()
        if template is None:
            raise CommandError(f"{phone.account.name} has no template {options['template']!r} in "
                               f"{options['language']!r}.", returncode=BAD_ARGUMENTS)
        parameters = _parameters(options["param"])
        scheduled_at = _when(options["schedule"])
        if options["rate"] is not None and options["rate"] < 1:
            raise CommandError("--rate must be at least 1 message per second.", returncode=BAD_ARGUMENTS)
        fields = dict(account=phone.account, phone_number=phone, name=options["name"], template=template,
                      parameters=parameters, rate_cap=options["rate"], scheduled_at=scheduled_at, user=user)
        try:
            planning.validate(Campaign(**{k: v for k, v in fields.items() if k != "user"}))
            with transaction.atomic():  # the contacts, their segment and the campaign, or nothing
                report = import_contacts_for_campaign(phone.account, options["csv"], options["region"], user=user)
                for line, why in report.rejected:
                    self.stderr.write(f"line {line}: not imported: {why}")
                if not report.contacts:
                    raise CommandError("No contact in the file could be imported.", returncode=REFUSED)
                segment = segment_for_import(account=phone.account, name=options["name"],
                                             contacts=report.contacts, user=user)
                campaign = planning.create_campaign(segment=segment, **fields)
        except ImportRefused as exc:
            raise CommandError(str(exc), returncode=BAD_ARGUMENTS) from None
        except ValidationError as exc:
            raise CommandError(_words(exc), returncode=REFUSED) from None
        self.stderr.write(f"{len(report.contacts)} contact(s) imported, {len(report.rejected)} row(s) refused"
                          + (f" (default country {report.region})" if report.region else "") + ".")
        self.stdout.write(str(campaign.pk))

    def _dry_run(self, campaign: Campaign, *, as_json: bool) -> None:
        plan = planning.dry_run(campaign)
        data = {
            "to_send": plan.to_send, "suppressed": plan.suppressed,
            "missing": [{"wa_id": m.contact.wa_id, "parameter": m.parameter, "attribute": m.attribute}
                        for m in plan.missing],
            "cost": [{"category": line.category, "country": line.country or None, "count": line.count,
                      "price": line.rate.price if line.rate else None, "amount": line.amount,
                      "currency": line.currency or None} for line in plan.cost_lines],
            "total_cost": plan.total_cost, "rate": plan.rate, "seconds_to_finish": plan.seconds_to_finish,
            "limit": vars(plan.limit),
        }
        if as_json:
            self.stdout.write(json.dumps(data, default=_plain, indent=2))
            return
        lines = [f"Campaign {campaign.pk} “{campaign.name}”: {plan.to_send} to send."]
        lines += [f"  not sent, {reason}: {count}" for reason, count in plan.suppressed.items()]
        lines += [f"  missing value: +{m.contact.wa_id} {m.parameter} ({m.attribute or 'not mapped'})"
                  for m in plan.missing]
        for line in plan.cost_lines:
            cost = f"{line.amount} {line.currency}" if line.amount is not None else "no rate"
            lines.append(f"  cost: {line.category} {line.country or '?'} × {line.count}: {cost}")
        total = ", ".join(f"{amount} {currency}" for currency, amount in plan.total_cost.items()) or "nothing priced"
        lines += [f"  estimated cost: {total}",
                  f"  {plan.rate} msg/s: about {plan.seconds_to_finish} s to finish",
                  f"  messaging limit: {plan.limit.verdict} {plan.limit.explanation}"]
        self.stdout.write("\n".join(lines))

    def _status(self, campaign: Campaign, *, as_json: bool) -> None:
        shown = progress.progress(campaign)
        data = {"id": campaign.pk, "name": campaign.name, "state": campaign.state,
                "state_reason": campaign.state_reason, **vars(shown)}
        if as_json:
            self.stdout.write(json.dumps(data, default=_plain, indent=2))
            return
        self.stdout.write(
            f"Campaign {campaign.pk} “{campaign.name}”: {campaign.get_state_display().lower()}"
            + (f" ({campaign.state_reason})" if campaign.state_reason else "")
            + f", {shown.done_percent}% done — {shown.total} recipients, {shown.pending} waiting, "
              f"{shown.queued} queued, {shown.sent} sent, {shown.delivered} delivered, {shown.read} read, "
              f"{shown.replied} replied, {shown.failed} failed, {sum(shown.suppressed_by_reason.values())} "
              f"suppressed, {shown.skipped} skipped."
            + (f" {shown.stalled} stalled since a worker stopped: sent again from "
               f"{timezone.localtime(shown.stalled_resent_from):%H:%M} unless a status webhook arrives."
               if shown.stalled else ""))

    def _campaign(self, pk: int) -> Campaign:
        campaign = Campaign.objects.select_related("account", "phone_number", "template", "segment").filter(pk=pk).first()
        if campaign is None:
            raise CommandError(f"No campaign has the id {pk}.", returncode=BAD_ARGUMENTS)
        return campaign

    def _user(self, username: str):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user is called {username!r}.", returncode=BAD_ARGUMENTS)
        return user


def _parameters(pairs: list[str]) -> dict:
    parameters = {}
    for pair in pairs:
        key, sep, attribute = pair.partition("=")
        if not sep or not key.strip() or not attribute.strip():
            raise CommandError(f"--param {pair!r}: write PLACEHOLDER=ATTRIBUTE, e.g. body.1=first_name.",
                               returncode=BAD_ARGUMENTS)
        parameters[key.strip()] = attribute.strip()
    return parameters


def _when(text: str) -> datetime | None:
    if not text:
        return None
    moment = parse_datetime(text)
    if moment is None:
        raise CommandError(f"--schedule {text!r} is not a date and time (ISO 8601, e.g. 2026-12-24T09:00+00:00).",
                           returncode=BAD_ARGUMENTS)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _words(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{'' if field == '__all__' else field + ': '}{message}"
                         for field, messages in exc.message_dict.items() for message in messages)
    return "; ".join(exc.messages)


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)
