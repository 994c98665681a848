"""Segments: list, create, edit (with a live count and a sample of matching contacts), delete."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import accessible_accounts
from accounts.query_params import parse_id
from messaging.models import Label

from ...forms_audiences import RuleFormSet, SegmentForm, rule_initial
from ...models import Segment
from ...services.segments import SAMPLE_SIZE, contacts_matching, delete_segment, describe_rule, save_segment, validate_rules

VIEW, ADD, CHANGE, DELETE = ("campaigns.view_segment", "campaigns.add_segment", "campaigns.change_segment",
                             "campaigns.delete_segment")


def _segment_or_404(user, pk: int) -> Segment:
    segment = Segment.objects.filter(account__in=accessible_accounts(user), pk=pk).select_related("account").first()
    if segment is None:
        raise Http404("No such segment.")
    return segment


@login_required
@permission_required(VIEW, raise_exception=True)
def segment_list(request):
    segments = list(Segment.objects.filter(account__in=accessible_accounts(request.user)).select_related("account")[:500])
    labels = dict(Label.objects.filter(account__in={s.account_id for s in segments}).values_list("pk", "name"))
    for segment in segments:
        segment.described = [describe_rule(rule, labels) for rule in segment.rules] or ["every contact"]
    return render(request, "campaigns/audiences/segment_list.html", {"segments": segments})


@login_required
@permission_required(ADD, raise_exception=True)
def segment_create(request):
    accounts = accessible_accounts(request.user).order_by("name")
    chosen = request.POST.get("account") if request.method == "POST" else request.GET.get("account")
    account = accounts.filter(pk=parse_id(chosen)).first() or accounts.first()
    if account is None:
        raise Http404("No business account to build a segment in.")
    return _edit(request, account=account, segment=None, accounts=accounts)


@login_required
@permission_required(CHANGE, raise_exception=True)
def segment_edit(request, pk: int):
    segment = _segment_or_404(request.user, pk)
    return _edit(request, account=segment.account, segment=segment, accounts=None)


def _edit(request, *, account, segment, accounts):
    labels = Label.objects.filter(account=account).order_by("name")
    initial = {"name": segment.name} if segment else {"account": account.pk}
    form = SegmentForm(request.POST or None, initial=initial, accounts=accounts)
    rules = RuleFormSet(request.POST or None, initial=None if request.POST else rule_initial(segment.rules if segment else []),
                        form_kwargs={"labels": labels}, prefix="rule")
    if request.method == "POST":
        if form.is_valid() and rules.is_valid():
            try:
                saved = save_segment(account=account, name=form.cleaned_data["name"], user=request.user, segment=segment,
                                     rules=[r for r in (f.rule() for f in rules.forms) if r])
            except ValidationError as exc:
                for key, messages in exc.message_dict.items():
                    form.add_error("name" if key == "name" else None, messages)
            else:
                flash.success(request, f"Segment “{saved.name}” saved.")
                return redirect("audiences:segment-edit", pk=saved.pk)
    preview = _preview(account, rules) if request.method == "POST" else _preview(account, None, stored=segment)
    status = 400 if request.method == "POST" else 200
    return render(request, "campaigns/audiences/segment_form.html", {
        "form": form, "rules": rules, "segment": segment, "account": account, "preview": preview,
    }, status=status)


@require_POST
@login_required
@permission_required(VIEW, raise_exception=True)
def segment_preview(request):
    """The live count and sample for the rules as typed (htmx swaps it in; nothing is saved)."""
    accounts = accessible_accounts(request.user)
    account = accounts.filter(pk=parse_id(request.POST.get("account"))).first()
    if account is None:
        return render(request, "campaigns/audiences/_segment_preview.html",
                      {"preview": {"error": ["Choose a business account you can see."]}}, status=400)
    labels = Label.objects.filter(account=account).order_by("name")
    rules = RuleFormSet(request.POST, form_kwargs={"labels": labels}, prefix="rule")
    # Rules still being typed are an answer, not a failure: 200, so htmx shows what is missing.
    return render(request, "campaigns/audiences/_segment_preview.html", {"preview": _preview(account, rules)})


def _preview(account, rules, *, stored: Segment | None = None) -> dict:
    """Count and a sample of the contacts the rules (a bound formset, or the ``stored`` segment's)
    select, or what is wrong with them."""
    try:
        if rules is None:
            cleaned = validate_rules(account=account, rules=stored.rules if stored else [])
        elif not rules.is_valid():
            return {"error": [e for form in rules.forms for errors in form.errors.values() for e in errors]
                    + list(rules.non_form_errors())}
        else:
            cleaned = validate_rules(account=account, rules=[r for r in (f.rule() for f in rules.forms) if r])
    except ValidationError as exc:
        return {"error": exc.messages}
    found = contacts_matching(account_id=account.pk, rules=cleaned)
    return {"count": found.count(), "sample": list(found.order_by("name", "wa_id")[:SAMPLE_SIZE])}


@require_POST
@login_required
@permission_required(DELETE, raise_exception=True)
def segment_delete(request, pk: int):
    segment = _segment_or_404(request.user, pk)
    name = segment.name
    delete_segment(segment=segment, user=request.user)
    flash.success(request, f"Segment “{name}” deleted.")
    return redirect("audiences:segment-list")
