"""``python -m tests.services postgres URL``: exit 0 when the server answers, 1 to skip.

With ``CI=true`` a server that does not answer is an error (exit 2), so CI cannot go green
without the PostgreSQL run.
"""

from __future__ import annotations

import os
import sys


def postgres_answers(url: str) -> str | None:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("select 1")
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]
    return None


def main(argv: list[str]) -> int:
    kind, url = argv[1], argv[2]
    if kind != "postgres":
        print(f"unknown service {kind}", file=sys.stderr)
        return 2
    problem = postgres_answers(url)
    if problem is None:
        print(f"PostgreSQL answers at {url}: running the suite on it.")
        return 0
    if os.environ.get("CI") == "true":
        print(f"CI needs PostgreSQL at {url}, and it does not answer: {problem}", file=sys.stderr)
        return 2
    print(f"Skipping the PostgreSQL run: {url} does not answer ({problem}).")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
