"""``tanzi-sdk``: the command line for plugin providers.

``new`` scaffolds a plugin, ``validate`` checks it as the host and a reviewer would,
``fire`` calls one of its hooks with a sample and a fake shop, ``dev`` runs a local Tanzi
with it installed, ``submit`` uploads a version to the marketplace. Each command imports
what it needs when it runs, so ``import sdk`` (and ``--help``) stay light; only ``dev``
needs the Tanzi host.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

app = typer.Typer(
    name="tanzi-sdk",
    help="Write, check, try and publish Tanzi plugins.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

_PATH_HELP = "The plugin: a project directory, a package, a .py file or a module name"


def _fail(message: str, code: int = 1) -> typer.Exit:
    from sdk.cli.render import console

    console(stderr=True).print(f"[bold red]✗[/] {message}")
    return typer.Exit(code)


def _json_object(raw: str | None, option: str) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise _fail(f"{option} is not JSON: {exc}", 2) from exc
    if not isinstance(value, dict):
        raise _fail(f"{option} must be a JSON object", 2)
    return value


def _checked(path: str) -> Any:
    """Locate, import and validate the plugin at ``path``; the report."""
    from sdk.cli.checks import check_plugin
    from sdk.cli.project import PluginNotFound, locate

    try:
        target = locate(path)
    except PluginNotFound as exc:
        raise _fail(str(exc), 2) from exc
    return check_plugin(target)


@app.command()
def new(
    name: str = typer.Argument(..., help="The plugin id, e.g. acme_labels"),
    directory: Path | None = typer.Option(
        None, "--dir", help="Where to create the project (default: ./NAME)"
    ),
    display_name: str | None = typer.Option(
        None, "--display-name", help="The name merchants see (default: from NAME)"
    ),
) -> None:
    """Create a plugin project: manifest, a hook, tests, pyproject.toml and README."""
    from sdk.cli.render import console
    from sdk.cli.scaffold import ScaffoldError, next_steps, render_project, sdk_distributions

    try:
        made = render_project(name, directory, display_name=display_name)
    except ScaffoldError as exc:
        raise _fail(str(exc), 2) from exc
    out = console()
    out.print(f"[bold green]✓[/] created plugin [bold]{made.package}[/] in {made.project_dir}")
    for relative in made.files:
        out.print(f"  {relative}")
    out.print(next_steps(made.project_dir, sdk_distributions()), markup=False)


@app.command()
def validate(
    path: str = typer.Argument(".", help=_PATH_HELP),
    strict: bool = typer.Option(False, "--strict", help="Fail on warnings too"),
) -> None:
    """Check the manifest, the hooks against the specs, and the scopes against their use."""
    from sdk.cli.render import console, show_report

    report = _checked(path)
    show_report(console(), report)
    if report.errors or (strict and report.warnings):
        raise typer.Exit(1)


@app.command()
def fire(
    event: str = typer.Argument(..., help="The hook to call, e.g. order_paid"),
    plugin: str = typer.Option(".", "--plugin", help=_PATH_HELP),
    data: str | None = typer.Option(
        None, "--data", help="JSON fields replacing the sample's, e.g. '{\"total_fen\": 99}'"
    ),
    settings: str | None = typer.Option(
        None, "--settings", help="The installation's settings as JSON (default: {})"
    ),
    dev_host: bool = typer.Option(
        False,
        "--dev",
        help="Send the event through the local host `tanzi-sdk dev` runs (needs the host)",
    ),
    data_dir: Path = typer.Option(
        Path(".tanzi-dev"), "--data-dir", help="With --dev: the local host's data directory"
    ),
) -> None:
    """Call one hook of the plugin with a sample and a fake shop and show what it did; with
    --dev, deliver the event to the plugin in the local host's demo shop instead."""
    from pydantic import ValidationError

    from sdk.cli.firing import fire as fire_hook
    from sdk.cli.render import console, show_fire
    from sdk.cli.samples import firable

    if event not in firable():
        raise _fail(f"'{event}' is not a hook; one of: {', '.join(firable())}", 2)
    if dev_host:
        _fire_in_dev_host(event, plugin, data_dir, data=data, settings=settings)
        return
    overrides = _json_object(data, "--data")
    raw_settings = _json_object(settings, "--settings")
    report = _checked(plugin)
    if report.module is None or report.manifest is None:
        from sdk.cli.render import show_report

        show_report(console(), report)
        raise typer.Exit(1)
    if event not in report.hooks:
        raise _fail(
            f"{report.target.module_name} does not implement {event} "
            f"(it implements: {', '.join(report.hooks) or 'nothing'})"
        )
    if report.errors:
        console().print(
            f"[yellow]note:[/] validate finds {len(report.errors)} error(s) in this plugin; "
            "run `tanzi-sdk validate` to see them"
        )
    try:
        result = fire_hook(
            report.module, report.manifest, event, overrides=overrides, settings=raw_settings
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in exc.errors()
        )
        raise _fail(f"--settings or --data do not fit {exc.title}: {problems}", 2) from exc
    show_fire(console(), result)
    if result.error is not None:
        raise typer.Exit(1)


def _fire_in_dev_host(
    event: str, plugin: str, data_dir: Path, *, data: str | None, settings: str | None
) -> None:
    from sdk.cli.devfire import fire_in_dev_host
    from sdk.cli.devhost import DevError, HostMissing
    from sdk.cli.project import PluginNotFound, locate
    from sdk.cli.render import console, show_dev_delivery
    from sdk.events import EVENT_TYPES

    if event not in EVENT_TYPES:
        raise _fail(f"--dev sends events; '{event}' is a decision or registration", 2)
    if data is not None or settings is not None:
        raise _fail("--dev uses the shop's own data and the installation's settings", 2)
    try:
        delivery = fire_in_dev_host(locate(plugin), data_dir, event)
    except HostMissing as exc:
        raise _fail(f"`fire --dev` sends the event through a local Tanzi: {exc}", 2) from exc
    except (PluginNotFound, DevError) as exc:
        raise _fail(str(exc)) from exc
    show_dev_delivery(console(), delivery)
    if not delivery.delivered:
        raise typer.Exit(1)


@app.command()
def dev(
    plugin: str = typer.Option(".", "--plugin", help=_PATH_HELP),
    port: int = typer.Option(8000, "--port", help="Port to listen on"),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on"),
    data_dir: Path = typer.Option(
        Path(".tanzi-dev"), "--data-dir", help="The local host's database, queue and secret"
    ),
) -> None:
    """Run a local Tanzi (needs the host) whose demo shop has the plugin installed."""
    from sdk.cli.devhost import DevError, HostMissing, port_unavailable, prepare, serve
    from sdk.cli.project import PluginNotFound, locate
    from sdk.cli.render import console

    busy = port_unavailable(host, port)
    if busy is not None:
        raise _fail(
            f"cannot listen on {host}:{port} ({busy}); is another Tanzi running there? "
            "Stop it, or choose another port with --port",
            2,
        )
    try:
        target = locate(plugin)
        prepared = prepare(target, data_dir)
    except HostMissing as exc:
        raise _fail(f"`tanzi-sdk dev` runs a local Tanzi: {exc}", 2) from exc
    except (PluginNotFound, DevError) as exc:
        raise _fail(str(exc)) from exc
    console().print(
        f"[bold green]✓[/] {prepared.plugin_id} installed in demo shop {prepared.shop_id} "
        f"(installation {prepared.installation_id}); data in {prepared.data_dir}"
    )
    serve(host=host, port=port)


@app.command()
def submit(
    path: str = typer.Argument(".", help=_PATH_HELP),
    marketplace: str = typer.Option(
        ..., "--marketplace", envvar="TANZI_MARKETPLACE_URL", help="The marketplace's base URL"
    ),
    token: str = typer.Option(
        ...,
        "--token",
        envvar="TANZI_TOKEN",
        help="A provider's personal access token",
    ),
    listing: str | None = typer.Option(
        None, "--listing", help="The listing's slug (default: the plugin id)"
    ),
    notes: str = typer.Option("", "--notes", help="Release notes for this version"),
    draft: bool = typer.Option(False, "--draft", help="Upload without submitting for review"),
) -> None:
    """Validate the plugin and upload its version to the marketplace for review."""
    import httpx

    from sdk.cli.render import console, show_report, show_submission
    from sdk.cli.submission import next_step, submit_version, version_payload

    report = _checked(path)
    out = console()
    if report.errors or report.manifest is None:
        show_report(out, report)
        raise _fail("not submitted: fix the errors above first")
    manifest = report.manifest
    slug = listing or manifest.id
    try:
        outcome = submit_version(
            marketplace=marketplace,
            token=token,
            listing=slug,
            payload=version_payload(manifest, release_notes=notes, submit=not draft),
        )
    except httpx.HTTPError as exc:
        raise _fail(f"cannot reach {marketplace}: {type(exc).__name__}: {exc}") from exc
    show_submission(out, outcome, listing=slug, version=manifest.version)
    if not outcome.ok:
        hint = next_step(outcome, marketplace=marketplace, listing=slug)
        if hint is not None:
            out.print(hint, markup=False)
        raise typer.Exit(1)


@app.command()
def token(
    marketplace: str = typer.Option(
        ..., "--marketplace", envvar="TANZI_MARKETPLACE_URL", help="The marketplace's base URL"
    ),
    email: str = typer.Option(..., "--email", help="Your provider account's e-mail"),
    password: str | None = typer.Option(
        None,
        "--password",
        envvar="TANZI_PASSWORD",
        help="Its password (asked for when not given; or set TANZI_PASSWORD)",
        show_envvar=True,
    ),
    name: str = typer.Option("tanzi-sdk", "--name", help="A label to recognise the token by"),
) -> None:
    """Print a new personal access token for your account, for `submit --token`."""
    import getpass

    import httpx

    from sdk.cli.submission import issue_token

    secret = password if password else getpass.getpass(f"Password for {email}: ")
    try:
        issued = issue_token(marketplace=marketplace, email=email, password=secret, name=name)
    except httpx.HTTPError as exc:
        raise _fail(f"cannot reach {marketplace}: {type(exc).__name__}: {exc}") from exc
    if issued.token is None:
        raise _fail(f"no token: {issued.problem}")
    print(issued.token)
