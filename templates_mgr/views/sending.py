"""Sending approved templates: into an existing conversation (an htmx partial the console loads
when the window is closed, with a full-page fallback) and to start a new conversation."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.access import accessible_accounts
from accounts.query_params import parse_id
from messaging.selectors import conversation_for_user

from .. import selectors
from ..models import MessageTemplate
from ..forms import SendTemplateForm, StartConversationForm
from ..services.errors import TemplateInvalid
from ..services.sending import send_template, slots_for, start_conversation

SEND = "messaging.send_message"


@login_required
@permission_required(SEND, raise_exception=True)
def conversation_send(request, conversation_pk: int):
    conversation = conversation_for_user(request.user, conversation_pk)
    templates = selectors.sendable_templates([conversation.phone_number.account_id])
    template, params, problem = _chosen(request, templates)
    context = {"conversation": conversation, "templates": templates, "chosen": template, "params": params, "problem": problem}
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
    return template, SendTemplateForm(data, request.FILES if data is not None else None, slots=slots), ""


def _run(params, service, also=None, **kwargs):
    try:
        return service(**kwargs)
    except TemplateInvalid as invalid:
        for key, messages in invalid.errors.items():
            for message in messages:
                form = also if also is not None and key in also.fields else params
                form.add_service_error(key, message)
    return None
