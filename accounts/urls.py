from django.urls import path

from . import views

app_name = "settings"

# <meta_id:…> is one of Meta's ids (digits only): anything else is a 404 (accounts/query_params.py).
urlpatterns = [
    path("", views.settings_home, name="home"),
    path("numbers/", views.number_list, name="number-list"),
    path("numbers/sync/", views.number_sync, name="number-sync"),
    path("numbers/<meta_id:phone_number_id>/", views.number_detail, name="number-detail"),
    path("numbers/<meta_id:phone_number_id>/status/", views.number_status, name="number-status"),
    path("numbers/<meta_id:phone_number_id>/health/", views.number_health_page, name="number-health"),
    path("numbers/<meta_id:phone_number_id>/deregister/", views.number_deregister, name="number-deregister"),
    path("numbers/<meta_id:phone_number_id>/request-code/", views.number_action, {"action": "request_code"},
         name="number-request-code"),
    path("numbers/<meta_id:phone_number_id>/verify-code/", views.number_action, {"action": "verify_code"},
         name="number-verify-code"),
    path("numbers/<meta_id:phone_number_id>/register/", views.number_action, {"action": "register"},
         name="number-register"),
    path("numbers/<meta_id:phone_number_id>/pin/", views.number_action, {"action": "pin"}, name="number-pin"),
]
