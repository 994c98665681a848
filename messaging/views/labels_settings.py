"""Settings → Labels (administrators): list, create with a colour, rename, recolour, delete.

Labels are messaging's (contacts' tags and conversations' labels, one model), so these pages
live here, under /settings/labels/, with the Settings permission and layout."""

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts.models import BusinessAccount
from accounts.views._settings import settings_page

from ..forms import LabelForm
from ..models import Label
from ..services import labels as label_service


@settings_page
@require_http_methods(["GET", "POST"])
def label_list(request):
    accounts = list(BusinessAccount.objects.order_by("name"))
    form = LabelForm(request.POST or None, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        try:
            label = label_service.create_label(account=form.cleaned_data["account"], name=form.cleaned_data["name"],
                                               colour=form.cleaned_data["colour"], actor=request.user)
        except ValidationError as exc:
            form.add_error("name", exc)
        else:
            flash.success(request, f"Label “{label.name}” created.")
            return redirect("labels:list")
    labels = (Label.objects.select_related("account").order_by("account__name", "name")
              .annotate(n_conversations=Count("conversations", distinct=True), n_contacts=Count("contacts", distinct=True)))
    status = 400 if request.method == "POST" else 200
    return render(request, "messaging/settings/label_list.html",
                  {"labels": labels, "form": form, "colours": Label.Colour.choices}, status=status)


@settings_page
@require_http_methods(["GET", "POST"])
def label_edit(request, pk: int):
    label = get_object_or_404(Label.objects.select_related("account"), pk=pk)
    form = LabelForm(request.POST or None, initial={"name": label.name, "colour": label.colour})
    if request.method == "POST" and form.is_valid():
        try:
            label_service.update_label(label=label, name=form.cleaned_data["name"], colour=form.cleaned_data["colour"],
                                       actor=request.user)
        except ValidationError as exc:
            form.add_error("name", exc)
        else:
            flash.success(request, f"Label “{label.name}” saved.")
            return redirect("labels:list")
    return render(request, "messaging/settings/label_edit.html", {"label": label, "form": form},
                  status=400 if request.method == "POST" else 200)


@settings_page
@require_http_methods(["GET", "POST"])
def label_delete(request, pk: int):
    """GET: the confirmation, saying how many conversations and contacts carry it; POST: delete."""
    label = get_object_or_404(Label.objects.select_related("account"), pk=pk)
    if request.method == "POST":
        usage = label_service.delete_label(label=label, actor=request.user)
        flash.success(request, f"Label “{label.name}” deleted: it came off {usage['conversations']} conversation(s) "
                               f"and {usage['contacts']} contact(s).")
        return redirect("labels:list")
    return render(request, "messaging/settings/label_delete.html",
                  {"label": label, "usage": label_service.label_usage(label)})
