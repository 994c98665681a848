from django.urls import path

from . import views

app_name = "settings"

urlpatterns = [
    path("", views.settings_home, name="home"),
    path("numbers/<str:phone_number_id>/profile/", views.number_profile, name="number-profile"),
    path("numbers/<str:phone_number_id>/profile/check/", views.number_profile_check, name="number-profile-check"),
]
