"""Every model, imported in one place so Alembic and the app see the whole schema."""

from app.auth.models import User
from app.bookings.models import Booking, BookingEvent
from app.calls.models import CallRecord
from app.db import Base
from app.facilities.models import (
    FacilityApplicant,
    FacilityCheck,
    FacilityEvent,
    FacilityMeeting,
    FacilityRequest,
    FacilityVisit,
)
from app.incidents.models import Incident, IncidentRevision
from app.opinions.models import Opinion
from app.privacy.models import HandlingLogEntry, HandoverPackage
from app.seasons.models import SeasonChange, SeasonRecord, VisitDayRecord

__all__ = ["Base", "FacilityApplicant", "FacilityCheck", "FacilityEvent", "FacilityMeeting", "FacilityRequest", "FacilityVisit", "Booking", "BookingEvent", "CallRecord", "HandlingLogEntry", "HandoverPackage", "Incident", "IncidentRevision", "Opinion", "SeasonChange", "SeasonRecord", "User", "VisitDayRecord"]
