"""The campaign list, and the form that creates or edits one (calling the planning service)."""

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from accounts.query_params import parse_id

from ..forms import CampaignForm, add_parameter_fields, initial_for
from ..models import Campaign
from ..selectors import attach_totals, campaigns_for
from ..services import planning
from ._common import ADD, CHANGE, VIEW, campaign_or_404, needs

PAGE_SIZE = 50
MAX_PAGE = 10_000


@needs(VIEW)
def campaign_list(request):
    page = min(parse_id(request.GET.get("page")) or 1, MAX_PAGE)
    queryset = campaigns_for(request.user).select_related("account", "phone_number", "template")
    rows = list(queryset[(page - 1) * PAGE_SIZE: page * PAGE_SIZE + 1])
    context = {"campaigns": attach_totals(rows[:PAGE_SIZE]), "page": page, "has_next": len(rows) > PAGE_SIZE}
    return render(request, "campaigns/campaign_list.html", context)


@needs(ADD)
def campaign_create(request):
    form = CampaignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        try:
            campaign = planning.create_campaign(account=fields["phone_number"].account, user=request.user, **fields)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            flash.success(request, f"Campaign “{campaign.name}” saved as a draft: check its dry run, then launch it.")
            return redirect("campaigns:campaign-dry-run", campaign.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": None}, status=status)


@needs(CHANGE)
def campaign_edit(request, pk: int):
    campaign = campaign_or_404(request, pk)
    editable = campaign.state in (Campaign.State.DRAFT, Campaign.State.SCHEDULED)
    form = CampaignForm(request.POST or None, user=request.user, initial=initial_for(campaign))
    if request.method == "POST" and editable and form.is_valid():
        try:
            planning.update_campaign(campaign, user=request.user, **form.service_fields())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            flash.success(request, "Campaign saved.")
            return redirect("campaigns:campaign-dry-run", campaign.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "campaign": campaign, "editable": editable}
    return render(request, "campaigns/campaign_form.html", context, status=status)


@needs(ADD)
def campaign_parameters(request):
    """The placeholders' selects for the chosen template (the form swaps them in when it changes)."""
    form = CampaignForm(user=request.user)
    template = form.fields["template"].queryset.filter(pk=parse_id(request.GET.get("template"))).first()
    if template is not None:
        add_parameter_fields(form, template, initial={})
    return render(request, "campaigns/_parameters.html", {"form": form, "template": template})
