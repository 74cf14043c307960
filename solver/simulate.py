"""The season as it happens: calls arrive one by one and each is answered at once.

`simulate` replays a scenario's requests in `received` order (ties by id), the way the call
centre meets them: each caller is offered `offer_slots` computed from the bookings made so
far and the requests received so far only, and takes the first offer (every offer is inside
the caller's hard window by construction); a caller with no offer is listed as unassigned
with the policy's reason codes. Confirmed bookings are never moved to another half-day; an
insertion offer (`smart`) may renumber the visits of the half-day it joins, exactly as the
booking screen would. Nothing random: the same scenario and policy give the same plan.

This is how the `smart` policy is measured against `fcfs` (a paper calendar) and against
the hindsight plan of `solver.plan_model` (scripts/bench_planner.py).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from solver.plan_types import Plan, PlanStats, Unassigned, Visit
from solver.policy import SMART, Offer, OfferList, Policy, SmartWeights, book, offer_slots
from solver.problem import PlanningProblem, has_soft_wish, soft_wish_met
from solver.season import Request

STATUS = "SIMULATED"


def arrival_order(requests: Sequence[Request]) -> list[Request]:
    """Calls in the order they reach the call centre: by `received`, ties by id."""
    return sorted(requests, key=lambda r: (r.received, r.id))


def _takes(offers: Sequence[Offer], pinned_ids: set[str]) -> Offer | None:
    """The caller takes the first offer; one renumbering a pinned visit is not bookable."""
    for offer in offers:
        if not any(v.request in pinned_ids for v in offer.moves):
            return offer
    return None


@dataclass(frozen=True)
class Call:
    """One call of the replay: what was offered, what was taken, the bookings after it."""

    request: Request
    answer: OfferList
    taken: Offer | None
    booked: tuple[Visit, ...]


def replay(
    problem: PlanningProblem,
    policy: Policy = "smart",
    *,
    insert: bool | None = None,
    weights: SmartWeights = SMART,
) -> Iterator[Call]:
    """The calls of the season one by one (pinned requests do not call)."""
    booked: list[Visit] = list(problem.pinned)
    pinned_ids = {v.request for v in problem.pinned}
    seen: list[Request] = [r for r in problem.requests if r.id in pinned_ids]
    for request in arrival_order(problem.requests):
        if request.id in pinned_ids:
            continue
        answer = offer_slots(problem, booked, request, policy, tuple(seen), insert=insert,
                             weights=weights)
        taken = _takes(answer.offers, pinned_ids)
        if taken is not None:
            booked = book(booked, taken)
        seen.append(request)
        yield Call(request, answer, taken, tuple(booked))


def simulate(
    problem: PlanningProblem,
    policy: Policy = "smart",
    *,
    insert: bool | None = None,
    weights: SmartWeights = SMART,
) -> Plan:
    """The plan the call centre ends up with when every call is answered by `policy`.

    `problem.pinned` visits are confirmed before the first call and their requests do not
    call again. `insert`/`weights` are passed to `offer_slots` (for experiments).
    """
    start = time.monotonic()
    booked: tuple[Visit, ...] = tuple(problem.pinned)
    unassigned: list[Unassigned] = []
    for call in replay(problem, policy, insert=insert, weights=weights):
        booked = call.booked
        if call.taken is None:
            unassigned.append(Unassigned(call.request.id, call.answer.reasons or ("capacity",)))
    visits = tuple(sorted(booked, key=lambda v: (v.date, v.half, v.team, v.position)))
    order = {r.id: i for i, r in enumerate(problem.requests)}
    unassigned.sort(key=lambda u: order[u.request])
    stats = plan_stats(problem, visits, STATUS, time.monotonic() - start)
    stats = dataclasses.replace(stats, extra={"policy": policy})
    return Plan(problem.name, problem.visit_days, visits, tuple(unassigned), stats)


def plan_stats(problem: PlanningProblem, visits: Sequence[Visit], status: str,
               seconds: float) -> PlanStats:
    """The stats of a plan file, recomputed from its visits (as `check_plan` does)."""
    parts: dict[str, list[Visit]] = {}
    for v in visits:
        parts.setdefault(v.request, []).append(v)
    met = 0
    for rid, vs in parts.items():
        wish = problem.request_by_id[rid].wish
        if has_soft_wish(wish) and all(soft_wish_met(wish, v.date, v.half) for v in vs):
            met += 1
    return PlanStats(
        requests=len(problem.requests),
        assigned=len(parts),
        applicants_assigned=sum(problem.request_by_id[rid].applicants for rid in parts),
        soft_wishes_met=met,
        travel_min_total=sum(v.travel_from_previous_min or 0.0 for v in visits),
        status=status,
        bound_assigned=None,
        seconds=seconds,
    )
