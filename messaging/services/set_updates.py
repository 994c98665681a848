"""One UPDATE for many rows, each with its own values: ``UPDATE … FROM (VALUES …)``.

The ORM's ``bulk_update`` and ``Case(When(…))`` build an expression tree per row: for a batch
of a hundred rows that took far longer than the database's work (profiled, issue #15). This
writes the statement once, for PostgreSQL and SQLite (3.33+) alike.
"""

from typing import Any

from django.db import connections, router
from django.db.models import Field, Model


def update_from_values(
    model: type[Model],
    *,
    columns: dict[str, "str | Field"],
    rows: list[tuple[Any, ...]],
    assignments: dict[str, str],
    where: str = "",
) -> int:
    """Update ``model``'s rows whose id is each row's first value; returns how many.

    ``columns`` names the values of each row (the first is the id), each with the model field
    (or a field) whose type casts it; ``assignments`` maps a column of the table to an SQL expression over ``t``
    (the row as it is) and ``v`` (the row's values); ``where`` guards, in the same terms. Every
    expression sees the row as it was before the statement, as SQL evaluates SET.
    """
    if not rows:
        return 0
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(kind) if isinstance(kind, str) else kind for kind in columns.values()]
    if connection.vendor == "postgresql":  # typed, so that v.x compares and assigns as t.x
        placeholder = "(" + ", ".join(f"CAST(%s AS {field.db_type(connection)})" for field in fields) + ")"
    else:
        placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    names = ", ".join(f"column{n + 1} AS {quote(name)}" for n, name in enumerate(columns))
    sets = ", ".join(f"{quote(model._meta.get_field(name).column)} = {sql}" for name, sql in assignments.items())
    sql = (
        f"UPDATE {quote(model._meta.db_table)} AS t SET {sets} "
        f"FROM (SELECT {names} FROM (VALUES {', '.join([placeholder] * len(rows))}) AS vv) AS v "
        f"WHERE t.{quote(model._meta.pk.column)} = v.{quote(next(iter(columns)))}" + (f" AND ({where})" if where else "")
    )
    params = [field.get_db_prep_save(value, connection) for row in rows for field, value in zip(fields, row)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
