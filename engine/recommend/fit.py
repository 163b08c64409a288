"""``python -m engine.recommend.fit``: fit the recommender's index in a process of its own.

Reads ``{"db_url", "path", "threads"}`` as JSON on stdin, writes the index to ``path``."""

from __future__ import annotations

import json
import sys

from engine.recommend.keeper import fit_to_file


def main() -> int:
    order = json.loads(sys.stdin.read())
    fit_to_file(order["db_url"], order["path"], int(order["threads"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
