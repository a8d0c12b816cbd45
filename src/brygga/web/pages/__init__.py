"""The dashboard's pages (server-rendered, Jinja2)."""

from fastapi import APIRouter

routers: list[APIRouter] = []
