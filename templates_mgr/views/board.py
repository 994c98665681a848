"""The board of templates by status, a template's page with its history, sync now, notices."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import accessible_accounts
from accounts.query_params import parse_id
from accounts.redirects import next_url

from .. import selectors
from ..builder import unsupported
from ..models import TemplateSyncState
from ..preview import preview_of
from ..services.changes import edit_block_reason
from ..services.notices import dismiss_all_notices, dismiss_notice
from ..services.sync import SyncFailed, sync_templates

VIEW = "templates_mgr.view_messagetemplate"


@login_required
@permission_required(VIEW, raise_exception=True)
def template_list(request):
    account_id = parse_id(request.GET.get("account"))
    context = {
        "groups": selectors.board(
            request.user, account_id=account_id, query=request.GET.get("q", ""), show_deleted=request.GET.get("deleted") == "1"
        ),
        "sync_states": selectors.sync_states(request.user, account_id=account_id),
        "accounts": accessible_accounts(request.user).order_by("name"),
        "account_id": account_id,
        "query": request.GET.get("q", ""),
        "show_deleted": request.GET.get("deleted") == "1",
    }
    return render(request, "templates_mgr/template_list.html", context)


@login_required
@permission_required(VIEW, raise_exception=True)
def template_detail(request, pk: int):
    template = selectors.template_for_user(request.user, pk)
    return render(request, "templates_mgr/template_detail.html", detail_context(template))


def detail_context(template, **extra) -> dict:
    selectors.attach_usage([template])
    preview = preview_of(components=template.components or [], parameter_format=template.parameter_format, category=template.category)
    return {
        "template": template,
        "history": selectors.history(template),
        "preview": preview,
        "edit_block": edit_block_for(template),
        "sync_state": TemplateSyncState.objects.filter(account_id=template.account_id).first(),
        **extra,
    }


@require_POST
@login_required
@permission_required("templates_mgr.change_messagetemplate", raise_exception=True)
def template_sync(request):
    account_id = parse_id(request.POST.get("account"))
    if account_id is None:
        return HttpResponse("Choose the business account to sync.", status=400, content_type="text/plain")
    account = selectors.account_for_user(request.user, account_id)
    try:
        result = sync_templates(account=account)
    except SyncFailed as failure:
        flash.error(request, f"Sync of {account.name} failed: {failure}")
    else:
        flash.success(request, f"Synced {account.name} with Meta: {result}.")
    return redirect("templates_mgr:template-list")


@require_POST
@login_required
def notice_dismiss(request, pk: int):
    dismiss_notice(user=request.user, notice_id=pk)
    if request.htmx:
        return HttpResponse("")
    return redirect(next_url(request, fallback="templates_mgr:template-list"))


@require_POST
@login_required
def notice_dismiss_all(request):
    dismiss_all_notices(user=request.user)
    if request.htmx:
        return HttpResponse("")
    return redirect(next_url(request, fallback="templates_mgr:template-list"))


def edit_block_for(template) -> str:
    """Meta's reason not to edit now, or the builder's reason it can't show the template."""
    return edit_block_reason(template) or unsupported(template.components or [])
