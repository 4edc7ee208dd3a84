"""Service: health and the service status (no auth).

The status is the domain calendar's answer for the server clock's "now" and the
maintenance window in the server settings (the window is a setting because the FAQ's
"12:00am on Sunday" is read both ways).
"""

from __future__ import annotations

from fastapi import APIRouter

from cc_tui.api.auth import Health, ServiceStatus
from cc_tui.domain import calendar
from cc_tui.server.deps import Context

router = APIRouter(tags=["service"])


@router.get("/health")
async def health() -> Health:
    return Health()


@router.get("/service/status")
async def service_status(context: Context) -> ServiceStatus:
    state = calendar.service_state(context.now(), context.settings.maintenance_window)
    return ServiceStatus(
        now=state.now,
        maintenance=state.maintenance,
        next_maintenance_start=state.next_maintenance_start,
        next_maintenance_end=state.next_maintenance_end,
        business_day=state.business_day,
        message=state.message,
        business_hours=state.business_hours,
        processing_day=state.processing_day,
    )
