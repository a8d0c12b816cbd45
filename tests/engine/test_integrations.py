"""Setting up an integration from a pair template: flows on or off, reversed, with settings."""

import pytest
from sqlalchemy import select

from brygga.engine.integrations import ConnectionSettings, FlowChoice, configure
from brygga.pairs import ENTITIES, PAIRS
from brygga.store import Database, Flow, Integration, SecretBox

SHOP = ConnectionSettings("shop", "centra", "http://127.0.0.1:9", {"token": "t"})
ERP = ConnectionSettings("erp", "fortnox", "http://127.0.0.1:9", {"client_id": "c"})


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'brygga.db'}")
    database.migrate()
    yield database
    database.dispose()


def flows(db: Database) -> dict[str, Flow]:
    with db.session() as session:
        rows = session.scalars(select(Flow)).all()
        session.expunge_all()
    return {row.name: row for row in rows}


def test_every_pair_runs_every_flow_in_the_directions_of_the_design():
    assert set(PAIRS) == {
        "centra-fortnox",
        "fortnox-magento",
        "centra-vismanet",
        "magento-vismanet",
    }
    for pair in PAIRS.values():
        assert [flow.name for flow in pair.flows][:2] == ["customers", "orders"]
        assert {flow.name for flow in pair.flows} == set(ENTITIES)
        directions = {flow.name: pair.systems(flow) for flow in pair.flows}
        for shop_to_erp in ("customers", "orders", "refunds", "payments"):
            assert directions[shop_to_erp] == (pair.shop, pair.erp)
        for erp_to_shop in ("stock", "invoices", "credit_notes"):
            assert directions[erp_to_shop] == (pair.erp, pair.shop)
        products = (pair.erp, pair.shop) if pair.shop == "centra" else (pair.shop, pair.erp)
        assert directions["products"] == products
        names = [flow.name for flow in pair.flows]
        assert names.index("refunds") < names.index("credit_notes")


def test_a_flow_can_be_switched_off_and_given_settings(db, tmp_path):
    box = SecretBox.from_environment(tmp_path)
    configure(db, box, name="shop", pair="centra-fortnox", shop=SHOP, erp=ERP)
    assert all(flow.enabled for flow in flows(db).values())

    choices = {"stock": FlowChoice(enabled=False), "payments": FlowChoice(settings={"x": 1})}
    configure(db, box, name="shop", pair="centra-fortnox", shop=SHOP, erp=ERP, flows=choices)
    saved = flows(db)
    assert not saved["stock"].enabled and saved["payments"].settings == {"x": 1}
    with db.session() as session:  # the choices changed this integration, not a new one
        assert session.scalars(select(Integration.name)).all() == ["shop"]

    # A later configure without choices keeps the merchant's earlier ones.
    configure(db, box, name="shop", pair="centra-fortnox", shop=SHOP, erp=ERP)
    assert not flows(db)["stock"].enabled


def test_a_flow_is_reversed_only_where_both_systems_can(db, tmp_path):
    box = SecretBox.from_environment(tmp_path)
    with pytest.raises(ValueError, match="orders cannot run from fortnox to centra"):
        configure(
            db,
            box,
            name="shop",
            pair="centra-fortnox",
            shop=SHOP,
            erp=ERP,
            flows={"orders": FlowChoice(reversed=True)},
        )
    assert flows(db) == {}  # nothing half-saved
