from .board import notice_dismiss, notice_dismiss_all, template_detail, template_list, template_sync
from .builder import template_create, template_delete, template_edit, template_submit, template_validate
from .sending import conversation_send, conversation_send_preview, conversation_start

__all__ = [
    "conversation_send",
    "conversation_send_preview",
    "conversation_start",
    "notice_dismiss",
    "notice_dismiss_all",
    "template_create",
    "template_delete",
    "template_detail",
    "template_edit",
    "template_list",
    "template_submit",
    "template_sync",
    "template_validate",
]
