"""A real carrier's e-waybills, plugged in the way Sandbox Express is."""

from __future__ import annotations

import httpx

from sdk import hookimpl
from sdk.models import Carrier, Problem
from sdk.waybills import (
    AccountCredentials,
    CarrierRefused,
    CarrierUnavailable,
    IssuedNumber,
    IssueOutcome,
    LabelTemplate,
    WaybillRequest,
)

API = "https://open.acme-express.example/api"


class AcmeExpress:
    """The four e-waybill operations, speaking the carrier's own API."""

    def _post(self, account: AccountCredentials, path: str, body: dict) -> dict:
        try:
            # sign with account.secret as the carrier documents; never log or echo it
            answer = httpx.post(
                API + path,
                json={"customer": account.account_no, "site": account.branch, **body},
                headers={"Authorization": f"Bearer {account.secret}"},
                timeout=5,
            )
        except httpx.HTTPError as exc:
            raise CarrierUnavailable(str(exc)) from None
        if answer.status_code == 429 or answer.status_code >= 500:
            raise CarrierUnavailable(f"status {answer.status_code}")
        if answer.status_code >= 400:
            raise CarrierRefused(answer.json().get("message", "refused"))
        return answer.json()

    def verify(self, account: AccountCredentials) -> None:
        self._post(account, "/account/check", {})

    def issue(
        self, account: AccountCredentials, requests: list[WaybillRequest]
    ) -> list[IssueOutcome]:
        outcomes = []
        for request in requests:  # the carrier dedupes on our key: same key, same number
            row = self._post(
                account, "/waybill", {"order_key": request.key, **request.model_dump(mode="json")}
            )
            if row.get("mailno"):
                number = IssuedNumber(
                    key=request.key, waybill_no=row["mailno"], routing_code=row.get("route", "")
                )
                outcomes.append(IssueOutcome(key=request.key, number=number))
            else:
                problem = Problem(field="order", message=row.get("message", "refused"))
                outcomes.append(IssueOutcome(key=request.key, problem=problem))
        return outcomes

    def cancel(self, account: AccountCredentials, waybill_no: str) -> None:
        self._post(account, "/waybill/cancel", {"mailno": waybill_no})

    def label_template(self) -> LabelTemplate:
        return LabelTemplate(code="acme_100x150")


@hookimpl
def register_carriers() -> list[Carrier]:
    return [
        Carrier(
            code="ACME", name="Acme Express", waybill_pattern=r"AC\d{12}", ewaybill=AcmeExpress()
        )
    ]
