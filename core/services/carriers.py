"""The carrier registry: which carriers a shipment may name and what their waybills look like.

The kernel ships the common domestic carriers; plugins add more through their
``register_carriers`` hook, which the plugin host turns into :meth:`CarrierRegistry.register`
calls. Waybill checks are deliberately lenient (carriers change formats) but real: they
catch typos and numbers pasted into the wrong carrier.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from core.errors import InvalidInput
from sdk.waybills import BUILTIN_CARRIERS

_CODE = re.compile(r"[A-Z][A-Z0-9_]{1,31}")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Carrier:
    """One carrier: its code (``SF``), display name and waybill-number pattern."""

    code: str
    name: str
    waybill_pattern: re.Pattern[str]

    def accepts(self, waybill_no: str) -> bool:
        """Whether ``waybill_no`` (already normalized) has this carrier's format."""
        return self.waybill_pattern.fullmatch(waybill_no) is not None


def normalize_waybill(waybill_no: str) -> str:
    """Waybill numbers are compared upper-case, without spaces or hyphens."""
    return re.sub(r"[\s\-]", "", waybill_no).upper()


class CarrierRegistry:
    """Known carriers by code. Extensible: ``register(code, name, waybill_pattern)``."""

    def __init__(self) -> None:
        self._carriers: dict[str, Carrier] = {}

    def register(
        self, code: str, name: str, waybill_pattern: str | re.Pattern[str], *, replace: bool = False
    ) -> Carrier:
        """Add a carrier. ``waybill_pattern`` must match a whole normalized waybill number.

        Raises :class:`ValueError` for a malformed code or pattern, or a code already taken
        (unless ``replace``), so a plugin cannot silently redefine a built-in carrier.
        """
        code = code.strip().upper()
        if not _CODE.fullmatch(code):
            raise ValueError(f"Carrier code {code!r} must be 2-32 of A-Z, 0-9, '_'.")
        if not name.strip():
            raise ValueError("A carrier needs a name.")
        if code in self._carriers and not replace:
            raise ValueError(f"Carrier {code} is already registered.")
        try:
            pattern = (
                waybill_pattern
                if isinstance(waybill_pattern, re.Pattern)
                else re.compile(waybill_pattern)
            )
        except re.error as exc:
            raise ValueError(f"Waybill pattern for {code} is not a valid regex: {exc}") from exc
        carrier = Carrier(code=code, name=name.strip(), waybill_pattern=pattern)
        self._carriers[code] = carrier
        return carrier

    def extended(self, extra: Iterable[tuple[str, str, str]]) -> CarrierRegistry:
        """A copy of this registry with ``(code, name, waybill_pattern)`` carriers added.

        Carriers that cannot be registered (a code taken, a bad pattern) are left out and
        logged, so one plugin's mistake never removes another carrier.
        """
        copy = CarrierRegistry()
        copy._carriers = dict(self._carriers)
        for code, name, pattern in extra:
            try:
                copy.register(code, name, pattern)
            except ValueError as exc:
                log.warning("carrier %s left out: %s", code, exc)
        return copy

    def unregister(self, code: str) -> None:
        """Remove a carrier (e.g. when the plugin that added it is unloaded)."""
        self._carriers.pop(code.upper(), None)

    def get(self, code: str) -> Carrier | None:
        """The carrier for ``code`` (case-insensitive), or ``None``."""
        return self._carriers.get(code.strip().upper())

    def all(self) -> list[Carrier]:
        """Every registered carrier, ordered by code."""
        return [self._carriers[c] for c in sorted(self._carriers)]

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.get(code) is not None

    def validate(
        self,
        carrier_code: str,
        waybill_no: str,
        *,
        code_field: str = "body.carrier_code",
        waybill_field: str = "body.waybill_no",
    ) -> tuple[Carrier, str]:
        """Check a carrier code and waybill; return the carrier and the normalized waybill.

        Raises :class:`InvalidInput` naming ``code_field`` (code ``unknown_carrier``) or
        ``waybill_field`` (code ``invalid_waybill``).
        """
        carrier = self.get(carrier_code)
        if carrier is None:
            raise InvalidInput(
                f"Unknown carrier {carrier_code!r}; known: {', '.join(sorted(self._carriers))}.",
                code="unknown_carrier",
                field=code_field,
            )
        normalized = normalize_waybill(waybill_no)
        if not carrier.accepts(normalized):
            raise InvalidInput(
                f"{waybill_no!r} is not a {carrier.name} ({carrier.code}) waybill number.",
                code="invalid_waybill",
                field=waybill_field,
            )
        return carrier, normalized


def builtin_registry() -> CarrierRegistry:
    """A fresh registry holding only the built-in carriers."""
    registry = CarrierRegistry()
    for code, name, pattern in BUILTIN_CARRIERS:
        registry.register(code, name, pattern)
    return registry


#: The process-wide registry services use unless given another one.
carriers: CarrierRegistry = builtin_registry()
