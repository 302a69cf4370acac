"""The 交易保障 assessment over a fixed data set: exactly the shops that meet the criteria
are certified, the rest are told which criteria they failed; running it again in the same
cycle (or two runs at once) changes nothing; criteria are validated and audit-logged.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import core.models as m
from core.errors import InvalidInput
from core.jobs import schedules
from core.jobs.queue import build_runtime, create_huey
from core.jobs.runtime import binding_of
from core.services import guarantee
from core.services.guarantee_cycles import EPOCH, cycle, cycle_number
from core.settings import Settings
from tests.guarantee.dataset import CRITERIA, EXPECTED, seed_cycle

NUMBER = 20
CRITERIA_FAILED_NEXT = [
    "min_orders",
    "on_time_shipping",
    "aftersales_answered",
    "aftersales_lapsed",
]


def _set_criteria(engine: Engine) -> int:
    with Session(engine) as session:
        admin = m.Account(email="admin@example.com", name="Admin", is_admin=True)
        session.add(admin)
        session.flush()
        assert admin.id is not None
        guarantee.update_criteria(session, admin_id=admin.id, values=CRITERIA)
        session.commit()
        return admin.id


def _rows(engine: Engine) -> list[m.GuaranteeAssessment]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(m.GuaranteeAssessment).order_by(col(m.GuaranteeAssessment.id))
            ).all()
        )


def test_cycles_start_every_other_wednesday() -> None:
    assert EPOCH.weekday() == 2
    period = cycle(NUMBER)
    assert period.valid_from.weekday() == 2 and period.valid_from.hour == 0
    assert period.valid_until - period.valid_from == timedelta(days=14)
    assert period.valid_from - period.window_start == timedelta(days=14)
    assert cycle_number(period.valid_from) == NUMBER
    assert cycle_number(period.valid_until - timedelta(microseconds=1)) == NUMBER
    assert cycle(NUMBER + 1).valid_from == period.valid_until


def test_the_fixed_data_set_certifies_exactly_the_shops_that_meet_the_criteria(
    engine: Engine,
) -> None:
    _set_criteria(engine)
    ids = seed_cycle(engine, NUMBER)
    with Session(engine) as session:
        written = guarantee.assess_cycle(session, number=NUMBER)
        session.commit()
    assert written == len(EXPECTED)
    by_shop = {row.shop_id: row for row in _rows(engine)}
    assert ids["draft"] not in by_shop
    for role, failed in EXPECTED.items():
        row = by_shop[ids[role]]
        assert row.failed == failed, role
        assert row.certified is (not failed), role
        assert row.criteria == CRITERIA
    good = by_shop[ids["good"]]
    assert (good.orders, good.shipments_due, good.shipped_on_time) == (11, 10, 10)
    assert (good.aftersales_due, good.answered_in_time) == (1, 1)
    late = by_shop[ids["late"]]
    assert (late.shipments_due, late.shipped_on_time) == (10, 7)
    cancels = by_shop[ids["cancels"]]
    assert (cancels.orders, cancels.merchant_cancelled, cancels.shipments_due) == (16, 2, 15)
    assert by_shop[ids["few"]].orders == 2
    slow = by_shop[ids["slow answers"]]
    assert (slow.aftersales_due, slow.answered_in_time) == (10, 5)
    period = cycle(NUMBER)
    with Session(engine) as session:
        inside = period.valid_from + timedelta(days=3)
        assert guarantee.certified_shop_ids(session, ids.values(), now=inside) == {ids["good"]}
        assert not guarantee.is_certified(session, ids["good"], now=period.valid_until)
        assert not guarantee.is_certified(session, ids["good"], now=period.window_start)


def test_running_twice_in_a_cycle_changes_nothing(engine: Engine) -> None:
    _set_criteria(engine)
    ids = seed_cycle(engine, NUMBER)
    at = cycle(NUMBER).valid_from + timedelta(hours=1)
    assert schedules.assess_guarantee(engine, now=at) == len(EXPECTED)
    first = [
        (r.id, r.shop_id, r.certified, r.failed, r.orders, r.assessed_at) for r in _rows(engine)
    ]
    # stricter criteria later in the cycle do not touch its result
    with Session(engine) as session:
        criteria = guarantee.current_criteria(session)
        criteria.min_orders = 1000
        session.add(criteria)
        session.commit()
    assert schedules.assess_guarantee(engine, now=at + timedelta(days=5)) == 0
    again = [
        (r.id, r.shop_id, r.certified, r.failed, r.orders, r.assessed_at) for r in _rows(engine)
    ]
    assert again == first
    # the next cycle is a new assessment, under the criteria in force then
    assert schedules.assess_guarantee(engine, now=at + timedelta(days=14)) == len(EXPECTED)
    with Session(engine) as session:
        history = guarantee.shop_history(session, ids["good"])
    assert [row.cycle for row in history] == [NUMBER + 1, NUMBER]
    # its next window holds one order not shipped in time and one lapsed request
    assert history[0].failed == CRITERIA_FAILED_NEXT and history[1].certified


def test_two_runs_at_once_write_each_assessment_once(engine: Engine) -> None:
    seed_cycle(engine, NUMBER)
    at = cycle(NUMBER).valid_from
    barrier = threading.Barrier(2)
    results: list[int] = []

    def run() -> None:
        barrier.wait()
        results.append(schedules.assess_guarantee(engine, now=at))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == len(EXPECTED)
    assert len(_rows(engine)) == len(EXPECTED)


def test_criteria_out_of_bounds_are_refused_with_the_field(engine: Engine) -> None:
    admin_id = _set_criteria(engine)
    with Session(engine) as session:
        with pytest.raises(InvalidInput) as refused:
            guarantee.update_criteria(session, admin_id=admin_id, values={"min_on_time_pct": 101})
        assert refused.value.field == "body.min_on_time_pct"
        session.rollback()
        assert guarantee.current_criteria(session).min_on_time_pct == CRITERIA["min_on_time_pct"]
        logged = session.exec(
            select(m.AuditLogEntry).where(m.AuditLogEntry.action == "guarantee_criteria_updated")
        ).all()
    assert len(logged) == 1 and logged[0].data["max_lapsed"] == 0


def test_the_worker_runs_the_assessment_as_an_hourly_periodic_task(
    settings: Settings, engine: Engine
) -> None:
    huey = create_huey(settings)
    huey.flush()
    build_runtime(settings, engine=engine, huey=huey)
    at_seven_past = datetime(2026, 12, 9, 3, 7)
    assert "tanzi.assess_guarantee_periodic" in {
        task.name for task in huey.read_periodic(at_seven_past)
    }
    assert "tanzi.assess_guarantee_periodic" not in {
        task.name for task in huey.read_periodic(at_seven_past + timedelta(minutes=1))
    }
    seed_cycle(engine, NUMBER)
    task = binding_of(huey).tasks["assess_guarantee"]
    at = cycle(NUMBER).valid_from + timedelta(hours=2)
    assert task.call_local(at) == len(EXPECTED)
    assert task.call_local(at) == 0
