"""Settings → Round-robin: which numbers give new conversations to their online operators in turn."""

from django.contrib import messages as flash
from django.http import HttpResponse
from django.shortcuts import redirect, render

from accounts.access import accessible_phone_numbers
from accounts.query_params import parse_id
from accounts.views._settings import settings_page

from ..models import AutoAssignment
from ..services.assignment import assignable_for_number
from ..services.auto_assignment import set_auto_assignment
from ..services.presence import statuses_for


@settings_page
def auto_assignment_settings(request):
    numbers = accessible_phone_numbers(request.user).select_related("account").order_by("display_phone_number")
    if request.method == "POST":
        number = numbers.filter(pk=parse_id(request.POST.get("phone_number"))).first()
        enabled = request.POST.get("enabled", "")
        if number is None or enabled not in ("0", "1"):
            return HttpResponse("Say which number (phone_number) and whether round-robin is on (enabled=1) or off (0).",
                                status=400, content_type="text/plain")
        set_auto_assignment(actor=request.user, phone_number=number, enabled=enabled == "1")
        flash.success(request, f"Round-robin is {'on' if enabled == '1' else 'off'} for +{number.display_phone_number}.")
        return redirect("auto-assignment:numbers")
    rules = {rule.phone_number_id: rule for rule in AutoAssignment.objects.filter(phone_number__in=numbers)}
    rows = []
    for number in numbers:
        people = list(assignable_for_number(number.pk))
        statuses = statuses_for([person.pk for person in people])
        rows.append({"number": number, "enabled": bool(rules.get(number.pk) and rules[number.pk].enabled),
                     "people": [(person, statuses[person.pk]) for person in people]})
    return render(request, "messaging/auto_assignment_settings.html", {"rows": rows})
