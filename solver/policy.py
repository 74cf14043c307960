"""The on-the-phone slot policy: every bookable place for one caller, best first, and why not.

This is what the booking screen calls while the caller is on the line (issue 4 item 3), and
what `solver.simulate` replays call by call. It reads only the already-confirmed visits
(`booked`) and the requests received so far (`seen`), never the rest of `problem.requests`,
so an answer cannot depend on calls that have not happened yet.

Rules come from `solver.problem` (the same helpers the planner and the checker use), so an
offer is feasible exactly when `check_plan` would accept the plan that books it.

Decisions (documented once, here):
- Insertion. A new home visit is appended after the half-day's confirmed visits whenever the
  travel caps allow it, so nobody already booked is told a new time. Only when appending
  breaks a cap (`insert=True`, the default for `smart`) may it go *before* confirmed visits
  of that half-day, keeping their order; the renumbered visits (new position, eta and
  travel) are listed in `Offer.moves` and whoever books the offer must update them and tell
  those callers their new time window. `fcfs` (the paper calendar) only ever appends.
- Facility visits (`facility_min_applicants`+) needing several half-days (`facility_parts`)
  are offered as one `Offer` for the first half-day; `Offer.parts` holds every half-day
  visit of the booking (the first part is the offer itself). The later parts are the
  earliest free facility half-days after the first one inside the window: the other half of
  the same day first (004 §8(2)イ "AM and PM"), then later days. Applicants are split with
  `facility_parts`, the larger shares first.
- `excluded` lists every visit day inside the caller's hard window that no offer uses, with
  its reasons (no window: the whole season). When the window holds no visit day at all, the
  visit days nearest to it are listed instead (the last one before it and the first one
  after it), not the whole season: the operator needs the days around the caller's period,
  not forty lines of `window`.
- `excluded_halves` gives the reasons per half-day where a day is offered in one half but not
  in the other (e.g. a Tuesday-morning caller offered 10/13 PM needs to hear why not 10/13 AM:
  the morning's confirmed visit is more than 30 minutes away). Day verdicts stay per day.
- `nearest`: when no offer fits the hard window, the feasible places *outside* it closest to
  it (at most `NEAREST`, closest first, ties in date order), so the operator can ask whether
  the caller could widen the period. They are never in `offers`: `simulate`'s callers still
  take only offers inside their window, and the plan file is unchanged.
- Reason codes per excluded day: the static ones of `problem.day_reasons` (`lead_time`,
  `window`, `no_visit_day`) when there are any, else the reasons of its half-days:
  `capacity` (full, or taken by a large household), `travel_cap` /
  `third_visit_travel_cap` (a free position but no cap-keeping place for the caller),
  `large_household` (a 6+ household finds the half-day not empty), `facility_capacity`
  (the facility half-days are taken, or too few remain for every part).

Ranking. `fcfs`: soft wishes met first, then the earliest (date, half, team) — what an
operator with a paper calendar does (SCENARIO.md). `smart`: soft wishes met first as well
(the caller's wishes come first), then a score of how much future capacity the choice costs
(see `_smart_cost`): earlier days first (future callers can only reach later days), completing
a half-day with a nearby visit rather than opening a new one, and, when a half-day must be
opened, not stranding its free slots with a visit that few callers seen so far could join.
Inside the tier of offers that miss a wish, a caller who gave both a weekday and a half-day
wish gets the offers meeting one of them (a Tuesday afternoon for a Tuesday-morning caller)
ahead of those meeting neither when their costs are within `SmartWeights.partial` (half a
week) of each other: a tie-break, not a tier. A strict tier (every partial match before
every non-match) cost 0.14 requests per season on average over otaru-150 seeds 41-140 of
scripts/bench_planner.py's generator (19 seeds worse, 7 better) and 2 on its benchmark case
otaru-150 seed 3; the tie-break served as many as no partial-match ranking at all (127.59
per season on those seeds) and leaves the benchmark cases' requests and wishes unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from solver.plan_types import Visit
from solver.problem import (
    PlanningProblem,
    day_reasons,
    facility_parts,
    half_capacity,
    in_window,
    is_facility_visit,
    is_large_household,
    leg_cap,
    ordered_reasons,
    route_order_problems,
    soft_wish_met,
    static_reasons,
    visit_eta,
)
from solver.season import HALVES, Half, Request, VisitDay, Wish

Policy = Literal["smart", "fcfs"]
POLICIES: tuple[Policy, ...] = ("fcfs", "smart")
RouteKey = tuple[dt.date, Half, int]
CellKey = tuple[dt.date, Half]
# A soft wish an offer can meet: the weekdays or the half-day the caller asked for.
WishPart = Literal["weekdays", "half"]
NEAREST = 3  # places outside the hard window named when none fits inside it


@dataclass(frozen=True)
class SmartWeights:
    """Weights of the `smart` cost (lower is better), chosen on scenario seeds 11-16 (not the
    benchmark seeds 1-3). The unit is "one week later than the caller's earliest offer".
    Measured on twenty fresh seeds they serve as many callers as `fcfs`, no more
    (docs/BENCHMARKS.md, "Planner — what foresight is worth"). `partial` was chosen on seeds
    41-140 as the largest value of 0.25 / 0.5 / 1 / 2 / 3 that served as many callers as 0 (the
    module doc's ranking paragraph); it only reorders offers missing a wish."""

    week: float = 1.0  # per week after the earliest day the caller could be visited
    open_half: float = 0.6  # opening an empty half-day rather than joining one
    strand: float = 2.5  # per free slot left that few seen callers could join
    travel: float = 0.02  # per minute of travel added to the half-day
    pressure: float = 0.3  # per expected future caller per free slot of the half-day
    partial: float = 0.5  # per soft wish missed, among offers missing one (see _rank)


SMART = SmartWeights()


@dataclass(frozen=True)
class Offer:
    """One bookable place, as told to the caller.

    `moves` are confirmed visits whose position/eta/travel change if this offer is taken
    (insertion before them); `parts` are every visit this booking creates (one for a home
    visit, one per half-day for a split facility visit; `parts[0]` is this offer).
    """

    date: dt.date
    half: Half
    team: int
    position: int
    eta: str
    wish_met: bool
    travel_from_previous_min: float | None
    moves: tuple[Visit, ...] = ()
    parts: tuple[Visit, ...] = ()
    meets: tuple[WishPart, ...] = ()  # the soft wishes given that every part meets


@dataclass(frozen=True)
class DayVerdict:
    date: dt.date
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class HalfVerdict:
    """Why one half-day of an offered day has no offer (see the module doc)."""

    date: dt.date
    half: Half
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class OfferList:
    """The answer to one call. `reasons` (only when there is no offer) say why, for the
    unassigned list of a plan: the static reasons of the request, else those of its days.
    `excluded_halves` and `nearest` are for the operator only (module doc); neither reaches a
    plan file."""

    request: str
    offers: tuple[Offer, ...]
    excluded: tuple[DayVerdict, ...]
    reasons: tuple[str, ...] = ()
    excluded_halves: tuple[HalfVerdict, ...] = ()
    nearest: tuple[Offer, ...] = ()


@dataclass
class _Route:
    """One team's half-day with its confirmed visits in position order."""

    day: VisitDay
    half: Half
    team: int
    visits: list[Visit] = field(default_factory=list)

    @property
    def key(self) -> RouteKey:
        return (self.day.date, self.half, self.team)

    @property
    def ids(self) -> list[str]:
        return [v.request for v in self.visits]


@dataclass(frozen=True)
class _Candidate:
    """A feasible place for the caller, before ranking."""

    offer: Offer
    route_size: int  # confirmed visits in the first part's half-day
    capacity: int  # that half-day's capacity
    added_travel: float  # minutes the booking adds to its half-day(s)
    sort_key: tuple[object, ...]  # chronological key of the first part


# --- state ------------------------------------------------------------------------------


def _routes(problem: PlanningProblem, booked: Sequence[Visit]) -> dict[RouteKey, _Route]:
    """Every team's half-day of the calendar, with its confirmed visits."""
    routes = {
        (d.date, half, team): _Route(d, half, team)
        for d in problem.visit_days for half in HALVES
        for team in range(1, problem.rules.teams + 1)
    }
    for v in booked:
        route = routes.get((v.date, v.half, v.team))
        if route is not None:
            route.visits.append(v)
    for route in routes.values():
        route.visits.sort(key=lambda v: v.position)
    return routes


def _visit(problem: PlanningProblem, request: Request, route: _Route, position: int,
           applicants: int, previous: str | None) -> Visit:
    travel = None
    if previous is not None and route.day.kind != "facility":
        travel = problem.minutes(route.day.date, previous, request.id)
    return Visit(request=request.id, date=route.day.date, half=route.half, team=route.team,
                 position=position, applicants=applicants,
                 eta=visit_eta(problem, route.day.kind, route.half, position),
                 travel_from_previous_min=travel)


def _renumbered(problem: PlanningProblem, route: _Route, order: list[str]) -> tuple[Visit, ...]:
    """Confirmed visits of `route` whose position, eta or travel change in `order`."""
    moved = []
    by_id = {v.request: v for v in route.visits}
    for p, rid in enumerate(order, start=1):
        old = by_id.get(rid)
        if old is None:
            continue
        travel = None if p == 1 else problem.minutes(route.day.date, order[p - 2], rid)
        new = Visit(request=rid, date=old.date, half=old.half, team=old.team, position=p,
                    applicants=old.applicants, eta=visit_eta(problem, route.day.kind, old.half, p),
                    travel_from_previous_min=travel)
        if (new.position, new.eta, new.travel_from_previous_min) != (
                old.position, old.eta, old.travel_from_previous_min):
            moved.append(new)
    return tuple(moved)


def _order_travel(problem: PlanningProblem, on: dt.date, order: Sequence[str]) -> float:
    return sum(problem.minutes(on, a, b) for a, b in zip(order, order[1:], strict=False))


def wishes_met(wish: Wish, visits: Sequence[tuple[dt.date, Half]]) -> tuple[WishPart, ...]:
    """The soft wishes the caller gave that every visit meets: "weekdays", "half", both or
    none. `soft_wish_met` is "every given one"; this says which, so a partial match (the
    wished weekday in the other half) can be ranked and shown as such."""
    met: list[WishPart] = []
    if wish.weekdays and all(on.weekday() in wish.weekdays for on, _h in visits):
        met.append("weekdays")
    if wish.half is not None and all(half == wish.half for _d, half in visits):
        met.append("half")
    return tuple(met)


def _wishes_missed(wish: Wish, offer: Offer) -> int:
    """How many of the given soft wishes `offer` misses (0 when none was given)."""
    return int(bool(wish.weekdays)) + int(wish.half is not None) - len(offer.meets)


# --- home visits --------------------------------------------------------------------------


def _home_place(
    problem: PlanningProblem, route: _Route, request: Request, insert: bool
) -> tuple[_Candidate | None, set[str]]:
    """The place for a home visit in `route` (append first, else insertion), or its reasons."""
    rules = problem.rules
    ids = route.ids
    capacity = half_capacity(rules, route.day, route.half)
    if is_large_household(rules, request):
        if ids:
            return None, {"large_household"}
        return _home_candidate(problem, route, request, [request.id], 1, capacity), set()
    if len(ids) >= capacity or any(
            is_large_household(rules, problem.request_by_id[x]) for x in ids):
        return None, {"capacity"}
    positions = [len(ids) + 1] + (list(range(len(ids), 0, -1)) if insert else [])
    codes: set[str] = set()
    for p in positions:
        order = ids[:p - 1] + [request.id] + ids[p - 1:]
        breaches = route_order_problems(problem, route.day.date, order)
        if not breaches:
            return _home_candidate(problem, route, request, order, p, capacity), set()
        found = {reason for _p, reason, _m, _c in breaches}
        if not codes or found == {"third_visit_travel_cap"}:
            codes = found
    return None, codes


def _home_candidate(problem: PlanningProblem, route: _Route, request: Request,
                    order: list[str], position: int, capacity: int) -> _Candidate:
    previous = order[position - 2] if position > 1 else None
    visit = _visit(problem, request, route, position, request.applicants, previous)
    on = route.day.date
    added = _order_travel(problem, on, order) - _order_travel(problem, on, route.ids)
    offer = Offer(date=on, half=route.half, team=route.team, position=position, eta=visit.eta,
                  wish_met=soft_wish_met(request.wish, on, route.half),
                  travel_from_previous_min=visit.travel_from_previous_min,
                  moves=_renumbered(problem, route, order), parts=(visit,),
                  meets=wishes_met(request.wish, [(on, route.half)]))
    return _Candidate(offer, len(route.ids), capacity, added,
                      (on, HALVES.index(route.half), route.team))


def _home_candidates(
    problem: PlanningProblem, routes: Mapping[RouteKey, _Route], request: Request,
    days: Sequence[VisitDay], insert: bool,
) -> tuple[list[_Candidate], dict[CellKey, set[str]]]:
    """Every place for a home visit on `days`, and the reason codes of each half-day."""
    found: list[_Candidate] = []
    codes: dict[CellKey, set[str]] = defaultdict(set)
    for day in days:
        for half in HALVES:
            for team in range(1, problem.rules.teams + 1):
                candidate, why = _home_place(problem, routes[(day.date, half, team)], request,
                                             insert)
                if candidate is not None:
                    found.append(candidate)
                codes[(day.date, half)] |= why
    return found, codes


# --- facility visits ----------------------------------------------------------------------


def _facility_candidates(
    problem: PlanningProblem, routes: Mapping[RouteKey, _Route], request: Request,
    days: Sequence[VisitDay],
) -> tuple[list[_Candidate], dict[CellKey, set[str]]]:
    """One candidate per free facility half-day that can start the booking (see module doc)."""
    free = [routes[(d.date, h, t)] for d in days for h in HALVES
            for t in range(1, problem.rules.teams + 1) if not routes[(d.date, h, t)].visits]
    shares = facility_parts(problem.rules, request.applicants)
    found: list[_Candidate] = []
    for i, first in enumerate(free):
        chosen = [first]
        for later in free[i + 1:]:
            if len(chosen) == len(shares):
                break
            if all((later.day.date, later.half) != (c.day.date, c.half) for c in chosen):
                chosen.append(later)
        if len(chosen) < len(shares):
            continue
        parts = tuple(_visit(problem, request, route, 1, n, None)
                      for route, n in zip(chosen, shares, strict=True))
        offer = Offer(date=first.day.date, half=first.half, team=first.team, position=1,
                      eta=parts[0].eta,
                      wish_met=all(soft_wish_met(request.wish, v.date, v.half) for v in parts),
                      travel_from_previous_min=None, parts=parts,
                      meets=wishes_met(request.wish, [(v.date, v.half) for v in parts]))
        taken_days = len({c.day.date for c in chosen})
        found.append(_Candidate(offer, 0, 1, float(taken_days),
                                (first.day.date, HALVES.index(first.half), first.team)))
    used = {(v.date, v.half) for c in found for v in c.offer.parts}
    codes = {(d.date, h): {"facility_capacity"} for d in days for h in HALVES
             if (d.date, h) not in used}
    return found, codes


# --- ranking ------------------------------------------------------------------------------


@dataclass
class _Demand:
    """What the calls seen so far say about the calls still to come.

    `pressure[(date, half)]` is the expected number of future home callers wanting a slot of
    that half-day per free slot left in it (0 when nobody is expected): future callers arrive
    at the rate seen so far, until the last day a home visit can still be booked, each like
    one of the seen callers shifted in time (same lead, window length and soft wishes). Each
    spreads one unit of demand over the half-days of its window that meet its soft wishes
    (all of its window if none does). Late half-days, which every late caller needs, and
    half-days many callers wish for come out scarce; taking them costs more.
    `rows` are the travel-matrix rows of the seen home callers (where people live).
    """

    problem: PlanningProblem
    rows: np.ndarray
    pressure: Mapping[tuple[dt.date, Half], float]

    def compat(self, on: dt.date, request_id: str) -> float:
        """Share of seen home callers within the travel cap of `request_id` on `on`."""
        if self.rows.size == 0:
            return 1.0
        matrix = self.problem.travel.matrices[self.problem.travel.matrix_of[on]]
        row = matrix[self.problem.point_index[request_id], self.rows]
        return float(np.mean(row <= leg_cap(self.problem.rules, 2)))


def _home_cells(problem: PlanningProblem) -> list[tuple[VisitDay, Half]]:
    return [(d, h) for d in problem.visit_days if d.kind == "home" for h in HALVES]


def _free_slots(problem: PlanningProblem, routes: Mapping[RouteKey, _Route],
                cells: Sequence[tuple[VisitDay, Half]]) -> np.ndarray:
    rules = problem.rules
    free = np.zeros(len(cells))
    for i, (day, half) in enumerate(cells):
        for team in range(1, rules.teams + 1):
            ids = routes[(day.date, half, team)].ids
            if any(is_large_household(rules, problem.request_by_id[x]) for x in ids):
                continue
            free[i] += max(0, half_capacity(rules, day, half) - len(ids))
    return free


def _demand(problem: PlanningProblem, routes: Mapping[RouteKey, _Route], request: Request,
            seen: Sequence[Request]) -> _Demand:
    rules = problem.rules
    index = problem.point_index
    homes = [r for r in seen if not is_facility_visit(rules, r)]
    rows = np.array([index[r.id] for r in homes if r.id in index], dtype=int)
    cells = _home_cells(problem)
    if not homes or not cells:
        return _Demand(problem, rows, {})
    today = request.received
    opened = min(problem.config.season.booking_opens, min(r.received for r in homes))
    rate = len(homes) / max(1, (today - opened).days + 1)
    last_call = min(problem.config.season.booking_closes,
                    cells[-1][0].date - dt.timedelta(days=rules.home_lead_days))
    arrivals = np.arange(0, max(0, (last_call - today).days) + 1)  # days after today
    if arrivals.size == 0:
        return _Demand(problem, rows, {})
    ords = np.array([d.date.toordinal() - today.toordinal() for d, _h in cells])
    starts = np.array([((r.wish.date_from or r.received) - r.received).days for r in homes])
    starts = np.maximum(starts, rules.home_lead_days)
    ends = np.array([(r.wish.date_to - r.received).days if r.wish.date_to else 10_000
                     for r in homes])
    match = np.array([[(not r.wish.weekdays or d.date.weekday() in r.wish.weekdays)
                       and (r.wish.half is None or h == r.wish.half) for d, h in cells]
                      for r in homes], dtype=float)  # types x cells
    lo = np.searchsorted(ords, arrivals[None, :] + starts[:, None], side="left")
    hi = np.searchsorted(ords, arrivals[None, :] + ends[:, None], side="right")
    demand = np.zeros(len(cells))
    for weights in (match, np.ones_like(match)):
        cum = np.concatenate([np.zeros((len(homes), 1)), np.cumsum(weights, axis=1)], axis=1)
        rows_k = np.arange(len(homes))[:, None]
        count = cum[rows_k, hi] - cum[rows_k, lo]
        if weights is match:
            use = count > 0
            matched = use
        else:
            use = (~matched) & (count > 0)
        share = np.where(use, 1.0 / np.maximum(count, 1), 0.0)
        diff = np.zeros((len(homes), len(cells) + 1))
        np.add.at(diff, (np.broadcast_to(rows_k, lo.shape), lo), share)
        np.add.at(diff, (np.broadcast_to(rows_k, hi.shape), hi), -share)
        demand += (np.cumsum(diff, axis=1)[:, :-1] * weights).sum(axis=0)
    demand *= rate / len(homes)
    free = _free_slots(problem, routes, cells)
    pressure = {(d.date, h): float(demand[i] / max(free[i], 1.0))
                for i, (d, h) in enumerate(cells)}
    return _Demand(problem, rows, pressure)


def _smart_cost(c: _Candidate, request: Request, first_day: dt.date, demand: _Demand,
                w: SmartWeights) -> float:
    """How much future capacity taking `c` costs (lower is better); see the module doc."""
    cost = w.week * (c.offer.date - first_day).days / 7.0
    if len(c.offer.parts) > 1 or c.offer.date not in demand.problem.day_by_date or \
            demand.problem.day_by_date[c.offer.date].kind == "facility":
        return cost + w.open_half * c.added_travel  # facility: fewer days touched first
    pressure = demand.pressure.get((c.offer.date, c.offer.half), 0.0)
    cost += w.pressure * pressure
    if c.route_size == 0:
        free_after = c.capacity - 1
        compat = demand.compat(c.offer.date, request.id) if free_after else 1.0
        cost += w.open_half + w.strand * free_after * (1.0 - compat)
        if c.capacity > 1 and is_large_household(demand.problem.rules, request):
            cost += w.strand * free_after  # a large household blocks the whole half-day
    cost += w.travel * c.added_travel
    return cost


def _rank(problem: PlanningProblem, routes: Mapping[RouteKey, _Route],
          candidates: list[_Candidate], request: Request, policy: Policy,
          seen: Sequence[Request], weights: SmartWeights) -> list[_Candidate]:
    if policy == "fcfs":
        return sorted(candidates, key=lambda c: (not c.offer.wish_met, c.sort_key))
    if not candidates:
        return []
    demand = _demand(problem, routes, request, seen)
    first_day = min(c.offer.date for c in candidates)
    scored = [(not c.offer.wish_met,
               _smart_cost(c, request, first_day, demand, weights)
               + weights.partial * _wishes_missed(request.wish, c.offer),
               c.sort_key, c)
              for c in candidates]
    scored.sort(key=lambda t: t[:3])
    return [t[3] for t in scored]


# --- the answer ---------------------------------------------------------------------------


def _listed_days(problem: PlanningProblem, request: Request) -> tuple[VisitDay, ...]:
    """The days the answer covers: those in the hard window (all of them without one), else
    the visit days nearest to the window on either side."""
    wish = request.wish
    inside = tuple(d for d in problem.visit_days if in_window(wish, d.date))
    if inside:
        return inside
    before = [d for d in problem.visit_days if wish.date_from and d.date < wish.date_from]
    after = [d for d in problem.visit_days if wish.date_to and d.date > wish.date_to]
    return tuple(before[-1:] + after[:1])


def _candidates(
    problem: PlanningProblem, routes: Mapping[RouteKey, _Route], request: Request,
    days: Sequence[VisitDay], insert: bool,
) -> tuple[list[_Candidate], dict[CellKey, set[str]]]:
    if is_facility_visit(problem.rules, request):
        return _facility_candidates(problem, routes, request, days)
    return _home_candidates(problem, routes, request, days, insert)


def _outside_days(wish: Wish, on: dt.date) -> int:
    """Days from `on` to the nearest day of the hard window (0 inside it)."""
    if wish.date_from is not None and on < wish.date_from:
        return (wish.date_from - on).days
    if wish.date_to is not None and on > wish.date_to:
        return (on - wish.date_to).days
    return 0


def _nearest(problem: PlanningProblem, routes: Mapping[RouteKey, _Route], request: Request,
             insert: bool) -> tuple[Offer, ...]:
    """The feasible places outside the hard window closest to it (module doc). Each side of
    the window is searched alone, so a split facility visit never straddles the window."""
    outside = [d for d in problem.visit_days
               if day_reasons(problem, request, d) == ("window",)]
    wish = request.wish
    found: list[_Candidate] = []
    for side in ([d for d in outside if wish.date_from and d.date < wish.date_from],
                 [d for d in outside if wish.date_to and d.date > wish.date_to]):
        found += _candidates(problem, routes, request, side, insert)[0]
    found.sort(key=lambda c: (_outside_days(wish, c.offer.date), c.sort_key))
    return tuple(c.offer for c in found[:NEAREST])


def _half_verdicts(listed: Sequence[VisitDay], ranked: Sequence[_Candidate],
                   codes: Mapping[CellKey, set[str]]) -> tuple[HalfVerdict, ...]:
    """The unoffered half of each listed day whose other half is offered, with its reasons."""
    used = {(v.date, v.half) for c in ranked for v in c.offer.parts}
    offered = {on for on, _h in used}
    return tuple(
        HalfVerdict(d.date, half, ordered_reasons(codes.get((d.date, half), ())) or ("capacity",))
        for d in listed if d.date in offered for half in HALVES if (d.date, half) not in used)


def offer_slots(
    problem: PlanningProblem,
    booked: Sequence[Visit],
    request: Request,
    policy: Policy = "smart",
    seen: Sequence[Request] = (),
    *,
    insert: bool | None = None,
    weights: SmartWeights = SMART,
) -> OfferList:
    """Every feasible (date, half, team) for `request` once, best first, and the days without.

    `problem` must contain `request` (its travel table has the caller's point); `booked` are
    the confirmed visits; `seen` the requests received before this call (for demand-aware
    ranking; never later ones). `insert` defaults to True for `smart`, False for `fcfs`.
    """
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {POLICIES}, not {policy!r}")
    if insert is None:
        insert = policy == "smart"
    routes = _routes(problem, booked)
    listed = _listed_days(problem, request)
    static = {d.date: day_reasons(problem, request, d) for d in listed}
    open_days = [d for d in problem.visit_days if not day_reasons(problem, request, d)]
    candidates, codes = _candidates(problem, routes, request, open_days, insert)
    day_codes: dict[dt.date, set[str]] = defaultdict(set)
    for (on, _half), found in codes.items():
        day_codes[on] |= found
    ranked = _rank(problem, routes, candidates, request, policy, seen, weights)
    offered = {v.date for c in ranked for v in c.offer.parts}
    excluded = tuple(
        DayVerdict(d.date, static[d.date] or ordered_reasons(day_codes.get(d.date, ())) or
                   ("capacity",))
        for d in listed if d.date not in offered
    )
    reasons: tuple[str, ...] = ()
    nearest: tuple[Offer, ...] = ()
    if not ranked:
        reasons = static_reasons(problem, request) or ordered_reasons(
            code for d in open_days for code in day_codes.get(d.date, ())) or ("capacity",)
        nearest = _nearest(problem, routes, request, insert)
    return OfferList(request.id, tuple(c.offer for c in ranked), excluded, reasons,
                     _half_verdicts(listed, ranked, codes), nearest)


def book(booked: Sequence[Visit], offer: Offer) -> list[Visit]:
    """The confirmed visits after taking `offer`: renumbered ones replaced, parts added."""
    moved = {(v.request, v.date, v.half, v.team): v for v in offer.moves}
    out = [moved.get((v.request, v.date, v.half, v.team), v) for v in booked]
    return out + list(offer.parts)


__all__ = [
    "NEAREST", "POLICIES", "SMART", "DayVerdict", "HalfVerdict", "Offer", "OfferList", "Policy",
    "SmartWeights", "WishPart", "book", "offer_slots", "wishes_met",
]
