"""Audience pages under /campaigns/: contact imports and segments (app_name "audiences")."""

from django.urls import path

from .views.audiences import imports, segments

app_name = "audiences"

urlpatterns = [
    path("imports/", imports.import_list, name="import-list"),
    path("imports/new/", imports.import_new, name="import-new"),
    path("imports/<id:pk>/", imports.import_detail, name="import-detail"),
    path("segments/", segments.segment_list, name="segment-list"),
    path("segments/new/", segments.segment_create, name="segment-create"),
    path("segments/preview/", segments.segment_preview, name="segment-preview"),
    path("segments/<id:pk>/", segments.segment_edit, name="segment-edit"),
    path("segments/<id:pk>/delete/", segments.segment_delete, name="segment-delete"),
]
