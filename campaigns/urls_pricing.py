"""Settings → Prices, under /settings/pricing/ (app_name "pricing"); wired from config/urls.py
because accounts, which owns the rest of Settings, must not import campaigns."""

from django.urls import path

from .views import pricing

app_name = "pricing"

urlpatterns = [
    path("", pricing.rate_list, name="rate-list"),
    path("import/", pricing.rate_import, name="rate-import"),
    path("<id:pk>/delete/", pricing.rate_delete, name="rate-delete"),
]
