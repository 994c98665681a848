"""Interactive messages: reply buttons, a list, a call-to-action link (docs/cloudapi.md §1 limits)."""

from django import forms

from ..services import compose, limits
from ..services.compose import Draft
from .compose import ComposeForm, limited


class _InteractiveForm(ComposeForm):
    header = forms.CharField(
        required=False, label="Header (optional)", widget=limited(limits.INTERACTIVE_HEADER_TEXT, label="Header")
    )
    body = forms.CharField(
        label="Message",
        widget=limited(limits.INTERACTIVE_BODY, label="Message", textarea=True, placeholder="Write a message…"),
        error_messages={"required": "The message is required."},
    )
    footer = forms.CharField(
        required=False, label="Footer (optional)", widget=limited(limits.INTERACTIVE_FOOTER, label="Footer")
    )


class SendButtonsForm(_InteractiveForm):
    kind = "buttons"
    label = "Buttons"

    button_1 = forms.CharField(
        label="Button 1", required=False, widget=limited(limits.BUTTON_TITLE, label="Button title", **{"data-unique": "buttons"})
    )
    button_2 = forms.CharField(
        label="Button 2", required=False, widget=limited(limits.BUTTON_TITLE, label="Button title", **{"data-unique": "buttons"})
    )
    button_3 = forms.CharField(
        label="Button 3", required=False, widget=limited(limits.BUTTON_TITLE, label="Button title", **{"data-unique": "buttons"})
    )

    def build(self, data: dict) -> Draft:
        return compose.buttons_draft(
            body=data["body"],
            buttons=[data.get(f"button_{n}", "") for n in range(1, limits.BUTTONS_MAX + 1)],
            header=data.get("header", ""),
            footer=data.get("footer", ""),
        )


class SendListForm(_InteractiveForm):
    kind = "list"
    label = "List"

    body = forms.CharField(
        label="Message",
        widget=limited(limits.LIST_BODY, label="Message", textarea=True, placeholder="Write a message…"),
        error_messages={"required": "The message is required."},
    )
    list_button = forms.CharField(
        label="Button that opens the list",
        widget=limited(limits.LIST_BUTTON_LABEL, label="List button"),
        error_messages={"required": "The list button needs a label."},
    )
    ROWS = limits.LIST_ROWS_MAX

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, self.ROWS + 1):
            self.fields[f"row_{n}_section"] = forms.CharField(
                required=False, label=f"Section of row {n}",
                widget=limited(limits.LIST_SECTION_TITLE, label="Section title", placeholder="Section (optional)"),
            )
            self.fields[f"row_{n}_title"] = forms.CharField(
                required=False, label=f"Row {n}",
                widget=limited(limits.LIST_ROW_TITLE, label="Row title", placeholder=f"Row {n} title", **{"data-unique": "rows"}),
            )
            self.fields[f"row_{n}_description"] = forms.CharField(
                required=False, label=f"Description of row {n}",
                widget=limited(limits.LIST_ROW_DESCRIPTION, label="Description", placeholder="Description (optional)"),
            )

    SHOWN_ROWS = 3  # the rest fold away until wanted

    def rows(self):
        """``(section, title, description)`` bound fields per row, for the template."""
        return [
            (self[f"row_{n}_section"], self[f"row_{n}_title"], self[f"row_{n}_description"])
            for n in range(1, self.ROWS + 1)
        ]

    def first_rows(self):
        return self.rows()[: self.SHOWN_ROWS]

    def more_rows(self):
        return self.rows()[self.SHOWN_ROWS :]

    def more_rows_used(self) -> bool:
        return any(field.value() or field.errors for row in self.more_rows() for field in row)

    def build(self, data: dict) -> Draft:
        rows = [
            (data.get(f"row_{n}_section", ""), data.get(f"row_{n}_title", ""), data.get(f"row_{n}_description", ""))
            for n in range(1, self.ROWS + 1)
        ]
        return compose.list_draft(
            body=data["body"], button=data["list_button"], rows=rows, header=data.get("header", ""),
            footer=data.get("footer", ""),
        )


class SendCtaUrlForm(_InteractiveForm):
    kind = "cta_url"
    label = "Link button"

    display_text = forms.CharField(
        label="Button text", widget=limited(limits.CTA_DISPLAY_TEXT, label="Button text"),
        error_messages={"required": "The button text is required."},
    )
    url = forms.CharField(
        label="Opens", widget=limited(limits.CTA_URL, label="Address", placeholder="https://…", **{"data-url": "1"}),
        error_messages={"required": "The address is required."},
    )

    def build(self, data: dict) -> Draft:
        return compose.cta_url_draft(
            body=data["body"], display_text=data["display_text"], url=data["url"],
            header=data.get("header", ""), footer=data.get("footer", ""),
        )
