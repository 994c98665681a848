"""A flow's data-endpoint page: the URL to give Meta, the handler and its configuration, and
the monitoring: our hourly counts (chart and table) beside Meta's alerts."""

import json

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from accounts.access import accessible_accounts
from accounts.services import record_audit

from ..forms.flow_endpoint import FlowEndpointForm
from ..models import Flow
from ..selectors.flow_endpoint import endpoint_alerts, endpoint_charts, endpoint_hourly

CHANGE_FLOW = "messaging.change_flow"


@login_required
@permission_required(CHANGE_FLOW, raise_exception=True)
def flow_endpoint_settings(request, pk: int):
    flow = get_object_or_404(Flow.objects.filter(account__in=accessible_accounts(request.user)), pk=pk)
    if request.method == "POST":
        form = FlowEndpointForm(request.POST)
        if form.is_valid():
            flow.endpoint_handler = form.cleaned_data["handler"]
            flow.endpoint_config = form.cleaned_data["config_value"]
            flow.save(update_fields=["endpoint_handler", "endpoint_config", "updated_at"])
            record_audit(actor=request.user, action="flow.endpoint_settings", obj=flow,
                         details={"handler": flow.endpoint_handler})
            flash.success(request, "The endpoint settings are saved: the next request uses them.")
            return redirect("messaging:flow-endpoint-settings", flow.pk)
        status = 400
    else:
        form = FlowEndpointForm(initial={"handler": flow.endpoint_handler,
                                         "config": json.dumps(flow.endpoint_config or {}, indent=2)})
        status = 200
    hours = endpoint_hourly(flow, hours=24)
    context = {
        "flow": flow,
        "form": form,
        "endpoint_url": request.build_absolute_uri(reverse("messaging:flow-endpoint")),
        "hours": hours[::-1],
        "charts": endpoint_charts(hours, hours=24),
        "alerts": endpoint_alerts(flow),
    }
    return render(request, "messaging/flow_endpoint_settings.html", context, status=status)
