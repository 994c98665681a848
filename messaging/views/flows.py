"""WhatsApp Flows in the console (template managers and administrators): the list synced from Meta, a flow's
page (status, history, preview, health), create or clone, metadata, the Flow JSON editor, publish,
deprecate and delete. Thin: access → form → service → message → redirect."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import accessible_accounts
from accounts.query_params import parse_id

from ..forms.flows import FlowCreateForm, FlowHealthForm, FlowJsonForm, FlowMetadataForm
from ..selectors import flows as selectors
from ..services.flow_authoring import (
    FlowJsonSyntaxError,
    create_flow,
    delete_flow,
    deprecate_flow,
    publish_flow,
    update_flow,
    upload_flow_json,
)
from ..services.flow_errors import FlowActionFailed
from ..services.flow_sync import check_health, refresh_preview, sync_flows

VIEW, ADD, CHANGE, DELETE = "messaging.view_flow", "messaging.add_flow", "messaging.change_flow", "messaging.delete_flow"
# What the editor offers for a flow without JSON yet: the smallest flow Meta publishes.
STARTER_JSON = """{
  "version": "7.3",
  "screens": [
    {
      "id": "WELCOME",
      "title": "Welcome",
      "terminal": true,
      "layout": {
        "type": "SingleColumnLayout",
        "children": [
          {"type": "TextBody", "text": "Hello!"},
          {"type": "Footer", "label": "Done", "on-click-action": {"name": "complete", "payload": {}}}
        ]
      }
    }
  ]
}
"""


@login_required
@permission_required(VIEW, raise_exception=True)
def flow_list(request):
    account_id = parse_id(request.GET.get("account"))
    query = request.GET.get("q", "")[:100]
    accounts = accessible_accounts(request.user).order_by("name")
    context = {"flows": selectors.flows_for(request.user, account_id=account_id, query=query),
               "accounts": accounts, "account_id": account_id, "query": query}
    return render(request, "messaging/flows/flow_list.html", context)


@require_POST
@login_required
@permission_required(CHANGE, raise_exception=True)
def flow_sync(request):
    account_id = parse_id(request.POST.get("account"))
    if account_id is None:
        return HttpResponse("Choose the business account to sync.", status=400, content_type="text/plain")
    account = selectors.account_for_user(request.user, account_id)
    try:
        result = sync_flows(account=account)
    except FlowActionFailed as failure:
        flash.error(request, f"Sync of {account.name} failed: {failure.message}")
    else:
        flash.success(request, f"Synced the flows of {account.name} with Meta: {result}.")
    return redirect("messaging:flow-list")


@login_required
@permission_required(ADD, raise_exception=True)
def flow_create(request):
    accounts = accessible_accounts(request.user).order_by("name")
    form = FlowCreateForm(request.POST or None, accounts=accounts, flows=selectors.flows_for(request.user),
                          initial={"account": parse_id(request.GET.get("account")),
                                   "clone_from": parse_id(request.GET.get("clone"))})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            flow = create_flow(account=data["account"], user=request.user, name=data["name"],
                               categories=data["categories"], endpoint_uri=data["endpoint_uri"],
                               clone_from=data["clone_from"])
        except FlowActionFailed as failure:
            form.add_error(None, failure.message)
        else:
            flash.success(request, f"Flow {flow.name} created as a draft. Write its JSON next.")
            return redirect("messaging:flow-json", pk=flow.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "messaging/flows/flow_form.html", {"form": form, "flow": None}, status=status)


@login_required
@permission_required(VIEW, raise_exception=True)
def flow_detail(request, pk: int):
    flow = selectors.flow_for_user(request.user, pk)
    numbers = selectors.sending_numbers(request.user, flow)
    initial = {"phone_number": flow.health_phone_number_id or (numbers[0].pk if numbers else None)}
    context = {
        "flow": flow,
        "history": selectors.history(flow),
        "versions": selectors.json_versions(flow),
        "health_form": FlowHealthForm(numbers=numbers, initial=initial) if numbers else None,
        "preview_live": bool(flow.preview_url) and (flow.preview_expires_at is None
                                                     or flow.preview_expires_at > timezone.now()),
    }
    return render(request, "messaging/flows/flow_detail.html", context)


@login_required
@permission_required(CHANGE, raise_exception=True)
def flow_edit(request, pk: int):
    flow = selectors.flow_for_user(request.user, pk)
    initial = {"name": flow.name, "categories": flow.categories, "endpoint_uri": flow.endpoint_uri}
    form = FlowMetadataForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = update_flow(flow=flow, user=request.user, **form.cleaned_data)
        except FlowActionFailed as failure:
            form.add_error(None, failure.message)
        else:
            flash.success(request, f"Changed {', '.join(changed)}." if changed else "Nothing changed.")
            return redirect("messaging:flow-detail", pk=flow.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "messaging/flows/flow_form.html", {"form": form, "flow": flow}, status=status)


@login_required
@permission_required(CHANGE, raise_exception=True)
def flow_json(request, pk: int):
    """The editor: GET shows the latest upload (or ``?version=``) with Meta's errors; POST uploads the text."""
    flow = selectors.flow_for_user(request.user, pk)
    versions = selectors.json_versions(flow)
    shown = _version(flow, parse_id(request.GET.get("version"))) or (versions[0] if versions else None)
    if request.method != "POST":
        form = FlowJsonForm(initial={"flow_json": shown.text if shown else STARTER_JSON})
        errors = shown.validation_errors if shown else []
        return _editor(request, flow, form, errors, versions, shown)
    form = FlowJsonForm(request.POST)
    if not form.is_valid():
        return _editor(request, flow, form, [], versions, None, status=400)
    try:
        version = upload_flow_json(flow=flow, user=request.user, text=form.cleaned_data["flow_json"])
    except FlowJsonSyntaxError as syntax:
        form.add_error("flow_json", f"Not uploaded: {syntax.problem.message} (line {syntax.problem.line}, "
                                    f"column {syntax.problem.column})")
        return _editor(request, flow, form, [syntax.problem.as_validation_error()], versions, None, status=400)
    except FlowActionFailed as failure:
        form.add_error(None, failure.message)
        return _editor(request, flow, form, [], versions, None, status=400)
    if version.validation_errors:
        count = len(version.validation_errors)
        flash.warning(request, f"Uploaded. Meta found {count} problem{'s' if count != 1 else ''} in the JSON: "
                               "fix them before publishing.")
    else:
        flash.success(request, "Uploaded. Meta found no problem in the JSON: the flow can be published.")
    return redirect("messaging:flow-json", pk=flow.pk)


def _version(flow, version_id):
    return flow.json_versions.filter(pk=version_id).first() if version_id else None


def _editor(request, flow, form, errors, versions, shown, *, status=200):
    context = {"flow": flow, "form": form, "errors": errors, "versions": versions, "shown": shown,
               "is_latest": shown is not None and versions and shown.pk == versions[0].pk}
    return render(request, "messaging/flows/flow_json.html", context, status=status)


@require_POST
@login_required
@permission_required(CHANGE, raise_exception=True)
def flow_publish(request, pk: int):
    flow = selectors.flow_for_user(request.user, pk)
    try:
        publish_flow(flow=flow, user=request.user)
    except FlowActionFailed as failure:
        flash.error(request, failure.message)
    else:
        flash.success(request, f"{flow.name} is published: it can be sent.")
    return redirect("messaging:flow-detail", pk=flow.pk)


@login_required
@permission_required(CHANGE, raise_exception=True)
def flow_deprecate(request, pk: int):
    """GET asks to confirm (it can't be undone); POST deprecates."""
    flow = selectors.flow_for_user(request.user, pk)
    if request.method == "POST":
        try:
            deprecate_flow(flow=flow, user=request.user)
        except FlowActionFailed as failure:
            flash.error(request, failure.message)
        else:
            flash.success(request, f"{flow.name} is deprecated: it can no longer be sent or opened.")
        return redirect("messaging:flow-detail", pk=flow.pk)
    return render(request, "messaging/flows/flow_confirm.html", {"flow": flow, "action": "deprecate"})


@login_required
@permission_required(DELETE, raise_exception=True)
def flow_delete(request, pk: int):
    """GET asks to confirm; POST deletes (drafts only)."""
    flow = selectors.flow_for_user(request.user, pk)
    if request.method == "POST":
        name = flow.name
        try:
            delete_flow(flow=flow, user=request.user)
        except FlowActionFailed as failure:
            flash.error(request, failure.message)
            return redirect("messaging:flow-detail", pk=flow.pk)
        flash.success(request, f"Flow {name} deleted.")
        return redirect("messaging:flow-list")
    return render(request, "messaging/flows/flow_confirm.html", {"flow": flow, "action": "delete"})


@require_POST
@login_required
@permission_required(CHANGE, raise_exception=True)
def flow_preview(request, pk: int):
    flow = selectors.flow_for_user(request.user, pk)
    try:
        refresh_preview(flow=flow, renew=request.POST.get("renew") == "1")
    except FlowActionFailed as failure:
        flash.error(request, failure.message)
    return redirect("messaging:flow-detail", pk=flow.pk)


@require_POST
@login_required
@permission_required(CHANGE, raise_exception=True)
def flow_health(request, pk: int):
    flow = selectors.flow_for_user(request.user, pk)
    form = FlowHealthForm(request.POST, numbers=selectors.sending_numbers(request.user, flow))
    if not form.is_valid():
        return HttpResponse("Choose one of your numbers of this flow's business account.", status=400,
                            content_type="text/plain")
    try:
        check_health(flow=flow, phone_number=form.cleaned_data["phone_number"])
    except FlowActionFailed as failure:
        flash.error(request, failure.message)
    return redirect("messaging:flow-detail", pk=flow.pk)
