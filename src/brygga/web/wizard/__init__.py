"""The setup wizard: choose a pair, connect both systems, test, set up, try one order, activate."""

from fastapi import APIRouter

routers: list[APIRouter] = []
