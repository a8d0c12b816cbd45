"""`/api/integrations/{name}/reconcile`: every shop order against the ERP document Brygga made
of it (engine.reconcile), read-only on both sides."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from brygga.connectors.errors import ConnectorError
from brygga.engine.reconcile import reconcile
from brygga.web import scope
from brygga.web.auth import Caller, operator

router = APIRouter(prefix="/api/integrations/{integration}", tags=["reconciliation"])


class ReconcileRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: AwareDatetime | None = Field(None, description="Only orders since (default: all)")


class OrderDifference(BaseModel):
    order: str = Field(description="The shop order number")
    erp_document: str | None = Field(description="The ERP order Brygga linked it to")
    differences: list[str]


class Reconciled(BaseModel):
    compared: int = Field(description="Orders compared against an ERP document")
    differences: list[OrderDifference]
    skipped: dict[str, int]
    headline: str


@router.post("/reconcile", response_model=Reconciled)
async def reconcile_orders(
    request: Request,
    integration: str,
    body: ReconcileRequest | None = None,
    caller: Caller = Depends(operator),
) -> Reconciled:
    """Compare the shop's orders with their ERP orders, to the cent, per VAT rate."""
    state = request.app.state
    with state.db.session() as session:
        scope.integration(session, caller, integration)
    since = body.since if body else None
    try:
        report = await reconcile(state.db, state.box, integration, since)
    except ConnectorError as exc:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, str(exc)) from None
    return Reconciled(**report.as_dict(), headline=report.headline())
