"""Reading a CSV as Excel and LibreOffice write it: the delimiter from the header, quoting by the CSV standard (RFC 4180).

`csv.Sniffer` guesses quoting rules from the sample it is given; from a header
line alone it guesses wrong for a later cell that holds doubled quotes.
So only the delimiter is taken from the header, and the cells are read with
the standard rules (double quotes, a doubled quote inside), whatever they hold.
"""

from __future__ import annotations

import csv
import io

DELIMITERS = (";", "\t", ",")


def delimiter(text: str) -> str:
    """The delimiter the header line uses most, outside quoted cells; a comma when it names none."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for character in header:
        if character == '"':
            quoted = not quoted
        elif not quoted and character in counts:
            counts[character] += 1
    best = max(DELIMITERS, key=lambda name: counts[name])
    return best if counts[best] else ","


def rows(text: str) -> csv.reader:
    """The rows of a spreadsheet's text; raises csv.Error for a malformed file or a cell over the field limit."""
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text), quotechar='"', doublequote=True)
