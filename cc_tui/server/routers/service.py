"""Service: health (no auth)."""

from __future__ import annotations

from fastapi import APIRouter

from cc_tui.api.auth import Health

router = APIRouter(tags=["service"])


@router.get("/health")
async def health() -> Health:
    return Health()
