"""Build, save, submit, edit and delete templates. Thin: access → form → service → message → redirect."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import accessible_accounts

from .. import selectors
from ..forms import BuilderForm
from ..rules import describe_errors
from ..services.changes import delete_template, deletion_targets, edit_template
from ..services.errors import MetaRefused, TemplateInvalid
from ..services.submit import save_draft, submit_draft, submit_template
from .board import detail_context, edit_block_for

BUILDER_PAGE = "templates_mgr/template_form.html"


@login_required
@permission_required("templates_mgr.add_messagetemplate", raise_exception=True)
def template_create(request):
    accounts = accessible_accounts(request.user).order_by("name")
    action = request.POST.get("action", "submit")
    form = BuilderForm(*_posted(request), accounts=accounts, draft=action == "draft")
    if request.method != "POST":
        return render(request, BUILDER_PAGE, {"form": form})
    if form.is_valid() and action in ("draft", "submit"):
        account = form.cleaned_data["account"]
        service = submit_template if action == "submit" else save_draft
        template = _run(form, service, account=account, definition=form.definition(), user=request.user)
        if template is not None:
            flash.success(request, _done(template, action))
            return redirect("templates_mgr:template-detail", pk=template.pk)
    return render(request, BUILDER_PAGE, {"form": form}, status=200 if action == "preview" else 400)


@login_required
@permission_required("templates_mgr.change_messagetemplate", raise_exception=True)
def template_edit(request, pk: int):
    template = selectors.template_for_user(request.user, pk)
    blocked = edit_block_for(template)
    action = request.POST.get("action", "submit")
    form = BuilderForm(*_posted(request), template=template, draft=action == "draft")
    context = {"form": form, "template": template, "edit_block": blocked}
    if request.method != "POST":
        return render(request, BUILDER_PAGE, context)
    if not blocked and form.is_valid() and action in ("draft", "submit"):
        definition, user = form.definition(), request.user
        if template.status == template.Status.DRAFT and action == "submit":
            done = _run(form, submit_template, account=template.account, definition=definition, user=user, template=template)
        else:
            done = _run(form, edit_template, template=template, definition=definition, user=user)
        if done is not None:
            flash.success(request, _done(done, "edit" if done.status != done.Status.DRAFT else "draft"))
            return redirect("templates_mgr:template-detail", pk=template.pk)
    return render(request, BUILDER_PAGE, context, status=200 if action == "preview" and not blocked else 400)


@require_POST
@login_required
@permission_required("templates_mgr.add_messagetemplate", raise_exception=True)
def template_validate(request):
    """Meta's rules (``rules.validate_template``, as on submit) checked while the person types: each
    typed field's errors, swapped in under it (htmx, debounced). A field not typed yet is not wrong yet."""
    form = BuilderForm(request.POST, accounts=accessible_accounts(request.user))
    form.is_valid()
    errors = {
        name: form.errors.get(name, []) if str(request.POST.get(name) or "").strip() else []
        for name, field in form.fields.items() if not field.widget.is_hidden
    }
    return render(request, "templates_mgr/_field_errors.html", {"errors": errors})


@require_POST
@login_required
@permission_required("templates_mgr.add_messagetemplate", raise_exception=True)
def template_submit(request, pk: int):
    template = selectors.template_for_user(request.user, pk)
    try:
        template = submit_draft(template=template, user=request.user)
    except (TemplateInvalid, MetaRefused) as failure:
        problems = describe_errors(failure.errors) if isinstance(failure, TemplateInvalid) else [failure.message]
        return render(request, "templates_mgr/template_detail.html", detail_context(template, problems=problems), status=400)
    flash.success(request, _done(template, "submit"))
    return redirect("templates_mgr:template-detail", pk=template.pk)


@login_required
@permission_required("templates_mgr.delete_messagetemplate", raise_exception=True)
def template_delete(request, pk: int):
    template = selectors.template_for_user(request.user, pk)
    scope = request.POST.get("scope") or request.GET.get("scope") or "one"
    if scope not in ("one", "all"):
        return render(request, "templates_mgr/template_delete.html", {"template": template, "problems": ["Choose one language or all languages."]}, status=400)
    targets = deletion_targets(template, every_language=scope == "all")
    context = {"template": template, "scope": scope, "targets": targets}
    if request.method != "POST":
        return render(request, "templates_mgr/template_delete.html", context)
    try:
        gone = delete_template(template=template, every_language=scope == "all", user=request.user)
    except (TemplateInvalid, MetaRefused) as failure:
        problems = describe_errors(failure.errors) if isinstance(failure, TemplateInvalid) else [failure.message]
        return render(request, "templates_mgr/template_delete.html", {**context, "problems": problems}, status=400)
    flash.success(request, "Deleted " + ", ".join(f"{t.name} ({t.language})" for t in gone) + ".")
    return redirect("templates_mgr:template-list")


def _posted(request) -> tuple:
    """The form's data and files when posted (even empty: an empty post is a bad one), else unbound."""
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


def _run(form, service, **kwargs):
    """Call ``service``; its refusals go onto the form (each on its field) and ``None`` comes back."""
    try:
        return service(**kwargs)
    except TemplateInvalid as invalid:
        for key, messages in invalid.errors.items():
            for message in messages:
                form.add_service_error(key, message)
    except MetaRefused as refused:
        form.add_service_error(refused.field, refused.message)
    return None


def _done(template, action: str) -> str:
    what = f"{template.name} ({template.language})"
    if action == "draft":
        return f"Saved the draft {what}. Submit it when it is ready."
    verb = "Sent the edit of" if action == "edit" else "Submitted"
    return f"{verb} {what} to Meta: {template.get_status_display().lower()}."
