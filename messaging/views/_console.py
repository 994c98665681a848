"""What every console page around a thread shares: the filtered inbox sidebar and the composer."""

from dataclasses import dataclass

from django.http import QueryDict
from django.urls import reverse

from accounts.access import accessible_accounts, accessible_phone_numbers
from accounts.query_params import parse_id
from accounts.services.preferences import enter_sends_for

from .. import selectors
from ..forms import COMPOSE_FORMS, InboxFilterForm, compose_form_class
from ..models import Conversation, Message
from ..services.assignment import users_for_numbers
from ..services.labels import labels_for_accounts
from ..services.sending import window_closed_reason

VIEW = "messaging.view_conversation"
SEND = "messaging.send_message"


@dataclass
class Sidebar:
    context: dict
    valid: bool


def sidebar(request, *, active: Conversation | None = None) -> Sidebar:
    """The inbox for the request's filters (query parameters); ``valid`` is False for bad ones."""
    numbers = accessible_phone_numbers(request.user).order_by("display_phone_number")
    # The full page lists them (the label filter, the bulk and thread menus); the poll does not.
    labels = [] if request.htmx else labels_for_accounts(accessible_accounts(request.user))
    form = InboxFilterForm(request.GET or None, numbers=numbers, labels=labels)
    valid = form.is_valid() if form.is_bound else True
    filters = form.filters() if form.is_bound and valid else selectors.InboxFilters()
    page = selectors.inbox_page(request.user, filters)
    counts = selectors.state_counts(request.user, filters, numbers=numbers)
    query = _filters_query(request.GET)
    for conversation in page.conversations:
        conversation.snippet = page.snippets.get(conversation.pk, "")
    poll = _filters_query(request.GET)
    if request.GET.get("before") and valid:
        poll["before"] = request.GET["before"]
    # The thread's list poll answers with the list it then polls again: keep the active conversation
    # in that URL too, or the second poll forgets it (the row loses its highlight and the answer
    # carries the inbox's empty pane, which the thread page has no place for).
    active_pk = active.pk if active else parse_id(request.GET.get("active"))
    if active_pk is not None:
        poll["active"] = str(active_pk)
    context = {
        "list_poll_url": f"{reverse('messaging:inbox')}?{poll.urlencode()}",
        "filter_form": form,
        "inbox": page,
        "conversations": page.conversations,
        "filters_query": query.urlencode(),
        "active_pk": active_pk,
        "filtered": any(query.values()),
        "inbox_filters": filters,
        "state_counts": counts,
        "state_tabs": _state_tabs(query, filters, counts),
        "inbox_labels": labels,
        "bulk_assignees": _bulk_assignees(request, numbers),
    }
    return Sidebar(context=context, valid=valid)


def compose_context(request, conversation: Conversation, form=None) -> dict:
    """The composer: the kind's form (``?kind=``), or the template picker when the window is closed."""
    can_send = request.user.has_perm(SEND)
    window_open = conversation.window_is_open()
    if form is None and can_send and window_open:
        form_class = compose_form_class(request.GET.get("kind")) or compose_form_class(None)
        initial = {"reply_to": parse_id(request.GET.get("reply_to")), "message": parse_id(request.GET.get("message"))}
        form = form_class(conversation=conversation, user=request.user, initial=initial)
    reply_to = form["reply_to"].value() if form is not None else None
    reply_message = None
    if str(reply_to or "").isdigit():
        reply_message = Message.objects.filter(pk=reply_to, conversation=conversation).only("pk", "text", "type").first()
    return {
        "conversation": conversation,
        "form": form,
        "can_send": can_send,
        "window_open": window_open,
        "window_reason": "" if window_open else window_closed_reason(conversation),
        "compose_kinds": [(kind, form_class.label) for kind, form_class in COMPOSE_FORMS.items() if kind != "reaction"],
        "reply_message": reply_message,
        "enter_sends": enter_sends_for(user=request.user),
    }


def _filters_query(params: QueryDict) -> QueryDict:
    kept = QueryDict(mutable=True)
    for name in ("q", "number", "window", "assigned", "unread", "state", "label"):
        value = params.get(name)
        if value:
            kept[name] = value
    return kept


def _state_tabs(query: QueryDict, filters, counts: dict[str, int]) -> list[dict]:
    """The sidebar's states, each a link keeping the other filters, with its count."""
    tabs = []
    for state, label in (("open", "Open"), ("pending", "Pending"), ("snoozed", "Snoozed"), ("resolved", "Resolved"),
                         ("all", "All")):
        link = query.copy()
        link["state"] = state
        link.pop("before", None)
        count = sum(counts.values()) if state == "all" else counts.get(state, 0)
        tabs.append({"state": state, "label": label, "count": count, "query": link.urlencode(),
                     "current": filters.state == state})
    return tabs


def _bulk_assignees(request, numbers) -> list:
    """Who the bulk "Assign to…" offers: the people who work the user's numbers (the service
    refuses anybody who does not work every selected conversation's number)."""
    if not request.user.has_perm(SEND):
        return []
    return users_for_numbers(numbers)  # lazy: only the full page lists them, not the poll
