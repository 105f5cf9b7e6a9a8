"""Rewrite election/package.schema.json's language and counting-rule enums from election/'s lists.

Usage: .venv/bin/python scripts/update_schema.py
"""

from __future__ import annotations

import json
from pathlib import Path

from vallokal.election.schema_lists import with_lists

SCHEMA = Path(__file__).resolve().parent.parent / "election" / "package.schema.json"


def main() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    updated = with_lists(schema)
    if updated == schema:
        print(f"{SCHEMA.name} already names every listed language and counting rule.")
        return
    SCHEMA.write_text(json.dumps(updated, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Rewrote the enums in {SCHEMA}.")


if __name__ == "__main__":
    main()
