"""Settings → a number's health: can we send, and if not, why."""

from django.shortcuts import get_object_or_404, render

from ..models import PhoneNumber
from ..services.health import number_health, recent_account_alerts
from ._settings import settings_page


@settings_page
def number_health_page(request, phone_number_id: str):
    phone = get_object_or_404(PhoneNumber.objects.select_related("account"), phone_number_id=phone_number_id)
    context = {
        "phone": phone,
        "account": phone.account,
        "health": number_health(phone),
        "alerts": recent_account_alerts(phone.account),
    }
    return render(request, "accounts/settings/number_health.html", context)
