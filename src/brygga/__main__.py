from brygga.cli import app

app()
