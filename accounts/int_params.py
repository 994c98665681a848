"""Integers (ids, page numbers) typed into a URL or a form, read the one way every view reads them.

In accounts, which every app with views (media_lib, messaging, templates_mgr) may import.
"""

# A BigAutoField's largest id; a longer number could only be a hand-edited URL.
_MAX = 2**63 - 1


def int_param(value: str | None) -> int | None:
    """``value`` as a non-negative integer when it is plain ASCII digits, else ``None``.

    Signs, spaces, other scripts' digits and numbers past a database id give ``None`` rather
    than an error, so a hand-edited URL never turns into a 500.
    """
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if number <= _MAX else None
