"""Merchant actions: what a shop's enabled plugins add to the console's lists, and the job
that runs one over the rows a merchant selected.

A plugin returns :class:`sdk.models.MerchantAction` from ``register_merchant_actions``. The
registrations are read per request from the shop's view of the host, so a plugin enabled
later shows its actions at once. Running an action creates a ``merchant_action`` job; the
worker calls the action's ``run`` once per row on the plugin's own threads, under its time
limit, with the installation's scoped client, and records each row's result or error. An
action with ``run_all`` takes the whole selection in one call instead and hands back one
:class:`sdk.models.ResultFile`, kept in the file store as the run's download.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from sqlmodel import Session, col, select

from core.errors import InvalidInput, NotFound, PermissionDenied
from core.files.backends import file_store_for
from core.files.documents import save_result
from core.files.service import written_files
from core.files.store import CHUNK_SIZE
from core.jobs.plugin_jobs import start_plugin_job
from core.jobs.runner import JobContext, create_job, job_kind
from core.models import CarrierAccount, Job, Order, Product
from core.plugins.client import ScopedClient
from core.plugins.client_host import ClientHost
from core.plugins.manager import InstallationRef, PluginHost
from sdk.errors import ClientError
from sdk.files import RESULT_TYPES
from sdk.models import MerchantAction, ResultFile
from sdk.scopes import Scope

JOB_KIND = "merchant_action"
#: The areas of the console whose lists carry actions, and the rows they select.
AREAS: dict[str, type[Order] | type[Product]] = {"orders": Order, "products": Product}
#: The most rows one run may take.
MAX_ROWS = 500
#: How long a whole-selection action's result file is kept.
RESULT_RETENTION_DAYS = 7
#: The largest result file an action may hand back.
MAX_RESULT_BYTES = 200 * 1024 * 1024
#: What a finished whole-selection run keeps in ``Job.result_path``: this, then the file id.
RESULT_PREFIX = "stored_file:"


@dataclass(frozen=True)
class ActionRef:
    """One action of one enabled plugin in one shop."""

    plugin_id: str
    plugin_name: str
    installation: InstallationRef
    action: MerchantAction

    @property
    def key(self) -> str:
        """``<plugin id>:<action code>``, what the console's form sends."""
        return f"{self.plugin_id}:{self.action.code}"


def _scope_of(action: MerchantAction) -> Scope | None:
    return Scope(action.scope) if action.scope else None


def _registered(host: PluginHost, plugin_id: str) -> list[MerchantAction]:
    """The plugin's actions; a plugin whose registration fails contributes none."""
    try:
        groups = host.plugin_caller(plugin_id, "register_merchant_actions")()
    except Exception:
        return []
    return [a for group in groups or [] for a in group or [] if isinstance(a, MerchantAction)]


def shop_actions(
    session: Session,
    *,
    host: PluginHost,
    shop_id: int,
    area: str | None = None,
    can: Callable[[Scope], bool] | None = None,
) -> list[ActionRef]:
    """The actions of the shop's enabled plugins for ``area`` that the caller may run.

    ``can`` says whether the person holds a scope (``ShopAccess.can``); an action is left
    out when its scope is unknown, not granted to the plugin, or not held by the person.
    """
    found: list[ActionRef] = []
    for plugin_id, inst in host.shop_view(session, shop_id).installations.items():
        plugin = host.plugins.get(plugin_id)
        name = plugin.manifest.name if plugin is not None and plugin.manifest else plugin_id
        for action in _registered(host, plugin_id):
            if area is not None and action.area != area:
                continue
            try:
                scope = _scope_of(action)
            except ValueError:
                continue
            if scope is not None and (
                scope.value not in inst.granted_scopes or (can is not None and not can(scope))
            ):
                continue
            found.append(ActionRef(plugin_id, name, inst, action))
    return found


def runnable(action: MerchantAction) -> bool:
    """Whether the action runs as a job (per row, over the whole selection at once, or as
    one of the plugin's resumable job kinds)."""
    return callable(action.run) or callable(action.run_all) or bool(action.job)


def result_file_id(job: Job) -> int | None:
    """The id of the result file a whole-selection run or a plugin's job kept, if any."""
    path = job.result_path or ""
    tail = path.removeprefix(RESULT_PREFIX)
    if path.startswith(RESULT_PREFIX) and tail.isdigit():
        return int(tail)
    kept = job.checkpoint.get("result_file_id") if isinstance(job.checkpoint, dict) else None
    return int(kept) if isinstance(kept, int) else None


def find_action(
    session: Session,
    *,
    host: PluginHost,
    shop_id: int,
    key: str,
    can: Callable[[Scope], bool] | None = None,
) -> ActionRef:
    """The runnable action ``key`` (``plugin:code``) of the shop, or :class:`NotFound`."""
    for ref in shop_actions(session, host=host, shop_id=shop_id, can=can):
        if ref.key == key and runnable(ref.action):
            return ref
    raise NotFound(f"There is no action '{key}' in this shop.", field="body.action")


def action_params(action: MerchantAction, values: Mapping[str, str]) -> dict[str, str]:
    """The values of the action's fields from ``values`` (the form), checked: a required
    field must be given, a select's value must be one of its options, a number must be
    one. :class:`InvalidInput` names the field (``body.params.<name>``)."""
    params: dict[str, str] = {}
    for spec in action.fields:
        raw = str(values.get(spec.name, "")).strip()[:200]
        where = f"body.params.{spec.name}"
        if not raw:
            if spec.required:
                raise InvalidInput(f"'{spec.label}' is required.", code="required", field=where)
            continue
        if spec.kind == "select" and raw not in {o[0] for o in spec.options}:
            raise InvalidInput(f"'{spec.label}' has no option '{raw}'.", field=where)
        if spec.kind == "number":
            try:
                Decimal(raw.rstrip("%"))
            except InvalidOperation as exc:
                raise InvalidInput(
                    f"'{spec.label}' must be a number.", code="not_a_number", field=where
                ) from exc
        params[spec.name] = raw
    return params


def check_carrier_accounts(
    session: Session, action: MerchantAction, params: Mapping[str, str], shop_id: int
) -> None:
    """Each ``carrier_account`` field names one of the shop's bound accounts."""
    for spec in action.fields:
        raw = params.get(spec.name)
        if spec.kind != "carrier_account" or raw is None:
            continue
        row = session.get(CarrierAccount, int(raw)) if raw.isdigit() else None
        if row is None or row.shop_id != shop_id or row.status != "active":
            raise InvalidInput(
                f"'{spec.label}' is not one of this shop's carrier accounts.",
                field=f"body.params.{spec.name}",
            )


def carrier_account_choices(
    session: Session, refs: Sequence[ActionRef], shop_id: int
) -> list[tuple[str, str]]:
    """``(id, "carrier ****1234 branch")`` of the shop's bound accounts, when one of the
    actions asks for one (a ``carrier_account`` field); otherwise none are read."""
    if not any(f.kind == "carrier_account" for ref in refs for f in ref.action.fields):
        return []
    rows = session.exec(
        select(CarrierAccount)
        .where(CarrierAccount.shop_id == shop_id, CarrierAccount.status == "active")
        .order_by(col(CarrierAccount.id))
    )
    return [
        (str(r.id), " ".join(p for p in (r.carrier_code, r.account_no_masked, r.branch) if p))
        for r in rows
    ]


def start_action(
    session: Session,
    *,
    host: PluginHost,
    shop_id: int,
    key: str,
    item_ids: Sequence[int],
    account_id: int | None,
    can: Callable[[Scope], bool] | None = None,
    values: Mapping[str, str] | None = None,
    language: str = "en",
) -> Job:
    """A queued job running action ``key`` over the selected rows of the shop.

    Rows are checked to be the shop's own (orders or products, by the action's area), and
    ``values`` against the action's fields; the caller commits and then enqueues
    ``run_job``.
    """
    ref = find_action(session, host=host, shop_id=shop_id, key=key, can=can)
    params = action_params(ref.action, values or {})
    check_carrier_accounts(session, ref.action, params, shop_id)
    model = AREAS.get(ref.action.area)
    if model is None:
        raise InvalidInput(
            f"Actions on '{ref.action.area}' are not supported.", field="body.action"
        )
    wanted = list(dict.fromkeys(int(i) for i in item_ids))
    if not wanted:
        raise InvalidInput("Select at least one row.", code="nothing_selected", field="body.ids")
    if len(wanted) > MAX_ROWS:
        raise InvalidInput(f"Select at most {MAX_ROWS} rows.", field="body.ids")
    ids_col = col(model.id)
    own = set(
        session.exec(select(model.id).where(ids_col.in_(wanted), model.shop_id == shop_id)).all()
    )
    unknown = [i for i in wanted if i not in own]
    if unknown:
        raise NotFound(f"Rows not found in this shop: {unknown}.", field="body.ids")
    label = ref.action.label_for("zh_CN" if language == "zh-CN" else "en")
    if ref.action.job:
        return start_plugin_job(
            session,
            installation=ref.installation,
            code=ref.action.job,
            params={**params, "item_ids": wanted},
            language=language,
            shown={"label": label, "area": ref.action.area, "action": ref.key},
        )
    return create_job(
        session,
        kind=JOB_KIND,
        shop_id=shop_id,
        params={
            "plugin_id": ref.plugin_id,
            "code": ref.action.code,
            "label": label,
            "area": ref.action.area,
            "ids": wanted,
            "account_id": account_id,
            "params": params,
            "language": language,
        },
        total=len(wanted),
    )


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {exc}"


def _extra_args(run: Callable[..., Any], offered: dict[str, Any]) -> dict[str, Any]:
    """The optional arguments ``run`` names (an older ``run`` names none of them)."""
    try:
        names = set(inspect.signature(run).parameters)
    except (TypeError, ValueError):
        return {}
    return {k: v for k, v in offered.items() if k in names}


@job_kind(JOB_KIND)
def run_merchant_action(ctx: JobContext) -> None:
    """Call the action once per selected row; each row's outcome is recorded as it ends."""
    runtime: Any = ctx.runtime
    if runtime is None or ctx.shop_id is None:
        raise RuntimeError("merchant actions run in the worker, with its plugin host")
    host: PluginHost = runtime.host
    plugin_id, code = str(ctx.params["plugin_id"]), str(ctx.params["code"])
    with Session(ctx.engine) as session:
        view = host.shop_view(session, ctx.shop_id)
    inst = view.installations.get(plugin_id)
    if inst is None:
        raise PermissionDenied(f"'{plugin_id}' is no longer enabled in this shop.")
    action = next((a for a in _registered(host, plugin_id) if a.code == code), None)
    if action is None or not runnable(action):
        raise NotFound(f"'{plugin_id}' no longer offers the action '{code}'.")
    scope = _scope_of(action)
    if scope is not None and scope.value not in inst.granted_scopes:
        raise PermissionDenied(f"'{plugin_id}' was not granted '{scope.value}'.")
    plugin = host.plugins[plugin_id]
    manifest = plugin.manifest
    settings = manifest.parse_settings(inst.settings) if manifest else dict(inst.settings)
    client = ScopedClient(
        ctx.engine,
        inst,
        read_engine=getattr(runtime, "read_engine", None),
        host=ClientHost.of_runtime(runtime),
    )
    timeout_s = host.config.limits_for(plugin_id).timeout_s
    pool = host.hook_pool(plugin_id)
    ids = [int(i) for i in ctx.params.get("ids", [])]
    if callable(action.run_all):
        call = partial(action.run_all, item_ids=ids, client=client, settings=settings)
        _run_whole(ctx, runtime, call, pool.submit, timeout_s, ids)
        return
    extra = _extra_args(
        action.run,
        {
            "params": dict(ctx.params.get("params") or {}),
            "job_id": ctx.job_id,
            "language": str(ctx.params.get("language") or "en"),
        },
    )
    for key, item_id in ctx.steps((str(i), i) for i in ids):
        future = pool.submit(
            partial(action.run, item_id=item_id, client=client, settings=settings, **extra)
        )
        try:
            out = future.result(timeout_s)
        except FutureTimeout:
            future.cancel()
            error = f"timed out after {timeout_s:g}s"
        except Exception as exc:
            error = _error_text(exc)
        else:
            message = "" if out is None else str(out)[:500]
            ctx.advance(key, counts={"succeeded": 1}, result={"ok": True, "message": message})
            continue
        ctx.advance(
            key,
            counts={"failed": 1},
            errors=[{"row": item_id, "message": error[:500]}],
            result={"ok": False, "message": error[:500]},
        )


def _run_whole(
    ctx: JobContext,
    runtime: Any,
    call: Callable[[], Any],
    submit: Callable[[Callable[[], Any]], Any],
    timeout_s: float,
    ids: list[int],
) -> None:
    """Call a whole-selection action once and keep its one result file."""
    future = submit(call)
    try:
        out = future.result(timeout_s)
    except FutureTimeout:
        future.cancel()
        raise RuntimeError(f"the action timed out after {timeout_s:g}s") from None
    except Exception as exc:
        raise RuntimeError(_error_text(exc)[:500]) from None
    if not isinstance(out, ResultFile):
        raise RuntimeError("the action did not hand back a result file")
    if out.content_type not in RESULT_TYPES:
        raise RuntimeError(f"the action's file type {out.content_type!r} is not a result type")
    if len(out.data) > MAX_RESULT_BYTES:
        raise RuntimeError("the action's file is larger than the host keeps")
    assert ctx.shop_id is not None
    store = file_store_for(runtime.settings)
    staged = store.stage(MAX_RESULT_BYTES)
    try:
        for start in range(0, len(out.data), CHUNK_SIZE):
            staged.write(out.data[start : start + CHUNK_SIZE])
    except BaseException:
        staged.discard()
        raise
    with written_files(store) as written, Session(ctx.engine) as session:
        row = save_result(
            session,
            store,
            written,
            shop_id=ctx.shop_id,
            staged=staged,
            filename=out.filename,
            content_type=out.content_type,
            retention_days=RESULT_RETENTION_DAYS,
        )
        session.commit()
        file_id = row.id
    ctx.set_result(f"{RESULT_PREFIX}{file_id}", out.message[:500])
    ctx.advance("all", counts={"succeeded": len(ids)})
    ctx.set_progress(len(ids))
