"""The on-the-phone slot policy: offers are feasible and ranked, excluded days say why."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.check import check_plan
from solver.plan_types import Plan, Unassigned, Visit
from solver.policy import NEAREST, HalfVerdict, Offer, OfferList, book, offer_slots
from solver.problem import in_window
from solver.season import Wish
from solver.simulate import arrival_order, replay
from tests.solver.factories import (
    layout_plan,
    make_problem,
    make_request,
    make_scenario,
    make_visit_days,
    random_requests,
)

D1 = dt.date(2026, 6, 17)  # a Wednesday
LAT, LNG = 43.19, 141.00
# Points around (LAT, LNG), in summer minutes (asserted in `geometry`): A, B, C form a
# triangle of ~20 min sides; W and E are ~13 min west/east of A and ~26 min apart; Z is in
# Zenibako, ~55 min from A.
POINTS = {
    "A": (LAT, LNG),
    "B": (LAT, LNG + 6.2 / 81),
    "C": (LAT + 6.2 * 0.866 / 111, LNG + 3.1 / 81),
    "W": (LAT, LNG - 4 / 81),
    "E": (LAT, LNG + 4 / 81),
    "Z": (43.14, 141.2),
}


def at(rid: str, point: str, **kw: Any) -> Any:
    lat, lng = POINTS[point]
    return make_request(rid, lat=lat, lng=lng, **kw)


def setup(requests: list[Any], layout: dict[tuple[dt.date, str, int], list[str]],
          days: Any = None, **rules: Any) -> tuple[Any, list[Visit]]:
    """A problem and its confirmed visits laid out by hand (request ids in visit order)."""
    problem = make_problem(make_scenario(requests, days or make_visit_days(1), **rules))
    return problem, list(layout_plan(problem, layout).visits)


def ask(problem: Any, booked: list[Visit], rid: str, **kw: Any) -> OfferList:
    return offer_slots(problem, booked, problem.request_by_id[rid], **kw)


def verdicts(answer: OfferList) -> dict[dt.date, tuple[str, ...]]:
    return {v.date: v.reasons for v in answer.excluded}


def plan_with(problem: Any, visits: list[Visit]) -> Plan:
    """A plan of `visits` with every other request unassigned (stats left out)."""
    planned = {v.request for v in visits}
    unassigned = tuple(Unassigned(r.id, ("capacity",)) for r in problem.requests
                       if r.id not in planned)
    return Plan(problem.name, problem.visit_days, tuple(visits), unassigned)


def test_geometry() -> None:
    problem, _ = setup([at(k, k) for k in POINTS], {})
    m = problem.minutes
    assert 15 < m(D1, "A", "B") < 30 and 15 < m(D1, "B", "C") < 30 and 15 < m(D1, "A", "C") < 30
    assert m(D1, "A", "W") < 15 and m(D1, "A", "E") < 15 and 15 < m(D1, "W", "E") < 30
    assert m(D1, "A", "Z") > 30


# --- excluded days and their reasons -----------------------------------------------------


def test_lead_time() -> None:
    problem, booked = setup([at("X", "A", received=D1 - dt.timedelta(days=3))], {})
    answer = ask(problem, booked, "X")
    assert answer.offers == ()
    assert verdicts(answer) == {D1: ("lead_time",)}
    assert answer.reasons == ("lead_time",)


def test_window_without_visit_days_lists_the_nearest_day_on_each_side() -> None:
    days = make_visit_days(6)  # Wed 17, Thu 18, Fri 19, Mon 22, Tue 23, Wed 24 June
    x = at("X", "A", wish_from=dt.date(2026, 6, 20), wish_to=dt.date(2026, 6, 21))  # a weekend
    problem, booked = setup([x], {}, days=days)
    answer = ask(problem, booked, "X")
    assert answer.offers == () and answer.reasons == ("window",)
    # the days around the weekend, with their reason; not the other four days of the season
    assert verdicts(answer) == {days[2].date: ("window",), days[3].date: ("window",)}


def test_window_after_the_season_lists_its_last_day_only() -> None:
    x = at("X", "A", wish_from=dt.date(2026, 9, 1), wish_to=dt.date(2026, 9, 10))
    days = make_visit_days(3)
    problem, booked = setup([x], {}, days=days)
    answer = ask(problem, booked, "X")
    assert verdicts(answer) == {days[-1].date: ("window",)}


def test_capacity() -> None:
    requests = [at(f"A{i}", "A") for i in range(5)]
    problem, booked = setup(requests, {(D1, "am", 1): ["A0", "A1"], (D1, "pm", 1): ["A2", "A3"]})
    answer = ask(problem, booked, "A4")
    assert answer.offers == () and verdicts(answer) == {D1: ("capacity",)}
    assert answer.reasons == ("capacity",)


def test_travel_cap() -> None:
    requests = [at("Z1", "Z"), at("Z2", "Z"), at("X", "A")]
    problem, booked = setup(requests, {(D1, "am", 1): ["Z1"], (D1, "pm", 1): ["Z2"]})
    answer = ask(problem, booked, "X")
    assert answer.offers == () and verdicts(answer) == {D1: ("travel_cap",)}


def test_third_visit_travel_cap() -> None:
    requests = [at("A1", "A"), at("A2", "A"), at("A", "A"), at("B", "B"), at("C", "C")]
    days = make_visit_days(1, pm_slots=3)
    problem, booked = setup(requests, {(D1, "am", 1): ["A1", "A2"], (D1, "pm", 1): ["A", "B"]},
                            days=days)
    for policy in ("smart", "fcfs"):
        answer = ask(problem, booked, "C", policy=policy)
        assert answer.offers == ()
        assert verdicts(answer) == {D1: ("capacity", "third_visit_travel_cap")}


def test_large_household() -> None:
    requests = [at("A1", "A"), at("A2", "A"), at("L", "A", applicants=6)]
    problem, booked = setup(requests, {(D1, "am", 1): ["A1"], (D1, "pm", 1): ["A2"]})
    answer = ask(problem, booked, "L")
    assert answer.offers == () and verdicts(answer) == {D1: ("large_household",)}


def test_large_household_takes_an_empty_half_day_only() -> None:
    requests = [at("A1", "A"), at("L", "A", applicants=6), at("A2", "A")]
    problem, booked = setup(requests, {(D1, "am", 1): ["A1"]})
    answer = ask(problem, booked, "L")
    assert [(o.half, o.position) for o in answer.offers] == [("pm", 1)]
    booked = book(booked, answer.offers[0])
    assert [(o.half, o.position) for o in ask(problem, booked, "A2").offers] == [("am", 2)]


def test_facility_capacity() -> None:
    days = make_visit_days(2, kinds=["facility", "home"])
    early = D1 - dt.timedelta(days=60)
    requests = [make_request(f"F{i}", kind="facility", applicants=12, received=early)
                for i in range(3)]
    problem, booked = setup(requests, {(D1, "am", 1): [("F0", 12)], (D1, "pm", 1): [("F1", 12)]},
                            days=days)
    answer = ask(problem, booked, "F2")
    assert answer.offers == ()
    assert verdicts(answer) == {D1: ("facility_capacity",), days[1].date: ("no_visit_day",)}
    assert answer.reasons == ("facility_capacity",)


def test_no_visit_day() -> None:
    days = make_visit_days(2, kinds="facility")
    problem, booked = setup([at("X", "A")], {}, days=days)
    answer = ask(problem, booked, "X")
    assert answer.offers == ()
    assert {v.reasons for v in answer.excluded} == {("no_visit_day",)}
    assert answer.reasons == ("no_visit_day",)


def test_a_half_day_not_offered_beside_an_offered_one_gets_its_own_reason() -> None:
    """A Wednesday-morning caller offered only the afternoon hears why not the morning."""
    requests = [at("Z1", "Z"), at("X", "A", weekdays=[2], half="am")]
    problem, booked = setup(requests, {(D1, "am", 1): ["Z1"]})
    answer = ask(problem, booked, "X")
    assert [(o.date, o.half) for o in answer.offers] == [(D1, "pm")]
    assert answer.excluded == ()  # the day is offered, so no day verdict
    assert answer.excluded_halves == (HalfVerdict(D1, "am", ("travel_cap",)),)


def test_no_half_day_verdict_when_both_halves_are_offered_or_neither() -> None:
    requests = [at("A1", "A"), at("Z1", "Z"), at("Z2", "Z"), at("X", "A")]
    problem, booked = setup(requests, {(D1, "am", 1): ["A1"]})
    both = ask(problem, booked, "X")
    assert {o.half for o in both.offers} == {"am", "pm"} and both.excluded_halves == ()
    problem, booked = setup(requests, {(D1, "am", 1): ["Z1"], (D1, "pm", 1): ["Z2"]})
    neither = ask(problem, booked, "X")
    assert neither.excluded_halves == () and verdicts(neither) == {D1: ("travel_cap",)}


def test_a_facility_day_with_one_half_taken_says_so_per_half() -> None:
    days = make_visit_days(2, kinds="facility")
    early = D1 - dt.timedelta(days=60)
    requests = [make_request(f"F{i}", kind="facility", applicants=12, received=early)
                for i in range(2)]
    problem, booked = setup(requests, {(D1, "am", 1): [("F0", 12)]}, days=days)
    answer = ask(problem, booked, "F1")
    assert (D1, "pm") in {(o.date, o.half) for o in answer.offers}
    assert answer.excluded_halves == (HalfVerdict(D1, "am", ("facility_capacity",)),)


# --- places outside the hard window -------------------------------------------------------


def test_a_full_window_names_the_nearest_places_outside_it() -> None:
    days = make_visit_days(6)  # Wed 17, Thu 18, Fri 19, Mon 22, Tue 23, Wed 24 June
    received = dt.date(2026, 6, 4)  # 17 June is inside the lead time, 18 June is not
    fill = [at(f"A{i}", "A", received=received) for i in range(8)]
    x = at("X", "A", received=received, wish_from=days[1].date, wish_to=days[2].date)
    layout = {(day.date, half, 1): [f"A{4 * i + 2 * j}", f"A{4 * i + 2 * j + 1}"]
              for i, day in enumerate(days[1:3]) for j, half in enumerate(("am", "pm"))}
    problem, booked = setup([*fill, x], layout, days=days)
    for policy in ("smart", "fcfs"):
        answer = ask(problem, booked, "X", policy=policy)
        assert answer.offers == () and answer.reasons == ("capacity",)
        # after the window, closest first; 17 June (before it) is past the booking deadline
        assert [(o.date, o.half) for o in answer.nearest] == [
            (days[3].date, "am"), (days[3].date, "pm"), (days[4].date, "am")]
        assert len(answer.nearest) == NEAREST
        # each is bookable once the caller widens the period to include it
        wide = dataclasses.replace(problem, requests=tuple(
            dataclasses.replace(r, wish=Wish()) if r.id == "X" else r
            for r in problem.requests))
        for offer in answer.nearest:
            assert not in_window(x.wish, offer.date)
            assert check_plan(wide, plan_with(wide, book(booked, offer))) == []


def test_nearest_places_come_from_both_sides_of_the_window_by_distance() -> None:
    days = make_visit_days(6)
    x = at("X", "A", wish_from=dt.date(2026, 6, 20), wish_to=dt.date(2026, 6, 21))
    problem, booked = setup([x], {}, days=days)
    answer = ask(problem, booked, "X")
    assert [(o.date, o.half) for o in answer.nearest] == [
        (days[2].date, "am"), (days[2].date, "pm"), (days[3].date, "am")]


def test_no_nearest_places_when_an_offer_fits_the_window() -> None:
    days = make_visit_days(6)
    x = at("X", "A", wish_from=days[1].date, wish_to=days[2].date)
    problem, booked = setup([x], {}, days=days)
    answer = ask(problem, booked, "X")
    assert answer.offers and answer.nearest == ()


def test_excluded_covers_the_window_only() -> None:
    days = make_visit_days(6)
    x = at("X", "A", wish_from=days[2].date, wish_to=days[3].date)
    problem, booked = setup([x], {}, days=days)
    answer = ask(problem, booked, "X")
    assert {o.date for o in answer.offers} == {days[2].date, days[3].date}
    assert answer.excluded == ()


# --- offers ------------------------------------------------------------------------------


def test_each_half_day_is_offered_once_with_eta_and_travel() -> None:
    requests = [at("A", "A"), at("E", "E")]
    problem, booked = setup(requests, {(D1, "am", 1): ["A"]}, days=make_visit_days(2), teams=2)
    answer = ask(problem, booked, "E", policy="fcfs")
    keys = [(o.date, o.half, o.team) for o in answer.offers]
    assert len(keys) == len(set(keys)) == 8
    first = answer.offers[0]
    assert (first.date, first.half, first.team, first.position) == (D1, "am", 1, 2)
    assert first.eta == problem.config.times.home_eta("am", 2)
    assert first.travel_from_previous_min == problem.minutes(D1, "A", "E")
    assert first.moves == ()


def test_insertion_before_confirmed_visits_renumbers_them() -> None:
    requests = [at("A1", "A"), at("A2", "A"), at("A", "A"), at("E", "E"), at("W", "W")]
    layout = {(D1, "am", 1): ["A1", "A2"], (D1, "pm", 1): ["A", "E"]}
    problem, booked = setup(requests, layout, days=make_visit_days(1, pm_slots=3))
    assert ask(problem, booked, "W", policy="fcfs").offers == ()  # appending breaks the 15 min
    offer = ask(problem, booked, "W", policy="smart").offers[0]
    assert (offer.half, offer.position, offer.eta) == ("pm", 1, "14:00")
    assert [(v.request, v.position, v.eta) for v in offer.moves] == [
        ("A", 2, "14:30-15:30"), ("E", 3, "15:00-16:00")]
    assert check_plan(problem, plan_with(problem, book(booked, offer))) == []


def test_smart_and_fcfs_put_wish_meeting_offers_first() -> None:
    days = make_visit_days(5)  # Wed 17 .. Tue 23 June
    x = at("X", "A", weekdays=[0], half="pm")  # Mondays, afternoons
    problem, booked = setup([x], {}, days=days)
    for policy in ("smart", "fcfs"):
        offers = ask(problem, booked, "X", policy=policy).offers
        assert offers[0].wish_met and (offers[0].date.weekday(), offers[0].half) == (0, "pm")
        assert [o.wish_met for o in offers] == sorted((o.wish_met for o in offers), reverse=True)


def _both_mornings_full(days: Any) -> tuple[Any, list[Visit]]:
    """A Tuesday-morning caller X at A; every morning of `days` is full."""
    fill = [at(f"A{i}", "A") for i in range(2 * len(days))]
    x = at("X", "A", weekdays=[1], half="am")
    layout = {(day.date, "am", 1): [f"A{2 * i}", f"A{2 * i + 1}"] for i, day in enumerate(days)}
    return setup([*fill, x], layout, days=days)


def test_smart_puts_a_partial_wish_match_first_among_close_offers() -> None:
    days = make_visit_days(2, start=dt.date(2026, 6, 22))  # Mon 22, Tue 23 June
    problem, booked = _both_mornings_full(days)
    offers = ask(problem, booked, "X", policy="smart").offers
    assert [(o.date, o.half, o.meets) for o in offers] == [
        (days[1].date, "pm", ("weekdays",)), (days[0].date, "pm", ())]
    assert not any(o.wish_met for o in offers)
    # fcfs stays the paper calendar: the earliest first
    assert [o.date for o in ask(problem, booked, "X", policy="fcfs").offers] == [
        days[0].date, days[1].date]


def test_a_partial_wish_match_is_a_tie_break_not_a_tier() -> None:
    """A Tuesday afternoon a week later does not jump an earlier Monday afternoon: taking later
    days for half a wish cost served requests in the benchmarks (module doc)."""
    days = make_visit_days(2, start=dt.date(2026, 6, 22), step=6)  # Mon 22, Tue 30 June
    problem, booked = _both_mornings_full(days)
    offers = ask(problem, booked, "X", policy="smart").offers
    assert [(o.date, o.meets) for o in offers] == [(days[0].date, ()), (days[1].date, ("weekdays",))]


def test_offers_say_which_wishes_they_meet() -> None:
    days = make_visit_days(5)  # Wed 17 .. Tue 23 June
    x = at("X", "A", weekdays=[1], half="am")
    problem, booked = setup([x], {}, days=days)
    for offer in ask(problem, booked, "X").offers:
        assert ("weekdays" in offer.meets) == (offer.date.weekday() == 1)
        assert ("half" in offer.meets) == (offer.half == "am")
        assert offer.wish_met == (len(offer.meets) == 2)
    y = at("Y", "A")
    problem, booked = setup([y], {}, days=days)
    assert all(o.meets == () and not o.wish_met for o in ask(problem, booked, "Y").offers)


def test_fcfs_takes_the_earliest() -> None:
    requests = [at("A", "A"), at("Z", "Z")]
    problem, booked = setup(requests, {(D1, "am", 1): ["A"]}, days=make_visit_days(3))
    offers = ask(problem, booked, "Z", policy="fcfs").offers
    assert (offers[0].date, offers[0].half) == (D1, "pm")
    keys = [(o.date, o.half, o.team) for o in offers]
    assert keys == sorted(keys)


def test_smart_pairs_a_nearby_caller_with_a_lone_visit() -> None:
    requests = [at("A", "A"), at("E", "E")]
    problem, booked = setup(requests, {(D1, "pm", 1): ["A"]}, days=make_visit_days(3))
    first = ask(problem, booked, "E", policy="smart").offers[0]
    assert (first.date, first.half, first.position) == (D1, "pm", 2)


def test_split_facility_offer_books_both_halves() -> None:
    days = make_visit_days(3, kinds=["home", "facility", "facility"])
    f = make_request("F", kind="facility", applicants=30, received=D1 - dt.timedelta(days=60))
    problem, booked = setup([f, make_request("G", kind="facility", applicants=8,
                                             received=D1 - dt.timedelta(days=60))],
                            {(days[1].date, "pm", 1): [("G", 8)]}, days=days)
    answer = ask(problem, booked, "F", policy="fcfs")
    first = answer.offers[0]
    assert [(v.date, v.half, v.applicants) for v in first.parts] == [
        (days[1].date, "am", 15), (days[2].date, "am", 15)]
    assert [(v.date, v.half) for v in answer.offers[1].parts] == [
        (days[2].date, "am"), (days[2].date, "pm")]
    assert verdicts(answer) == {days[0].date: ("no_visit_day",)}
    for offer in answer.offers:
        assert check_plan(problem, plan_with(problem, book(booked, offer))) == []


# --- properties --------------------------------------------------------------------------


@st.composite
def small_problems(draw: Any) -> Any:
    n_days = draw(st.integers(3, 7))
    kinds = draw(st.lists(st.sampled_from(["home", "home", "facility"]), min_size=n_days,
                          max_size=n_days))
    pm = draw(st.lists(st.sampled_from([2, 3]), min_size=n_days, max_size=n_days))
    days = make_visit_days(n_days, kinds=kinds, pm_slots=pm, step=2)
    requests = random_requests(draw(st.integers(2, 16)), draw(st.integers(0, 2)),
                               seed=draw(st.integers(0, 10_000)), last=dt.date(2026, 7, 10),
                               window_days=(3, 30))
    return make_problem(make_scenario(requests, days, teams=draw(st.integers(1, 2))))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=small_problems(), policy=st.sampled_from(["smart", "fcfs"]),
       pick=st.integers(0, 100))
def test_every_offer_is_feasible(problem: Any, policy: Any, pick: int) -> None:
    """Booking any offer to any call of a replay gives a plan `check_plan` accepts."""
    calls = list(replay(problem, policy))
    order = arrival_order(problem.requests)
    call = calls[pick % len(calls)]
    i = order.index(call.request)
    before = list(calls[i - 1].booked) if i else []
    answer = offer_slots(problem, before, call.request, policy, order[:i])
    assert answer == call.answer
    keys = [(o.date, o.half, o.team) for o in answer.offers]
    assert len(keys) == len(set(keys))
    offered = {v.date for o in answer.offers for v in o.parts}
    assert offered.isdisjoint(v.date for v in answer.excluded)
    assert bool(answer.offers) != bool(answer.reasons)
    used = {(v.date, v.half) for o in answer.offers for v in o.parts}
    for half in answer.excluded_halves:
        assert half.date in offered and (half.date, half.half) not in used and half.reasons
    assert not (answer.offers and answer.nearest)
    for near in answer.nearest:
        assert not in_window(call.request.wish, near.date)
    for offer in answer.offers:
        assert isinstance(offer, Offer) and offer.parts[0].date == offer.date
        assert check_plan(problem, plan_with(problem, book(before, offer))) == []
