from django.urls import path

from . import flow_endpoint, views, webhooks
from .views import canned_replies, flow_responses, flows, live

app_name = "messaging"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("c/new/", views.conversation_new, name="conversation-new"),
    path("c/<id:pk>/", views.conversation_detail, name="conversation-detail"),
    path("c/<id:pk>/messages/", views.conversation_messages, name="conversation-messages"),
    path("c/<id:pk>/older/", views.conversation_older, name="conversation-older"),
    path("c/<id:pk>/compose/", views.conversation_compose, name="conversation-compose"),
    path("c/<id:pk>/compose/check/", views.conversation_compose_check, name="conversation-compose-check"),
    path("composer/enter/", views.composer_enter_preference, name="composer-enter-preference"),
    path("c/<id:pk>/send/", views.conversation_send, name="conversation-send"),
    path("c/<id:pk>/read/", views.conversation_read, name="conversation-read"),
    path("c/<id:pk>/typing/", views.conversation_typing, name="conversation-typing"),
    path("c/<id:pk>/assign/", views.conversation_assign, name="conversation-assign"),
    path("c/<id:pk>/canned-replies/", canned_replies.conversation_canned_replies, name="conversation-canned-replies"),
    path("canned-replies/", canned_replies.personal_list, name="canned-reply-list"),
    path("canned-replies/new/", canned_replies.personal_edit, name="canned-reply-create"),
    path("canned-replies/<id:pk>/", canned_replies.personal_edit, name="canned-reply-edit"),
    path("canned-replies/<id:pk>/delete/", canned_replies.personal_delete, name="canned-reply-delete"),
    path("notify/", live.notify, name="notify"),
    path("presence/", live.presence_heartbeat, name="presence-heartbeat"),
    path("contacts/", views.contact_list, name="contact-list"),
    path("contacts/<id:pk>/", views.contact_detail, name="contact-detail"),
    path("contacts/<id:pk>/notes/", views.contact_notes, name="contact-notes"),
    path("flows/", flows.flow_list, name="flow-list"),
    path("flows/sync/", flows.flow_sync, name="flow-sync"),
    path("flows/new/", flows.flow_create, name="flow-create"),
    path("flows/<id:pk>/", flows.flow_detail, name="flow-detail"),
    path("flows/<id:pk>/edit/", flows.flow_edit, name="flow-edit"),
    path("flows/<id:pk>/json/", flows.flow_json, name="flow-json"),
    path("flows/<id:pk>/publish/", flows.flow_publish, name="flow-publish"),
    path("flows/<id:pk>/deprecate/", flows.flow_deprecate, name="flow-deprecate"),
    path("flows/<id:pk>/delete/", flows.flow_delete, name="flow-delete"),
    path("flows/<id:pk>/preview/", flows.flow_preview, name="flow-preview"),
    path("flows/<id:pk>/health/", flows.flow_health, name="flow-health"),
    path("flows/<id:pk>/responses/", flow_responses.flow_responses, name="flow-responses"),
    path("webhooks/whatsapp/", webhooks.whatsapp_webhook, name="webhook"),
    path("flows/endpoint/", flow_endpoint.flow_data_endpoint, name="flow-endpoint"),
    path("flows/<id:pk>/endpoint/", views.flow_endpoint_settings, name="flow-endpoint-settings"),
]
