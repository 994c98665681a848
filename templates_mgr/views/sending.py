"""Sending approved templates: into an existing conversation (an htmx partial the console loads
when the window is closed, with a full-page fallback) and to start a new conversation."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.access import accessible_accounts
from accounts.query_params import parse_id
from messaging.selectors import conversation_for_user

from .. import selectors
from ..models import MessageTemplate
from ..forms import SendTemplateForm, StartConversationForm
from ..placeholders import buttons
from ..services.eligibility import template_send_refusal
from ..services.errors import TemplateInvalid
from ..services.sending import preview_for_send, send_template, slots_for, start_conversation
from ..services.sync import awaiting_sync, sync_when_empty

SEND = "messaging.send_message"


@login_required
@permission_required(SEND, raise_exception=True)
def conversation_send(request, conversation_pk: int):
    conversation = conversation_for_user(request.user, conversation_pk)
    templates = selectors.sendable_templates([conversation.phone_number.account_id])
    template, params, problem = _chosen(request, templates)
    context = {"conversation": conversation, "templates": templates, "chosen": template, "params": params, "problem": problem,
               **_send_extras(conversation, templates, template, params)}
    page = "templates_mgr/_conversation_send.html" if request.htmx else "templates_mgr/conversation_send.html"
    if request.method != "POST":
        return render(request, page, context, status=400 if problem else 200)
    if params is not None and params.is_valid():
        done = _run(params, send_template, conversation=conversation, template=template, values=params.values(),
                    user=request.user, client_uuid=params.cleaned_data["client_uuid"])
        if done is not None:
            target = reverse("messaging:conversation-detail", args=[conversation.pk])
            if request.htmx:
                return HttpResponse(status=204, headers={"HX-Redirect": target})
            flash.success(request, f"Queued the template {template.name} to {conversation.contact}.")
            return redirect(target)
    context["problem"] = problem or ("" if params is not None else "Choose an approved template to send.")
    return render(request, page, context, status=400)


@require_POST
@login_required
@permission_required(SEND, raise_exception=True)
def conversation_send_preview(request, conversation_pk: int):
    """The live preview and the as-you-type errors of the send form (htmx, debounced)."""
    conversation = conversation_for_user(request.user, conversation_pk)
    templates = selectors.sendable_templates([conversation.phone_number.account_id])
    template, params, problem = _chosen(request, templates)
    if params is None:
        return render(request, "templates_mgr/_send_preview.html", {"problem": problem or "Choose an approved template to send."}, status=400)
    context = {"params": params, "errors": params.typed_errors(),
               "send_preview": preview_for_send(template=template, values=_typed(params))}
    return render(request, "templates_mgr/_send_preview.html", context)


def _send_extras(conversation, templates, template, params) -> dict:
    """The refusal that disables Send, the preview, and — with no template — whether Meta is being asked."""
    if template is None:
        if templates.exists():
            return {}
        state = sync_when_empty(account=conversation.phone_number.account)
        return {"sync_state": state, "checking": awaiting_sync(state)}
    contact = conversation.contact
    extras = {"refusal": template_send_refusal(template=template, contact=contact, wa_id=contact.wa_id)}
    if params is not None:
        extras["send_preview"] = preview_for_send(template=template, values=_typed(params))
    return extras


def _typed(params) -> dict:
    return {name: params.data.get(name, "") for name in params.fields} if params.is_bound else {}


@login_required
@permission_required(SEND, raise_exception=True)
def conversation_start(request):
    templates = selectors.sendable_templates(accessible_accounts(request.user).values("pk"))
    template, params, problem = _chosen(request, templates)
    start = StartConversationForm(request.POST if request.method == "POST" else None, numbers=selectors.sending_numbers(request.user), templates=templates,
                                  initial={"template": template, **{k: request.GET.get(k) for k in ("to", "phone_number")}})
    context = {"start": start, "chosen": template, "params": params, "problem": problem}
    if request.method != "POST":
        return render(request, "templates_mgr/conversation_start.html", context, status=400 if problem else 200)
    if start.is_valid() and params is not None and params.is_valid():
        data = start.cleaned_data
        message = _run(params, start_conversation, phone_number=data["phone_number"], to=data["to"], template=template,
                       values=params.values(), user=request.user, client_uuid=params.cleaned_data["client_uuid"], also=start)
        if message is not None:
            flash.success(request, f"Queued the template {template.name} to +{message.conversation.contact.wa_id}.")
            return redirect("messaging:conversation-detail", pk=message.conversation_id)
    return render(request, "templates_mgr/conversation_start.html", context, status=400)


def _chosen(request, templates):
    """The template picked (``template`` in the query or the form), its parameter form, and a problem."""
    raw = request.POST.get("template") or request.GET.get("template")
    if not raw:
        return None, None, ""
    template_id = parse_id(raw)
    if template_id is None:
        return None, None, "Choose an approved template to send."
    template = templates.filter(pk=template_id).first()
    if template is None:
        other = MessageTemplate.objects.filter(pk=template_id, account__in=accessible_accounts(request.user)).first()
        if other is None:
            raise Http404("No such template.")
        return None, None, (
            f"{other} can't be sent here: it is {other.get_status_display().lower()}, and only approved "
            "templates of the sending number's account can be sent."
        )
    try:
        slots = slots_for(template)
    except TemplateInvalid as invalid:
        return template, None, " ".join(m for ms in invalid.errors.values() for m in ms)
    data = request.POST if request.method == "POST" else None
    urls = {i: str(b.get("url") or "") for i, b in enumerate(buttons(template.components or [])) if str(b.get("type", "")).upper() == "URL"}
    return template, SendTemplateForm(data, request.FILES if data is not None else None, slots=slots, button_urls=urls), ""


def _run(params, service, also=None, **kwargs):
    try:
        return service(**kwargs)
    except TemplateInvalid as invalid:
        for key, messages in invalid.errors.items():
            for message in messages:
                form = also if also is not None and key in also.fields else params
                form.add_service_error(key, message)
    return None
