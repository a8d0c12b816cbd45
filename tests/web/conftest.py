"""The browser fixtures for the dashboard's tests."""

from tests.support.browser import browser, page

__all__ = ["browser", "page"]
