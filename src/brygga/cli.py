"""The `brygga` command line."""

from __future__ import annotations

from pathlib import Path

import typer

from brygga.sandbox.common import SandboxConfig

app = typer.Typer(no_args_is_help=True, help="Brygga: keep your shop and your ERP in step.")
sandbox_app = typer.Typer(no_args_is_help=True, help="Run the emulated shop and ERP APIs.")
app.add_typer(sandbox_app, name="sandbox")


@sandbox_app.command("serve")
def sandbox_serve(
    system: str = typer.Argument(..., help="centra or fortnox"),
    port: int = typer.Option(8080, help="TCP port on 127.0.0.1 (0 picks a free one)"),
    host: str = typer.Option("127.0.0.1", help="Interface to listen on"),
    data_dir: Path | None = typer.Option(None, help="Keep the sandbox's data here"),
    seed: int = typer.Option(42, help="Seed of the deterministic demo data"),
    orders: int = typer.Option(150, help="How many shop orders to seed"),
    rate_limit: bool = typer.Option(True, help="Enforce the real API's rate limits"),
) -> None:
    """Serve one sandbox until interrupted. Data is seeded on first start."""
    from brygga.sandbox.serve import serve

    public_url = f"http://{host}:{port}"
    config = SandboxConfig(data_dir, seed, orders, None, rate_limit, public_url)
    serve(system, config, host=host, port=port)
