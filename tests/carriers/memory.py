"""An in-memory e-waybill carrier for tests, and a fixture that offers it to the kernel."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from core.crypto import SecretBox
from core.services import carrier_accounts
from sdk.models import Problem
from sdk.waybills import (
    AccountCredentials,
    CarrierRefused,
    CarrierUnavailable,
    IssuedNumber,
    IssueOutcome,
    LabelTemplate,
    WaybillRequest,
)

CODE, NAME, PATTERN = "MEMEXP", "内存快递 Memory Express", r"MEM\d{10}"
ACCOUNT_NO, SECRET = "MEM-ACCOUNT-8841", "s3cr3t-memory-carrier-KEY-77"


@dataclass
class MemoryCarrier:
    """Accounts with secrets; same key -> same number; refuses chosen orders."""

    accounts: dict[str, str] = field(default_factory=lambda: {ACCOUNT_NO: SECRET})
    refuse_orders: set[int] = field(default_factory=set)
    down: bool = False
    issued: dict[str, IssuedNumber] = field(default_factory=dict)
    cancelled: list[str] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    seen_secrets: list[str] = field(default_factory=list)
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _check(self, account: AccountCredentials) -> None:
        self.seen_secrets.append(account.secret)
        if self.down:
            raise CarrierUnavailable("the carrier is down")
        if self.accounts.get(account.account_no) != account.secret:
            raise CarrierRefused("unknown account or wrong secret", code="bad_account")

    def verify(self, account: AccountCredentials) -> None:
        self._check(account)

    def issue(
        self, account: AccountCredentials, requests: list[WaybillRequest]
    ) -> list[IssueOutcome]:
        self._check(account)
        out = []
        for r in requests:
            self.asked.append(r.key)
            if r.order_id in self.refuse_orders:
                out.append(
                    IssueOutcome(
                        key=r.key,
                        problem=Problem(field="recipient", message="address not served"),
                    )
                )
                continue
            if r.key not in self.issued:
                self.issued[r.key] = IssuedNumber(
                    key=r.key,
                    waybill_no=f"MEM{next(self._seq):010d}",
                    routing_code=f"R-{r.recipient.province_code}",
                    sort_code="S1",
                    destination=r.recipient.province,
                )
            out.append(IssueOutcome(key=r.key, number=self.issued[r.key]))
        return out

    def cancel(self, account: AccountCredentials, waybill_no: str) -> None:
        self._check(account)
        self.cancelled.append(waybill_no)

    def label_template(self) -> LabelTemplate:
        return LabelTemplate()


@pytest.fixture
def memory_carrier() -> Iterator[MemoryCarrier]:
    """The memory carrier offered in the process-wide directory, with a two-key box."""
    directory = carrier_accounts.directory
    saved = (directory.box, dict(directory.operations), dict(directory.patterns))
    carrier = MemoryCarrier()
    directory.register(CODE, NAME, PATTERN, carrier)
    if directory.box is None:
        directory.box = SecretBox("test-secret-key")
    yield carrier
    directory.box, directory.operations, directory.patterns = (
        saved[0],
        saved[1],
        saved[2],
    )
