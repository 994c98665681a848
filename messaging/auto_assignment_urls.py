"""Settings → Round-robin, mounted at /settings/auto-assignment/ by config/urls.py (messaging's page in
accounts' Settings area, like the canned replies)."""

from django.urls import path

from .views.auto_assignment import auto_assignment_settings

app_name = "auto-assignment"

urlpatterns = [path("", auto_assignment_settings, name="numbers")]
