"""Settings → Labels, mounted at /settings/labels/ by config/urls.py (namespace ``labels``)."""

from django.urls import path

from .views import labels_settings

app_name = "labels"

urlpatterns = [
    path("", labels_settings.label_list, name="list"),
    path("<id:pk>/", labels_settings.label_edit, name="edit"),
    path("<id:pk>/delete/", labels_settings.label_delete, name="delete"),
]
