"""Routing engines, fallback and cache against local fake servers in the engines' wire formats."""

from __future__ import annotations

import datetime as dt
import logging
import socket
import threading

import numpy as np
import pytest

from routing import TravelService, service_for
from routing.base import EngineError, LocateError
from routing.engines import OrsEngine, OsrmEngine, rectangle_tiles
from routing.estimate import estimate_matrix
from routing.geocode import NominatimGeocoder
from routing.params import TravelParams
from routing.service import (
    CachedService,
    EngineService,
    FallbackService,
    Locator,
    build_service,
    is_fallback,
)
from tests.routing.fakes import (
    fake_seconds,
    nominatim_reply,
    ors_reply,
    ors_routes_asked,
    osrm_reply,
    serve,
)

POINTS = [(43.1907, 141.0028), (43.19482, 140.997648), (43.2251, 140.9937),
          (43.183486, 141.277329), (43.176659, 141.023462)]
SUMMER = dt.date(2026, 7, 1)
WINTER = dt.date(2026, 12, 10)


def expected_minutes(points: list[tuple[float, float]]) -> np.ndarray:
    return np.array([[fake_seconds(a, b) / 60 for b in points] for a in points])


def engine_params(model: str, url: str, **extra: object) -> TravelParams:
    extra.setdefault("timeout_s", 0.3)
    return TravelParams(model=model, url=url, **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(("model", "reply"), [("ors", ors_reply), ("osrm", osrm_reply)])
def test_engine_minutes_come_from_the_server(model, reply):
    with serve(reply) as server:
        result = build_service(engine_params(model, server.url)).matrix(POINTS, SUMMER)
    assert result.source == model
    assert result.estimated is False
    np.testing.assert_allclose(result.minutes, expected_minutes(POINTS), atol=1e-9)
    assert server.calls == 1


def test_ors_request_is_the_v2_matrix_format():
    with serve(ors_reply) as server:
        build_service(engine_params("ors", server.url, api_key="KEY")).matrix(POINTS, SUMMER)
    seen = server.seen[0]
    assert seen.method == "POST"
    assert seen.path.startswith("/v2/matrix/driving-car")
    assert seen.body["locations"] == [[lng, lat] for lat, lng in POINTS]
    assert seen.body["metrics"] == ["duration"]
    assert seen.headers["Authorization"] == "KEY"


def test_the_ors_key_can_come_from_the_environment_instead_of_the_season(monkeypatch):
    monkeypatch.setenv("ORS_API_KEY", "ENV-KEY")
    with serve(ors_reply) as server:
        build_service(engine_params("ors", server.url)).matrix(POINTS, SUMMER)
    assert server.seen[0].headers["Authorization"] == "ENV-KEY"
    assert "ENV-KEY" not in repr(TravelParams(model="ors"))


def test_osrm_request_is_the_table_service_format():
    with serve(osrm_reply) as server:
        build_service(engine_params("osrm", server.url)).matrix(POINTS[:2], SUMMER)
    seen = server.seen[0]
    assert seen.method == "GET"
    assert seen.path == "/table/v1/driving/141.002800,43.190700;140.997648,43.194820"
    assert seen.query == {"annotations": ["duration"]}


@pytest.mark.parametrize(("engine_cls", "reply", "max_locations"),
                         [(OrsEngine, ors_reply, None), (OsrmEngine, osrm_reply, 4)])
def test_large_matrices_are_tiled_and_reassembled(engine_cls, reply, max_locations):
    points = [(43.15 + 0.01 * k, 140.95 + 0.013 * k) for k in range(5)]
    with serve(reply) as server:
        engine = engine_cls(engine_params(engine_cls.name, server.url), block=2)
        minutes = engine.durations_between(points, range(5), range(5))
    np.testing.assert_allclose(minutes, expected_minutes(points), atol=1e-9)
    planned = list(rectangle_tiles(range(5), range(5), 2, max_locations))
    assert server.calls == len(planned) > 1


def test_winter_divides_engine_minutes_by_the_factor():
    with serve(osrm_reply) as server:
        service = build_service(engine_params("osrm", server.url))
        summer = service.matrix(POINTS, SUMMER).minutes
        winter = service.matrix(POINTS, WINTER).minutes
    np.testing.assert_allclose(winter, summer / 0.8)


def test_pairs_without_a_route_are_estimated_and_marked():
    with serve(osrm_reply, mode="some_null") as server:
        params = engine_params("osrm", server.url)
        result = build_service(params).matrix(POINTS, SUMMER)
    assert result.estimated is True
    assert result.source == "osrm (1 pairs estimated: no route)"
    assert result.minutes[0, 1] == pytest.approx(estimate_matrix(POINTS, None, params)[0, 1])
    assert result.minutes[1, 0] == pytest.approx(fake_seconds(POINTS[1], POINTS[0]) / 60)


FAILURES = [
    ("slow", "timed out"),
    ("500", "HTTP 500"),
    ("malformed", "not JSON"),
    ("wrong_shape", "durations matrix"),
    ("no_route", "no route between any points"),
]


@pytest.mark.parametrize(("model", "reply"), [("ors", ors_reply), ("osrm", osrm_reply)])
@pytest.mark.parametrize(("mode", "reason"), FAILURES)
def test_engine_failures_fall_back_to_the_estimate(model, reply, mode, reason, caplog):
    with serve(reply, mode=mode, delay_s=1.5) as server:
        params = engine_params(model, server.url)
        with caplog.at_level(logging.WARNING, logger="routing.service"):
            result = build_service(params).matrix(POINTS, WINTER)
    assert result.estimated is True
    assert result.source.startswith("estimate (fallback: ")
    assert reason in result.source and model in result.source
    np.testing.assert_allclose(result.minutes, estimate_matrix(POINTS, WINTER, params))
    assert any("offline estimate" in r.getMessage() and reason in r.getMessage()
               for r in caplog.records)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("model", ["ors", "osrm"])
def test_unreachable_server_falls_back(model):
    result = build_service(engine_params(model, closed_port_url())).matrix(POINTS, SUMMER)
    assert is_fallback(result)
    assert "request failed" in result.source


def test_after_a_failure_the_engine_rests_then_is_retried():
    now = [0.0]
    with serve(osrm_reply, mode="500") as server:
        params = engine_params("osrm", server.url)
        service = FallbackService(EngineService(params, OsrmEngine(params)), cooldown_s=60,
                                  clock=lambda: now[0])
        assert is_fallback(service.matrix(POINTS, SUMMER))
        assert is_fallback(service.matrix(POINTS, SUMMER))
        assert server.calls == 1  # the second call did not wait for a failing server
        server.mode = "ok"
        now[0] = 61.0
        result = service.matrix(POINTS, SUMMER)
    assert result.source == "osrm"
    assert server.calls == 2


def test_second_matrix_call_is_served_from_the_cache():
    with serve(ors_reply) as server:
        service = build_service(engine_params("ors", server.url))
        first = service.matrix(POINTS, SUMMER)
        again = service.matrix(POINTS, dt.date(2026, 8, 20))  # another summer date
        assert server.calls == 1
        assert again is first
        winter = service.matrix(POINTS, WINTER)
        assert server.calls == 1  # the engine's summer minutes, divided by the winter factor
        assert service.matrix(POINTS, dt.date(2026, 12, 24)) is winter
        assert server.calls == 1
    assert (service.hits, service.misses) == (2, 2)
    with pytest.raises(ValueError):
        first.minutes[0, 1] = 0.0  # shared, read-only


def test_a_new_point_costs_the_engine_one_row_and_one_column():
    """A slot search adds the caller to the season's points: only the caller's pairs are
    asked for, and the answer is the same as asking for the whole matrix."""
    season, caller = POINTS[:4], POINTS[4]
    with serve(ors_reply) as server:
        service = build_service(engine_params("ors", server.url))
        service.matrix(season, SUMMER)
        before = len(server.seen)
        result = service.matrix([season[0], caller, *season[1:]], SUMMER)
        asked = server.seen[before:]
    np.testing.assert_allclose(result.minutes,
                               expected_minutes([season[0], caller, *season[1:]]), atol=1e-9)
    assert ors_routes_asked(asked) == 2 * len(POINTS) - 1  # caller x all + season x caller
    assert all(request.body.get("sources") is not None for request in asked)


@pytest.mark.parametrize(("engine_cls", "reply", "max_locations"),
                         [(OrsEngine, ors_reply, None), (OsrmEngine, osrm_reply, 4)])
def test_rectangles_are_tiled_within_the_route_limit(engine_cls, reply, max_locations):
    points = [(43.15 + 0.01 * k, 140.95 + 0.013 * k) for k in range(7)]
    with serve(reply) as server:
        engine = engine_cls(engine_params(engine_cls.name, server.url), block=2)
        minutes = engine.durations_between(points, [6, 1, 3], range(7))
    np.testing.assert_allclose(minutes, expected_minutes(points)[[6, 1, 3]], atol=1e-9)
    planned = list(rectangle_tiles([6, 1, 3], range(7), 2, max_locations))
    assert server.calls == len(planned)
    assert all(len(src) * len(dst) <= 2 * 2 for src, dst in planned)


def test_a_single_point_is_not_asked_of_the_engine():
    with serve(ors_reply) as server:
        service = build_service(engine_params("ors", server.url))
        assert service.matrix(POINTS[:1], SUMMER).minutes.tolist() == [[0.0]]
        assert server.calls == 0
        result = service.matrix(POINTS[:2], SUMMER)
    np.testing.assert_allclose(result.minutes, expected_minutes(POINTS[:2]), atol=1e-9)
    assert result.source == "ors"


@pytest.mark.parametrize("block", [1, 2, 3, 5, 50])
@pytest.mark.parametrize("max_locations", [None, 4])
def test_rectangle_tiles_cover_every_pair_within_the_limits(block, max_locations):
    most = max(2, max_locations or 4 * block)
    for ns in range(12):
        for nd in range(12):
            src, dst = list(range(ns)), list(range(100, 100 + nd))
            planned = list(rectangle_tiles(src, dst, block, max_locations))
            assert sorted((s, d) for a, b in planned for s in a for d in b) == sorted(
                (s, d) for s in src for d in dst)
            assert all(len(a) * len(b) <= block * block and len(a) + len(b) <= most
                       for a, b in planned)


def test_osrm_puts_no_more_coordinates_in_a_url_than_a_square_tile():
    points = [(43.15 + 0.01 * k, 140.95 + 0.013 * k) for k in range(9)]
    with serve(osrm_reply) as server:
        engine = OsrmEngine(engine_params("osrm", server.url), block=2)
        minutes = engine.durations_between(points, [8], range(9))
    np.testing.assert_allclose(minutes, expected_minutes(points)[[8]], atol=1e-9)
    assert all(len(seen.path.rsplit("/", 1)[1].split(";")) <= 4 for seen in server.seen)


def test_any_order_and_duplicates_give_the_full_matrix():
    with serve(osrm_reply) as server:
        params = engine_params("osrm", server.url)
        service = EngineService(params, OsrmEngine(params), max_points=4)
        rng = np.random.default_rng(1)
        for _ in range(30):
            points = [POINTS[int(i)] for i in rng.integers(0, len(POINTS), size=rng.integers(1, 7))]
            np.testing.assert_allclose(service.matrix(points, SUMMER).minutes,
                                       expected_minutes(points), atol=1e-9)


def test_a_point_without_routes_is_asked_again_next_time():
    """A new point the engine answered with no route (a hiccup, or a point off the road
    network) is estimated now and asked again later, not stored as unroutable."""
    with serve(osrm_reply) as server:
        params = engine_params("osrm", server.url)
        service = EngineService(params, OsrmEngine(params))
        service.matrix(POINTS[:3], SUMMER)
        server.mode = "no_route"
        hiccup = service.matrix(POINTS[:4], SUMMER)
        assert hiccup.estimated and "pairs estimated" in hiccup.source
        server.mode = "ok"
        before = server.calls
        again = service.matrix([POINTS[0], POINTS[3]], SUMMER)
        assert server.calls > before
    np.testing.assert_allclose(again.minutes, expected_minutes([POINTS[0], POINTS[3]]),
                               atol=1e-9)
    assert again.source == "osrm"


def test_concurrent_searches_do_not_wait_for_each_others_requests():
    """Each slot search adds its own caller; their engine requests run at the same time
    rather than one after another behind a lock (a slow or dead engine would otherwise cost
    the k-th operator k timeouts)."""
    with serve(osrm_reply) as server:
        params = engine_params("osrm", server.url, timeout_s=5.0)
        service = EngineService(params, OsrmEngine(params))
        service.matrix(POINTS[:2], SUMMER)
        server.mode, server.delay_s = "slow", 0.3
        results: dict[int, np.ndarray] = {}

        def search(k: int) -> None:
            results[k] = service.matrix([*POINTS[:2], POINTS[k]], SUMMER).minutes

        threads = [threading.Thread(target=search, args=(k,)) for k in (2, 3, 4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert server.most_in_flight >= 2
    for k, minutes in results.items():
        np.testing.assert_allclose(minutes, expected_minutes([*POINTS[:2], POINTS[k]]),
                                   atol=1e-9)


def test_a_failed_growth_stores_nothing_and_is_asked_again():
    with serve(osrm_reply) as server:
        params = engine_params("osrm", server.url)
        service = EngineService(params, OsrmEngine(params))
        service.matrix(POINTS[:3], SUMMER)
        server.mode = "500"
        with pytest.raises(EngineError):
            service.matrix(POINTS, SUMMER)
        server.mode = "ok"
        again = service.matrix(POINTS, SUMMER)
    np.testing.assert_allclose(again.minutes, expected_minutes(POINTS), atol=1e-9)
    assert again.source == "osrm"


def test_the_pair_store_starts_afresh_past_its_limit():
    with serve(osrm_reply) as server:
        params = engine_params("osrm", server.url)
        service = EngineService(params, OsrmEngine(params), max_points=4)
        service.matrix(POINTS[:3], SUMMER)
        result = service.matrix(POINTS[2:], SUMMER)  # 3 known + 2 new > 4
    np.testing.assert_allclose(result.minutes, expected_minutes(POINTS[2:]), atol=1e-9)
    assert len(service._index) == 3


def test_fallback_results_are_not_cached():
    with serve(osrm_reply, mode="500") as server:
        params = engine_params("osrm", server.url)
        service = CachedService(FallbackService(EngineService(params, OsrmEngine(params)),
                                                cooldown_s=0.0))
        assert is_fallback(service.matrix(POINTS, SUMMER))
        server.mode = "ok"
        assert service.matrix(POINTS, SUMMER).source == "osrm"
        assert server.calls == 2


def test_estimate_service_is_cached_and_marked_estimated():
    service = build_service(TravelParams())
    first = service.matrix(POINTS, SUMMER)
    assert service.matrix(POINTS, SUMMER) is first
    assert (first.source, first.estimated) == ("estimate", True)


def test_services_satisfy_the_interface():
    with serve(osrm_reply) as server:
        for params in (TravelParams(), engine_params("osrm", server.url)):
            assert isinstance(build_service(params), TravelService)


def test_service_for_shares_one_service_per_params():
    assert service_for(TravelParams()) is service_for(TravelParams())
    assert service_for(TravelParams()) is not service_for(TravelParams(speed_kmh=30.0))


def test_engines_need_a_server():
    with pytest.raises(ValueError, match="travel.url"):
        build_service(TravelParams(model="osrm"))
    with pytest.raises(ValueError, match="api_key"):
        build_service(TravelParams(model="ors"))


# --- geocoder -------------------------------------------------------------------------------

def test_geocoder_places_what_the_gazetteer_does_not_know():
    places = {"運河プラザ": (43.19936, 141.00242)}
    with serve(nominatim_reply(places)) as server:
        service = build_service(TravelParams(geocoder_url=server.url, timeout_s=0.3))
        found = service.locate("運河プラザ")
        service.locate("小樽市 運河プラザ")  # already says 小樽: sent as typed
    assert (found.lat, found.lng, found.precision) == (43.19936, 141.00242, "geocoder")
    assert found.matched.startswith("運河プラザ")
    assert server.seen[1].query["q"] == ["小樽市 運河プラザ"]
    query = server.seen[0].query
    assert query["q"] == ["北海道小樽市 運河プラザ"]
    assert query["format"] == ["json"] and query["countrycodes"] == ["jp"]
    assert query["bounded"] == ["1"]


def test_geocoder_is_not_asked_when_the_gazetteer_knows():
    with serve(nominatim_reply({})) as server:
        service = build_service(TravelParams(geocoder_url=server.url))
        assert service.locate("稲穂2丁目").precision == "chome"
        with pytest.raises(LocateError) as bad_chome:
            service.locate("稲穂9丁目")
    assert bad_chome.value.reason == "bad_chome"
    assert server.calls == 0


def test_geocoder_result_outside_otaru_is_ignored():
    with serve(nominatim_reply({"時計台": (43.0626, 141.3536)})) as server:  # Sapporo
        service = build_service(TravelParams(geocoder_url=server.url))
        with pytest.raises(LocateError) as error:
            service.locate("時計台")
    assert error.value.reason == "unknown_town"
    assert server.calls == 1


@pytest.mark.parametrize("mode", ["slow", "500", "malformed"])
def test_geocoder_failure_keeps_the_offline_message(mode, caplog):
    with serve(nominatim_reply({}), mode=mode, delay_s=1.5) as server:
        locator = Locator(geocoder=NominatimGeocoder(server.url, timeout_s=0.3))
        with caplog.at_level(logging.WARNING, logger="routing.service"), \
                pytest.raises(LocateError) as error:
            locator.locate("稲ほ2丁目")
    assert "近い町名: 稲穂" in str(error.value)
    assert any("geocoder failed" in r.getMessage() for r in caplog.records)


def test_engine_error_is_a_runtime_error():
    assert issubclass(EngineError, RuntimeError)
