"""The CP-SAT season planner: its plans obey every rule and its objective is lexicographic."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.check import check_plan
from solver.plan_model import solve_plan
from solver.season import VisitDay
from tests.solver.factories import (
    make_problem,
    make_request,
    make_scenario,
    make_visit_days,
    otaru_points,
    random_requests,
)

D1 = dt.date(2026, 6, 17)
D2 = dt.date(2026, 6, 18)
LAT, LNG = 43.19, 141.00
TIME = 5.0


def _solve(requests: list[Any], days: Any, **rules: Any) -> tuple[Any, Any]:
    problem = make_problem(make_scenario(requests, days, **rules))
    plan = solve_plan(problem, time_limit_s=TIME)
    assert check_plan(problem, plan) == []
    return problem, plan


def _unassigned(plan: Any) -> dict[str, tuple[str, ...]]:
    return {u.request: u.reasons for u in plan.unassigned}


def test_everything_fits_and_is_proven_optimal() -> None:
    requests = [make_request(f"H{i}", lat=LAT + 0.002 * i, lng=LNG) for i in range(4)]
    _problem, plan = _solve(requests, [VisitDay(D1, "home", 2)])
    assert plan.stats.assigned == 4
    assert plan.stats.status == "OPTIMAL"
    assert plan.stats.bound_assigned == 4


def test_capacity_leaves_the_fifth_out_and_says_why() -> None:
    requests = [make_request(f"H{i}", lat=LAT + 0.002 * i, lng=LNG) for i in range(5)]
    _problem, plan = _solve(requests, [VisitDay(D1, "home", 2)])
    assert plan.stats.assigned == 4
    assert plan.stats.bound_assigned == 4
    assert list(_unassigned(plan).values()) == [("capacity",)]


def test_pm_third_slot_used_only_within_the_third_visit_cap() -> None:
    near = [make_request(f"N{i}", lat=LAT + 0.003 * i, lng=LNG) for i in range(5)]
    _problem, plan = _solve(near, [VisitDay(D1, "home", 3)])
    assert plan.stats.assigned == 5  # AM 2 + PM 3
    # Three homes pairwise ~18-22 min apart: the 3rd leg always breaks the 15-minute cap.
    spread = [make_request(f"S{i}", lat=LAT + 0.06 * i, lng=LNG) for i in range(3)]
    spread += [make_request("A1", lat=LAT - 0.3, lng=LNG), make_request("A2", lat=LAT - 0.3,
                                                                         lng=LNG + 0.001)]
    problem, plan = _solve(spread, [VisitDay(D1, "home", 3)])
    pm = [v for v in plan.visits if v.half == "pm"]
    assert len(pm) <= 2 or all(
        problem.minutes(D1, a.request, b.request) <= problem.rules.third_visit_travel_cap_min
        for a, b in zip(pm[1:], pm[2:], strict=False))
    assert plan.stats.assigned == 4
    assert set(_unassigned(plan).values()) <= {("capacity",), ("third_visit_travel_cap",),
                                                ("capacity", "third_visit_travel_cap")}


def test_travel_cap_keeps_far_homes_apart() -> None:
    requests = [
        make_request("A", lat=LAT, lng=LNG),
        make_request("B", lat=LAT + 0.12, lng=LNG),  # ~43 min away
        make_request("C", lat=LAT + 0.24, lng=LNG),  # ~43 min from B, ~86 from A
    ]
    problem, plan = _solve(requests, [VisitDay(D1, "home", 2)])
    assert plan.stats.assigned == 2
    assert all(v.position == 1 for v in plan.visits)
    assert "travel_cap" in next(iter(_unassigned(plan).values()))


def test_large_household_takes_the_half_day_alone() -> None:
    requests = [make_request("BIG", lat=LAT, lng=LNG, applicants=6)]
    requests += [make_request(f"H{i}", lat=LAT + 0.001 * i, lng=LNG) for i in range(3)]
    _problem, plan = _solve(requests, [VisitDay(D1, "home", 2)])
    big = next(v for v in plan.visits if v.request == "BIG")
    assert [v.request for v in plan.visits if v.half == big.half] == ["BIG"]
    assert plan.stats.assigned == 3  # most requests: BIG takes one half, two homes the other


def test_applicants_break_ties_between_equal_request_counts() -> None:
    requests = [make_request("ONE", lat=LAT, lng=LNG, applicants=1),
                make_request("FOUR", lat=LAT, lng=LNG + 0.001, applicants=4),
                make_request("THREE", lat=LAT, lng=LNG + 0.002, applicants=3)]
    problem = make_problem(make_scenario(requests, [VisitDay(D1, "home", 1)], home_am_slots=1,
                                         home_pm_slots=1, home_pm_slots_max=1))
    plan = solve_plan(problem, TIME)
    assert check_plan(problem, plan) == []
    assert plan.stats.assigned == 2
    assert plan.stats.applicants_assigned == 7
    assert _unassigned(plan) == {"ONE": ("capacity",)}


def test_requests_count_before_applicants() -> None:
    # One large household (6) or two small homes (1 + 1) in a single half-day.
    requests = [make_request("BIG", lat=LAT, lng=LNG, applicants=6),
                make_request("A", lat=LAT, lng=LNG + 0.001),
                make_request("B", lat=LAT, lng=LNG + 0.002)]
    problem = make_problem(make_scenario(requests, [VisitDay(D1, "home", 0)]))  # no PM
    plan = solve_plan(problem, TIME)
    assert check_plan(problem, plan) == []
    assert {v.request for v in plan.visits} == {"A", "B"}
    assert _unassigned(plan) == {"BIG": ("large_household",)}


def test_soft_wishes_met_when_possible() -> None:
    requests = [
        make_request("PM", lat=LAT, lng=LNG, half="pm"),
        make_request("FRI", lat=LAT + 0.001, lng=LNG, weekdays=[4]),
        make_request("ANY", lat=LAT + 0.002, lng=LNG),
    ]
    days = [VisitDay(D1, "home", 2), VisitDay(dt.date(2026, 6, 19), "home", 2)]
    _problem, plan = _solve(requests, days)
    where = {v.request: v for v in plan.visits}
    assert where["PM"].half == "pm"
    assert where["FRI"].date.weekday() == 4
    assert plan.stats.soft_wishes_met == 2  # ANY states no wish and is not counted


def test_facility_split_over_two_half_days() -> None:
    requests = [make_request("F", kind="facility", lat=LAT, lng=LNG, applicants=30,
                             received=dt.date(2026, 5, 1))]
    _problem, plan = _solve(requests, [VisitDay(D1, "home", 2), VisitDay(D2, "facility", 2)])
    parts = sorted((v.half, v.applicants) for v in plan.visits)
    assert parts == [("am", 15), ("pm", 15)]
    assert all(v.date == D2 and v.eta in ("10:00", "14:00") for v in plan.visits)


def test_facility_needing_more_half_days_than_exist() -> None:
    requests = [make_request("F", kind="facility", lat=LAT, lng=LNG, applicants=50,
                             received=dt.date(2026, 5, 1))]
    _problem, plan = _solve(requests, [VisitDay(D2, "facility", 2)])
    assert _unassigned(plan) == {"F": ("facility_capacity",)}


def test_small_facility_goes_to_a_home_day_with_home_lead_time() -> None:
    requests = [make_request("FS", kind="facility", lat=LAT, lng=LNG, applicants=5)]
    _problem, plan = _solve(requests, [VisitDay(D1, "home", 2), VisitDay(D2, "facility", 2)])
    assert [v.date for v in plan.visits] == [D1]


def test_static_reasons() -> None:
    requests = [
        make_request("LATE", lat=LAT, lng=LNG, received=dt.date(2026, 6, 10)),
        make_request("WIN", lat=LAT, lng=LNG, wish_from=dt.date(2026, 7, 1)),
        make_request("FAC", kind="facility", lat=LAT, lng=LNG, applicants=10,
                     received=dt.date(2026, 5, 1)),
    ]
    _problem, plan = _solve(requests, [VisitDay(D1, "home", 2)])
    assert _unassigned(plan) == {"LATE": ("lead_time",), "WIN": ("window",),
                                 "FAC": ("no_visit_day",)}


def test_pinned_visit_stays_even_if_a_better_plan_moves_it() -> None:
    requests = [make_request("P", lat=LAT, lng=LNG, half="am"),
                make_request("Q", lat=LAT + 0.001, lng=LNG)]
    problem = make_problem(make_scenario(requests, [VisitDay(D1, "home", 2)]))
    from solver.plan_types import Visit

    pin = Visit("P", D1, "pm", 1, 2, 1, problem.config.times.home_eta("pm", 2), None)
    pinned_problem = make_problem(make_scenario(requests, [VisitDay(D1, "home", 2)]),
                                  pinned=[pin])
    plan = solve_plan(pinned_problem, TIME)
    assert check_plan(pinned_problem, plan) == []
    p = next(v for v in plan.visits if v.request == "P")
    assert (p.half, p.position) == ("pm", 2)
    q = next(v for v in plan.visits if v.request == "Q")
    assert (q.half, q.position) == ("pm", 1)  # position 1 must be filled before #2


def test_teams_double_the_capacity() -> None:
    requests = [make_request(f"H{i}", lat=LAT + 0.002 * i, lng=LNG) for i in range(8)]
    _problem, plan = _solve(requests, [VisitDay(D1, "home", 2)], teams=2)
    assert plan.stats.assigned == 8
    assert {v.team for v in plan.visits} == {1, 2}


def test_otaru_sample_is_valid_and_reports_bound() -> None:
    requests = random_requests(30, 2, seed=7)
    days = make_visit_days(12, kinds=["home"] * 5 + ["facility"] + ["home"] * 6, step=5)
    problem = make_problem(make_scenario(requests, days))
    plan = solve_plan(problem, time_limit_s=TIME)
    assert check_plan(problem, plan) == []
    assert plan.stats.bound_assigned is not None
    assert plan.stats.bound_assigned >= plan.stats.assigned
    assert [s["name"] for s in plan.stats.extra["stages"]][0] == "requests"


@st.composite
def small_scenarios(draw: Any) -> Any:
    n_days = draw(st.integers(1, 4))
    kinds = draw(st.lists(st.sampled_from(["home", "facility"]), min_size=n_days,
                          max_size=n_days))
    pm = draw(st.lists(st.sampled_from([2, 3]), min_size=n_days, max_size=n_days))
    days = make_visit_days(n_days, kinds=kinds, pm_slots=pm, step=2)
    n = draw(st.integers(1, 9))
    seed = draw(st.integers(0, 10_000))
    points = otaru_points(n, seed=seed, jitter=0.03)
    requests = []
    for i, (lat, lng) in enumerate(points):
        kind = draw(st.sampled_from(["home", "home", "home", "facility"]))
        applicants = draw(st.integers(1, 45 if kind == "facility" else 7))
        start = draw(st.integers(0, 12))
        requests.append(make_request(
            f"R{i}", kind=kind, lat=lat, lng=lng, applicants=applicants,
            received=dt.date(2026, 5, 1) + dt.timedelta(days=draw(st.integers(0, 30))),
            wish_from=days[0].date + dt.timedelta(days=start - 3),
            wish_to=days[0].date + dt.timedelta(days=start + draw(st.integers(0, 10))),
            weekdays=draw(st.lists(st.integers(0, 4), max_size=2, unique=True)),
            half=draw(st.sampled_from([None, "am", "pm"])),
        ))
    teams = draw(st.integers(1, 2))
    return make_scenario(requests, days, teams=teams)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_scenarios())
def test_every_plan_passes_check(scenario: Any) -> None:
    problem = make_problem(scenario)
    plan = solve_plan(problem, time_limit_s=2.0)
    assert check_plan(problem, plan) == []
    assert plan.stats.bound_assigned is None or plan.stats.bound_assigned >= plan.stats.assigned


def _pinned_problem() -> Any:
    """P pinned alone at PM #2 (its #1 was cancelled): a newcomer must take PM #1."""
    from solver.plan_types import Visit

    requests = [make_request("P", lat=LAT, lng=LNG),
                make_request("Q", lat=LAT + 0.001, lng=LNG, half="pm"),
                make_request("R", lat=LAT + 0.002, lng=LNG)]
    days = [VisitDay(D1, "home", 2), VisitDay(dt.date(2026, 6, 19), "home", 2)]
    scenario = make_scenario(requests, days)
    pin = Visit("P", D1, "pm", 1, 2, 1, scenario.config.times.home_eta("pm", 2), None)
    return make_problem(scenario, pinned=[pin])


def test_greedy_start_keeps_pinned_positions() -> None:
    from solver.plan_model import build_data, greedy_routes, plan_from_routes

    problem = _pinned_problem()
    data = build_data(problem)
    routes = greedy_routes(data)
    assert routes[data.route_of[(D1, "pm", 1)]][1] == "P"
    plan = plan_from_routes(problem, data.routes, routes, data.static, start=None)
    assert check_plan(problem, plan) == []


def test_greedy_start_completes_a_partly_pinned_facility() -> None:
    from solver.plan_model import build_data, greedy_routes, plan_from_routes
    from solver.plan_types import Visit

    d3 = dt.date(2026, 6, 24)
    requests = [make_request("F", kind="facility", lat=LAT, lng=LNG, applicants=40,
                             received=dt.date(2026, 5, 1))]
    days = [VisitDay(D2, "facility", 2), VisitDay(d3, "facility", 2)]
    scenario = make_scenario(requests, days)
    pin = Visit("F", d3, "am", 1, 1, 20, "10:00", None)
    problem = make_problem(scenario, pinned=[pin])
    data = build_data(problem)
    plan = plan_from_routes(problem, data.routes, greedy_routes(data), data.static, start=None)
    assert check_plan(problem, plan) == []
    assert sorted(v.applicants for v in plan.visits) == [20, 20]
    solved = solve_plan(problem, TIME)
    assert check_plan(problem, solved) == []


def test_large_instance_path_keeps_pinned_visits(monkeypatch: Any) -> None:
    """The greedy + LNS path (used above MAX_FULL_MODEL_CANDIDATES) on a small case."""
    import solver.plan_model as plan_model

    problem = _pinned_problem()
    monkeypatch.setattr(plan_model, "MAX_FULL_MODEL_CANDIDATES", 0)
    plan = plan_model.solve_plan(problem, time_limit_s=4.0)
    assert plan.stats.extra["method"] == "greedy+lns"
    assert check_plan(problem, plan) == []
    assert plan.stats.assigned == 3
    assert plan.stats.bound_assigned is not None and plan.stats.bound_assigned >= 3


def test_lns_path_on_a_random_season_is_valid(monkeypatch: Any) -> None:
    import solver.plan_model as plan_model

    requests = random_requests(24, 2, seed=11, first=dt.date(2026, 5, 1),
                               last=dt.date(2026, 6, 15))
    days = make_visit_days(8, kinds=["home"] * 3 + ["facility"] + ["home"] * 4,
                           pm_slots=[2, 3, 2, 2, 3, 2, 2, 3])
    problem = make_problem(make_scenario(requests, days, teams=2))
    full = solve_plan(problem, TIME)
    monkeypatch.setattr(plan_model, "MAX_FULL_MODEL_CANDIDATES", 40)
    plan = plan_model.solve_plan(problem, time_limit_s=6.0)
    assert plan.stats.extra["method"] == "greedy+lns"
    assert check_plan(problem, plan) == []
    assert plan.stats.assigned <= (plan.stats.bound_assigned or 0)
    assert full.stats.assigned <= (plan.stats.bound_assigned or 0)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_scenarios(), st.integers(0, 2**16), st.integers(0, 4))
def test_pinned_visits_stay_put_when_more_requests_arrive(
    scenario: Any, choice: int, extra: int
) -> None:
    import dataclasses

    problem = make_problem(scenario)
    first = solve_plan(problem, time_limit_s=1.0)
    # Pin a pseudo-random subset of the first plan: whole requests (every part of a facility).
    ids = sorted({v.request for v in first.visits})
    keep = {rid for i, rid in enumerate(ids) if (choice >> (i % 16)) & 1}
    pinned = [v for v in first.visits if v.request in keep]
    points = otaru_points(extra, seed=choice, jitter=0.03)
    newcomers = [make_request(f"N{i}", lat=lat, lng=lng, received=dt.date(2026, 5, 1))
                 for i, (lat, lng) in enumerate(points)]
    more = dataclasses.replace(scenario, requests=scenario.requests + tuple(newcomers))
    second_problem = make_problem(more, pinned=pinned)
    second = solve_plan(second_problem, time_limit_s=1.0)
    assert check_plan(second_problem, second) == []  # includes the "pinned" rule
    placed = {(v.request, v.date, v.half, v.team, v.position) for v in second.visits}
    assert {(v.request, v.date, v.half, v.team, v.position) for v in pinned} <= placed


# --- the HiGHS engine: the same model, the same lexicographic optimum ---------------------


def _stage_values(plan: Any) -> list[tuple[str, str, float | None]]:
    return [(s["name"], s["status"], s["value"]) for s in plan.stats.extra["stages"]]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_scenarios())
def test_highs_and_cp_sat_agree_on_the_lexicographic_optimum(scenario: Any) -> None:
    import solver.plan_model as plan_model

    problem = make_problem(scenario)
    highs = plan_model.solve_plan(problem, time_limit_s=TIME)
    assert highs.stats.extra["engine"] == "highs"
    assert check_plan(problem, highs) == []
    previous = plan_model.ENGINE
    plan_model.ENGINE = "cp-sat"
    try:
        cp = plan_model.solve_plan(problem, time_limit_s=TIME)
    finally:
        plan_model.ENGINE = previous
    assert cp.stats.extra["engine"] == "cp-sat"
    if cp.stats.status == "OPTIMAL":  # both proven: the same value at every stage
        assert highs.stats.status == "OPTIMAL"
        assert _stage_values(highs) == _stage_values(cp)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_mip_translation_keeps_enforced_constraints_exact(seed: int) -> None:
    """Random small CP-SAT models with enforcement literals, implications, at-most-one,
    exactly-one and bool-or: HiGHS on the translation finds CP-SAT's optimum."""
    import random

    from ortools.sat.python import cp_model

    from solver.plan_model import run_stages_mip

    rng = random.Random(seed)
    model = cp_model.CpModel()
    xs = [model.new_bool_var(f"x{i}") for i in range(8)]
    n = model.new_int_var(-3, 5, "n")

    def lit() -> Any:
        x = rng.choice(xs)
        return x if rng.random() < 0.5 else x.Not()

    for _ in range(rng.randint(1, 6)):
        kind = rng.randrange(6)
        if kind == 0:
            terms = rng.sample(xs, rng.randint(2, 4))
            model.add(sum(rng.randint(-3, 3) * x for x in terms) + n
                      <= rng.randint(-2, 4)).only_enforce_if(lit())
        elif kind == 1:
            model.add_implication(lit(), lit())
        elif kind == 2:
            model.add_at_most_one(rng.sample(xs, 3))
        elif kind == 3:
            model.add_bool_or([lit(), lit()]).only_enforce_if(lit())
        elif kind == 4:
            model.add(n >= rng.randint(-3, 3)).only_enforce_if([lit(), lit()])
        else:
            model.add_bool_and([lit(), lit()]).only_enforce_if(lit())
    objective = sum(rng.randint(-5, 5) * x for x in xs) + rng.randint(-2, 2) * n
    model.maximize(objective)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    model.clear_objective()
    outcome = run_stages_mip(model, [("only", objective, True)], 10.0)
    if status == cp_model.INFEASIBLE:
        assert outcome is None
        return
    assert outcome is not None
    results, _values = outcome
    assert results[0].status == "OPTIMAL"
    assert results[0].value == round(solver.objective_value)


def test_cp_sat_takes_over_when_the_translation_is_unsupported(monkeypatch: Any) -> None:
    import solver.plan_model as plan_model

    def refuse(_model: Any) -> Any:
        raise plan_model.MipUnsupported("test")

    monkeypatch.setattr(plan_model, "mip_from_cp", refuse)
    requests = [make_request(f"H{i}", lat=LAT + 0.002 * i, lng=LNG) for i in range(4)]
    problem = make_problem(make_scenario(requests, [VisitDay(D1, "home", 2)]))
    plan = plan_model.solve_plan(problem, time_limit_s=TIME)
    assert plan.stats.extra["engine"] == "cp-sat"
    assert plan.stats.status == "OPTIMAL"
    assert check_plan(problem, plan) == []


def test_otaru_sample_is_proven_optimal_by_highs() -> None:
    requests = random_requests(30, 2, seed=7)
    days = make_visit_days(12, kinds=["home"] * 5 + ["facility"] + ["home"] * 6, step=5)
    problem = make_problem(make_scenario(requests, days))
    plan = solve_plan(problem, time_limit_s=20.0)
    assert plan.stats.extra["engine"] == "highs"
    assert plan.stats.status == "OPTIMAL"
    assert [s["status"] for s in plan.stats.extra["stages"]] == ["OPTIMAL"] * 4
    assert check_plan(problem, plan) == []
