from django.urls import path

from . import views

app_name = "media_lib"

urlpatterns = [
    path("", views.asset_list, name="asset-list"),
    path("upload/", views.asset_upload, name="asset-upload"),
    path("picker/", views.asset_picker, name="asset-picker"),
    # A business profile's picture: checked here, sent to Meta, then back to the Settings page.
    path("profile-picture/<meta_id:phone_number_id>/", views.profile_picture_upload, name="profile-picture"),
    path("<id:pk>/", views.asset_serve, name="asset-serve"),
    path("<id:pk>/thumbnail/", views.thumbnail_serve, name="thumbnail-serve"),
    path("<id:pk>/delete/", views.asset_delete, name="asset-delete"),
    path("<id:pk>/retry/", views.asset_retry, name="asset-retry"),
    path("<id:pk>/status/", views.asset_status, name="asset-status"),
]
