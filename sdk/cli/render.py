"""How ``tanzi-sdk`` shows its results: rich tables and panels on the terminal."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sdk.cli.checks import Report, Severity
from sdk.cli.devfire import DevDelivery
from sdk.cli.firing import FireResult
from sdk.cli.submission import SubmitOutcome

_MARK = {Severity.error: "[bold red]error[/]", Severity.warning: "[yellow]warning[/]"}


def console(*, stderr: bool = False) -> Console:
    """A console that writes to the current ``sys.stdout`` (or stderr), lines unwrapped."""
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def show_report(out: Console, report: Report) -> None:
    """The validation report: what was found, then each problem with where it is."""
    target = report.target
    out.print(f"[bold]Plugin[/] {escape(target.module_name)}  ({escape(str(target.import_root))})")
    if report.manifest is not None:
        m = report.manifest
        out.print(
            f"  manifest: {escape(m.id)} {escape(m.version)}, requires_tanzi '{m.requires_tanzi}'"
        )
        out.print(f"  requested scopes: {', '.join(sorted(m.scope_values)) or '(none)'}")
    if report.module is not None:
        out.print(f"  hooks implemented: {', '.join(report.hooks) or '(none)'}")
    if report.uses:
        used = sorted({u.scope for u in report.uses})
        out.print(f"  scopes used: {', '.join(used)}")
    if report.findings:
        table = Table(show_header=True, header_style="bold", expand=False)
        for column in ("", "check", "where", "problem"):
            table.add_column(column, overflow="fold")
        for f in sorted(report.findings, key=lambda f: (f.severity != Severity.error, f.check)):
            table.add_row(_MARK[f.severity], f.check, escape(f.where), escape(f.message))
        out.print(table)
    errors, warnings = len(report.errors), len(report.warnings)
    if errors:
        out.print(f"[bold red]✗ {errors} error(s)[/], {warnings} warning(s)")
    else:
        out.print(f"[bold green]✓ valid[/] ({warnings} warning(s))")


def show_fire(out: Console, result: FireResult) -> None:
    """What one fired hook did: its input, the client calls, the records it wrote."""
    out.print(f"[bold]Fired[/] {result.hook}  (granted: {', '.join(result.granted) or 'none'})")
    event = result.arguments.get("event")
    if event is not None:
        out.print(f"  event {event.event_id}: {event.resource_type} {event.resource_id}")
    if result.calls:
        table = Table(title="Client calls", title_justify="left")
        for column in ("#", "call", "arguments"):
            table.add_column(column, overflow="fold")
        for n, call in enumerate(result.calls, start=1):
            args = ", ".join(
                [*map(repr, call.args), *(f"{k}={v!r}" for k, v in call.kwargs.items())]
            )
            table.add_row(str(n), call.method, escape(args))
        out.print(table)
    else:
        out.print("  no client calls")
    if result.records or result.deleted:
        table = Table(title="Records written", title_justify="left")
        for column in ("collection", "key", "data"):
            table.add_column(column, overflow="fold")
        for record in result.records:
            table.add_row(record.collection, escape(record.key), escape(_json(record.data)))
        for collection, key in result.deleted:
            table.add_row(collection, escape(key), "[dim](deleted)[/]")
        out.print(table)
    else:
        out.print("  no records written")
    if result.error is not None:
        out.print(
            f"[bold red]✗ {type(result.error).__name__}: {escape(str(result.error))}[/]\n"
            "  (an event delivery would be marked failed and retried)"
        )
    elif result.result not in (None, []):
        out.print(f"[bold]Returned[/] {escape(_dump(result.result))}")
    else:
        out.print("[bold green]✓ done[/]")


def show_dev_delivery(out: Console, delivery: DevDelivery) -> None:
    """How the local host delivered a fired event, and the plugin's latest records."""
    out.print(
        f"[bold]Sent[/] {delivery.event} {delivery.event_id} to demo shop {delivery.shop_id} "
        f"({delivery.resource_type} {delivery.resource_id})"
    )
    if delivery.records:
        table = Table(title="Latest records", title_justify="left")
        for column in ("collection", "key", "data"):
            table.add_column(column, overflow="fold")
        for collection, key, data in delivery.records:
            table.add_row(collection, escape(key), escape(_json(data)))
        out.print(table)
    if delivery.delivered:
        out.print(f"[bold green]✓ delivered[/] (attempt {delivery.attempts})")
    else:
        out.print(
            f"[bold red]✗ {delivery.status}:[/] {escape(delivery.error)}\n"
            "  (the host retries it on its schedule while `tanzi-sdk dev` runs)"
        )


def _dump(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_dump(v) for v in value) + "]"
    if hasattr(value, "model_dump"):
        return _json(value.model_dump(mode="json", exclude_none=True))
    return _json(value)


_CHECK_MARK = {"pass": "[green]pass[/]", "warn": "[yellow]warn[/]", "fail": "[bold red]fail[/]"}


def _show_check_results(out: Console, checks: dict[str, Any]) -> None:
    """The marketplace's automated checks: one row per check, with what it found."""
    passed = checks.get("passed")
    verdict = (
        "[green]passed[/]"
        if passed is True
        else "[bold red]failed[/]"
        if passed is False
        else "not run"
    )
    table = Table(title=f"Automated checks: {verdict}", title_justify="left")
    table.add_column("check")
    table.add_column("result")
    table.add_column("findings", overflow="fold")
    for result in checks["results"]:
        if not isinstance(result, dict):
            continue
        status = str(result.get("status", ""))
        findings = [
            f"{f.get('severity', '')}: {f.get('message', '')}"
            + (f" ({f['where']})" if f.get("where") else "")
            for f in result.get("findings") or []
            if isinstance(f, dict)
        ]
        table.add_row(
            escape(str(result.get("name", ""))),
            _CHECK_MARK.get(status, escape(status)),
            escape("\n".join(findings)),
        )
    out.print(table)
    fired = checks.get("hooks_fired")
    if isinstance(fired, dict) and fired:
        out.print(
            "hooks fired in the sandbox: " + escape(", ".join(f"{k} {v}" for k, v in fired.items()))
        )


def show_submission(out: Console, outcome: SubmitOutcome, *, listing: str, version: str) -> None:
    """The marketplace's answer: the new version and its checks, or the problem."""
    body = outcome.body or {}
    if outcome.ok:
        checks = body.get("checks") or {}
        failed = isinstance(checks, dict) and checks.get("passed") is False
        mark = (
            "[bold red]✗ submitted, but its automated checks failed[/]"
            if failed
            else ("[bold green]✓ submitted[/]")
        )
        out.print(
            f"{mark} {escape(listing)} {escape(version)}: "
            f"version id {body.get('id')}, status {escape(str(body.get('status')))}"
        )
        if isinstance(checks, dict) and isinstance(checks.get("results"), list):
            _show_check_results(out, checks)
        elif isinstance(checks, dict) and checks:
            table = Table(title="Marketplace checks", title_justify="left")
            table.add_column("check")
            table.add_column("result", overflow="fold")
            for name, value in checks.items():
                table.add_row(
                    escape(str(name)), escape(value if isinstance(value, str) else _json(value))
                )
            out.print(table)
        if failed:
            out.print(
                "  An admin cannot approve it until every check passes: fix what failed "
                "and submit a new version."
            )
        return
    out.print(f"[bold red]✗ the marketplace refused the version[/] (HTTP {outcome.status_code})")
    if outcome.is_problem:
        code = f"  [dim]({escape(str(body['code']))})[/]" if body.get("code") else ""
        out.print(f"  {escape(str(body.get('title', '')))}{code}")
        if body.get("detail"):
            out.print(f"  {escape(str(body['detail']))}")
        for error in body.get("errors") or []:
            if isinstance(error, dict):
                where = error.get("field") or error.get("loc") or ""
                message = error.get("message") or error.get("msg") or ""
                out.print(f"  - {escape(str(where))}: {escape(str(message))}")
        if body.get("type") and body["type"] != "about:blank":
            out.print(f"  see {escape(str(body['type']))}")
    else:
        out.print(f"  {escape(outcome.text.strip()[:500]) or '(empty response)'}")
