"""The dry run and what people do to a campaign: launch, test-send, pause, resume, cancel (all
through ``campaigns.services.running``, which audits each and refuses illegal moves)."""

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ..forms import ConfirmForm, TestSendForm, service_errors
from ..services.send_rate import send_rate
from ..services import planning, running
from ._common import CHANGE, VIEW, campaign_or_404, needs

MISSING_SHOWN = 200  # the dry run lists this many recipients missing values; the CSV export has all


@needs(VIEW)
def campaign_dry_run(request, pk: int):
    campaign = campaign_or_404(request, pk)
    return _dry_run_page(request, campaign, ConfirmForm(), TestSendForm())


def _dry_run_page(request, campaign, launch_form, test_form, *, status: int = 200):
    result = planning.dry_run(campaign)
    context = {"campaign": campaign, "dry": result, "missing": result.missing[:MISSING_SHOWN],
               "missing_more": max(len(result.missing) - MISSING_SHOWN, 0), "limit_rate": send_rate(campaign),
               "duration": duration_words(result.seconds_to_finish),
               "launch_form": launch_form, "test_form": test_form}
    return render(request, "campaigns/campaign_dry_run.html", context, status=status)


def duration_words(seconds: int) -> str:
    """``45 seconds``, ``3 min 20 s``, ``2 h 5 min``."""
    seconds = max(int(seconds or 0), 0)
    if seconds < 60:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


@require_POST
@needs(CHANGE)
def campaign_launch(request, pk: int):
    campaign = campaign_or_404(request, pk)
    form = ConfirmForm(request.POST)
    if form.is_valid():
        try:
            campaign = running.launch(campaign, user=request.user)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            flash.success(request, f"Campaign “{campaign.name}” is {campaign.get_state_display().lower()}.")
            return redirect("campaigns:campaign-detail", campaign.pk)
    return _dry_run_page(request, campaign, form, TestSendForm(), status=400)


@require_POST
@needs(CHANGE)
def campaign_test_send(request, pk: int):
    campaign = campaign_or_404(request, pk)
    form = TestSendForm(request.POST)
    if form.is_valid():
        try:
            message = running.test_send(campaign, user=request.user, to_wa_id=form.cleaned_data["to_wa_id"])
        except ValidationError as error:
            for field, messages in service_errors(error, aliases={"to": "to_wa_id"}).items():
                for message in messages:
                    form.add_error(field if field == "to_wa_id" else None, message)
        else:
            flash.success(request, f"Test message queued to +{message.conversation.contact.wa_id}: it appears in "
                                   "that conversation.")
            return redirect("campaigns:campaign-dry-run", campaign.pk)
    return _dry_run_page(request, campaign, ConfirmForm(), form, status=400)


@require_POST
@needs(CHANGE)
def campaign_pause(request, pk: int):
    campaign = campaign_or_404(request, pk)
    return _act(request, campaign, lambda: running.pause(campaign, user=request.user), "paused")


@require_POST
@needs(CHANGE)
def campaign_resume(request, pk: int):
    campaign = campaign_or_404(request, pk)
    return _act(request, campaign, lambda: running.resume(campaign, user=request.user), "resumed")


@require_POST
@needs(CHANGE)
def campaign_cancel(request, pk: int):
    campaign = campaign_or_404(request, pk)
    if not ConfirmForm(request.POST).is_valid():
        flash.error(request, "Not cancelled: tick the box to confirm.")
        return redirect("campaigns:campaign-detail", campaign.pk)
    return _act(request, campaign, lambda: running.cancel(campaign, user=request.user), "cancelled")


def _act(request, campaign, action, done: str):
    try:
        action()
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
    else:
        flash.success(request, f"Campaign “{campaign.name}” {done}.")
    return redirect("campaigns:campaign-detail", campaign.pk)
