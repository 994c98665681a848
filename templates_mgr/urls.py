from django.urls import path

from . import views

app_name = "templates_mgr"

urlpatterns = [
    path("", views.template_list, name="template-list"),
    path("new/", views.template_create, name="template-create"),
    path("sync/", views.template_sync, name="template-sync"),
    path("validate/", views.template_validate, name="template-validate"),
    path("<id:pk>/", views.template_detail, name="template-detail"),
    path("<id:pk>/edit/", views.template_edit, name="template-edit"),
    path("<id:pk>/submit/", views.template_submit, name="template-submit"),
    path("<id:pk>/delete/", views.template_delete, name="template-delete"),
    path("send/new/", views.conversation_start, name="conversation-start"),
    path("send/<id:conversation_pk>/", views.conversation_send, name="conversation-send"),
    path("send/<id:conversation_pk>/preview/", views.conversation_send_preview, name="conversation-send-preview"),
    path("notices/<id:pk>/dismiss/", views.notice_dismiss, name="notice-dismiss"),
    path("notices/dismiss/", views.notice_dismiss_all, name="notice-dismiss-all"),
]
