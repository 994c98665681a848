"""CSV exports a spreadsheet opens safely, streamed line by line (the audit log, flows' answers)."""

import csv
from collections.abc import Iterable, Iterator

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection): such a cell is
# written with a leading apostrophe, which spreadsheets show as text and drop from the value.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_lines(header: Iterable, rows: Iterable[Iterable]) -> Iterator[str]:
    """The header, then each row, as CSV lines with every cell made safe (for a streaming response)."""
    writer = csv.writer(_Echo())
    yield writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


class _Echo:
    """A file that hands back what is written: ``csv.writer`` then returns each line."""

    def write(self, value: str) -> str:
        return value
