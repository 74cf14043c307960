"""What is left to do for one facility request, with its deadline (the manager's to-do).

The steps of SPEC §5 and §8 (004 §8(2)オ(イ), §9(2)), in the order they come:

- 折り返し連絡: a new request, due `callback_due` (`operations.CALLBACK_BUSINESS_DAYS`).
- 訪問日の決定: an open request without a visit day. When the facility wished a period, the
  last day to book a visit inside it is its end minus the lead time (`facility_lead_days`,
  or `home_lead_days` for a facility booked into a home slot, SPEC §3, §5).
- 事前打合せの日程: needed (`meetings.meeting_needed`) unless the checklist says it is not,
  and none planned; before the first visit day.
- 準備の確認事項: checklist items not confirmed yet; before the first visit day.
- 申請者リストの受領: due `applicant_list.list_due` (about a week before the first visit;
  for a facility of 5 or fewer booked into a home slot, its booking's visit day,
  `planning.home_visit_date`: 004 §9(2)ウ applies to it too).
- 申請者リストの人数の確認: a list stored before the visit was booked again for a different
  number of applicants (`operations.list_mismatch`); due like the list, and it stands in
  for the hand-over step until a matching list is stored or the stored one is confirmed.
- 申請者リストを小樽市へ共有: a received list not yet sent with the weekly hand-over for a
  booked part (`FacilityVisit.shared_on`); due the same day as the list.
- 訪問結果の記録: a booked part whose visit day has come.

A step is `late` once its deadline has passed; the steps that prepare the visit (meeting,
checklist) are due the day before the first visit and are dropped after the visit day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.facilities import applicant_list, checklist, meetings, operations, planning
from app.facilities.models import FacilityRequest
from solver.season import Rules

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Todo:
    key: str
    label: str
    due: dt.date | None
    late: bool


def _before_visit(key: str, label: str, first: dt.date | None, today: dt.date) -> Todo:
    """A step to finish before the first visit day (due the day before it)."""
    due = None if first is None else first - ONE_DAY
    return Todo(key, label, due, due is not None and today > due)


def todos(facility: FacilityRequest, rules: Rules, today: dt.date) -> list[Todo]:
    """The steps still open for `facility` on `today`, in the order they come (see module)."""
    if facility.status not in ("new", "contacted", "scheduled"):
        return []
    out: list[Todo] = []
    booked = [v for v in facility.visits if v.status == "booked"]
    planned = [v for v in facility.visits if v.status in ("booked", "visited")]
    home_day = planning.home_visit_date(facility)  # 5 or fewer, booked into a home slot
    first = min((v.visit_date for v in planned), default=home_day)
    if facility.status == "new":
        out.append(Todo("callback", "折り返し連絡", facility.callback_due,
                        today > facility.callback_due))
    if facility.status in ("new", "contacted"):
        home = facility.estimated_applicants < rules.facility_min_applicants
        lead = rules.home_lead_days if home else rules.facility_lead_days
        due = None if facility.wish_to is None else facility.wish_to - dt.timedelta(days=lead)
        out.append(Todo("schedule", "訪問日の決定（個人宅枠で予約）" if home else "訪問日の決定",
                        due, due is not None and today > due))
    answers = {c.item: c.value for c in facility.checks}
    preparing = first is None or today <= first  # once the visit is over, nothing to prepare
    if (preparing and meetings.meeting_needed(facility) and answers.get("premeeting") != "not_needed"
            and not any(m.status == "planned" for m in facility.meetings)):
        out.append(_before_visit("meeting", "事前打合せの日程", first, today))
    open_items = [r for r in checklist.rows(facility) if not r.done]
    if preparing and open_items:
        out.append(_before_visit(
            "checklist", f"準備の確認事項（未確認 {len(open_items)}/{len(checklist.ITEMS)}項目）",
            first, today))
    if facility.status == "scheduled" and first is not None:
        due = applicant_list.list_due(first)
        mismatch = operations.list_mismatch(facility)
        if facility.list_uploaded_at is None:
            out.append(Todo("list", "申請者リストの受領", due, due is not None and today > due))
        elif mismatch is not None:
            out.append(Todo("list_mismatch", f"{mismatch.message()}（施設に確認し、登録し直すか、"
                            "登録済みのリストのままでよいことを確認）",
                            due, due is not None and today > due))
        elif (any(v.shared_on is None for v in booked) if planned
              else not planning.list_shared(facility)):
            out.append(Todo("share", "申請者リストを小樽市へ共有", due,
                            due is not None and today > due))
        reached = [v.visit_date for v in booked if v.visit_date <= today]
        if reached:
            out.append(Todo("outcome", "訪問結果の記録", min(reached), today > min(reached)))
    return out
