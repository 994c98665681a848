"""Keyset cursors for URLs: a ``(time, id)`` pair as ``<microseconds since 1970>.<id>``."""

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def encode_cursor(at: datetime, pk: int) -> str:
    delta = at - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}.{pk}"


def decode_cursor(value: str) -> tuple[datetime, int]:
    """``(time, id)`` from :func:`encode_cursor`; ``ValueError`` for anything else."""
    micros, _, pk = (value or "").partition(".")
    if not micros.lstrip("-").isdigit() or not pk.isdigit() or len(micros) > 20:
        raise ValueError(f"not a cursor: {value!r}")
    try:
        return _EPOCH + timedelta(microseconds=int(micros)), int(pk)
    except OverflowError:
        raise ValueError(f"not a cursor: {value!r}") from None
