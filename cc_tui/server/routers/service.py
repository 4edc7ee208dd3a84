"""Service: health and the service status (no auth).

The status is the domain calendar's answer for the server clock's "now" and the
maintenance window in the server settings (the window is a setting because the FAQ's
"12:00am on Sunday" is read both ways). `portal_id` is the portal's identity, made with its
data directory (store/identity.py): clients key local state by it, not by URL.
"""

from __future__ import annotations

from fastapi import APIRouter

from cc_tui.api.auth import Health, ServiceStatus
from cc_tui.domain import calendar
from cc_tui.server.deps import Context
from cc_tui.server.store import identity

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
        portal_id=identity.portal_id(context.db.connect()),
    )
