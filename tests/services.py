"""``python -m tests.services postgres URL``: exit 0 when the server answers, 1 to skip.

With ``CI=true`` a server that does not answer is an error (exit 2), so CI cannot go green
without the PostgreSQL run.
"""

from __future__ import annotations

import os
import sys
import time

#: Connections the suite's two workers may hold at once (engines of 8+8, second hosts).
SUITE_NEEDS = 60
#: How long to wait for other clients to let go of the server's connection slots.
WAIT_FOR_SLOTS_S = 180


def postgres_answers(url: str) -> str | None:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("select 1")
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]
    return None


def free_slots(url: str) -> tuple[int, list[str]]:
    """The server's free connection slots, and who holds the others (database, client,
    state, count), so a run that would starve says why."""
    import psycopg

    with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
        limit = int(conn.execute("show max_connections").fetchone()[0])  # type: ignore[index]
        rows = conn.execute(
            "select coalesce(datname, '-'), coalesce(application_name, ''), "
            "coalesce(state, ''), count(*) from pg_stat_activity "
            "where backend_type = 'client backend' group by 1, 2, 3 order by 4 desc"
        ).fetchall()
    used = sum(int(r[3]) for r in rows)
    return limit - used, [f"{r[3]} x {r[0]} {r[1]} {r[2]}".strip() for r in rows]


def wait_for_slots(url: str) -> None:
    """Wait (a while) until the server has room for the suite; report who holds it if not.

    Connections held by something else on this machine (a test run left behind, a
    benchmark) would make the suite fail with 'too many clients already' in random tests."""
    deadline = time.monotonic() + WAIT_FOR_SLOTS_S
    free, holders = free_slots(url)
    while free < SUITE_NEEDS and time.monotonic() < deadline:
        time.sleep(5)
        free, holders = free_slots(url)
    if free < SUITE_NEEDS:
        print(
            f"PostgreSQL has {free} free connection slots (the suite needs about "
            f"{SUITE_NEEDS}); held by: " + "; ".join(holders),
            file=sys.stderr,
        )


def main(argv: list[str]) -> int:
    kind, url = argv[1], argv[2]
    if kind != "postgres":
        print(f"unknown service {kind}", file=sys.stderr)
        return 2
    problem = postgres_answers(url)
    if problem is None:
        wait_for_slots(url)
        print(f"PostgreSQL answers at {url}: running the suite on it.")
        return 0
    if os.environ.get("CI") == "true":
        print(f"CI needs PostgreSQL at {url}, and it does not answer: {problem}", file=sys.stderr)
        return 2
    print(f"Skipping the PostgreSQL run: {url} does not answer ({problem}).")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
