"""Brygga keeps an e-commerce platform and an ERP/accounting system in step."""

__version__ = "0.1.0"
