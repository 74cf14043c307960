"""Travel times and address lookup behind one small interface (matrix + locate).

    from routing import service_for
    travel = service_for(config.travel)        # engine + fallback + cache, shared per params
    result = travel.matrix([(lat, lng), ...], on=date)   # MatrixResult: minutes, source, estimated
    place = travel.locate("小樽市稲穂2丁目5-1")            # Location: lat, lng, precision, matched

`routing.locate.locate_address` is the offline-only lookup the booking form uses.
"""

from routing.base import LocateError, Location, MatrixResult, TravelService
from routing.params import TravelParams
from routing.service import forget_cached_points, service_for

__all__ = [
    "LocateError",
    "Location",
    "MatrixResult",
    "TravelParams",
    "TravelService",
    "forget_cached_points",
    "service_for",
]
