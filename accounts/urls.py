from django.urls import path

from . import views

app_name = "settings"

# <meta_id:…> is one of Meta's ids (digits only): anything else is a 404 (accounts/query_params.py).
urlpatterns = [
    path("", views.settings_home, name="home"),
    path("accounts/", views.account_list, name="account-list"),
    path("accounts/connect/", views.account_connect, name="account-connect"),
    path("accounts/<id:pk>/", views.account_detail, name="account-detail"),
    path("accounts/<id:pk>/test/", views.account_test, name="account-test"),
    path("accounts/<id:pk>/subscribe/", views.account_subscribe, name="account-subscribe"),
    path("accounts/<id:pk>/rotate/", views.account_rotate, name="account-rotate"),
    path("accounts/<id:pk>/disconnect/", views.account_disconnect, name="account-disconnect"),
    path("accounts/<id:pk>/reconnect/", views.account_reconnect, name="account-reconnect"),
    path("people/", views.people_list, name="people"),
    path("people/add/", views.person_add, name="person-add"),
    path("people/<id:pk>/", views.person_detail, name="person-detail"),
    path("people/<id:pk>/active/", views.person_active, name="person-active"),
    path("people/<id:pk>/password-link/", views.person_password_link, name="person-password-link"),
    path("audit/", views.audit_log, name="audit-log"),
    path("audit/export.csv", views.audit_log_csv, name="audit-log-csv"),
    path("numbers/", views.number_list, name="number-list"),
    path("numbers/sync/", views.number_sync, name="number-sync"),
    path("numbers/<meta_id:phone_number_id>/", views.number_detail, name="number-detail"),
    path("numbers/<meta_id:phone_number_id>/status/", views.number_status, name="number-status"),
    path("numbers/<meta_id:phone_number_id>/health/", views.number_health_page, name="number-health"),
    path("numbers/<meta_id:phone_number_id>/profile/", views.number_profile, name="number-profile"),
    path("numbers/<meta_id:phone_number_id>/profile/check/", views.number_profile_check, name="number-profile-check"),
    path("numbers/<meta_id:phone_number_id>/deregister/", views.number_deregister, name="number-deregister"),
    path("numbers/<meta_id:phone_number_id>/request-code/", views.number_action, {"action": "request_code"},
         name="number-request-code"),
    path("numbers/<meta_id:phone_number_id>/verify-code/", views.number_action, {"action": "verify_code"},
         name="number-verify-code"),
    path("numbers/<meta_id:phone_number_id>/register/", views.number_action, {"action": "register"},
         name="number-register"),
    path("numbers/<meta_id:phone_number_id>/pin/", views.number_action, {"action": "pin"}, name="number-pin"),
    path("numbers/<meta_id:phone_number_id>/flow-key/", views.number_flow_key_status, name="number-flow-key-status"),
    path("numbers/<meta_id:phone_number_id>/flow-key/generate/", views.number_flow_key, {"action": "generate"},
         name="number-flow-key-generate"),
    path("numbers/<meta_id:phone_number_id>/flow-key/upload/", views.number_flow_key, {"action": "upload"},
         name="number-flow-key-upload"),
    path("numbers/<meta_id:phone_number_id>/flow-key/rotate/", views.number_flow_key, {"action": "rotate"},
         name="number-flow-key-rotate"),
    path("numbers/<meta_id:phone_number_id>/flow-key/retire/", views.number_flow_key, {"action": "retire"},
         name="number-flow-key-retire"),
]
