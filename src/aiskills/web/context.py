"""What a request handler reads from the app: the settings and the store ``create_app`` built once."""

from __future__ import annotations

from flask import current_app

from aiskills.config import Settings
from aiskills.store.base import Store


def settings() -> Settings:
    return current_app.extensions["aiskills"]["settings"]  # type: ignore[no-any-return]


def store() -> Store:
    return current_app.extensions["aiskills"]["store"]  # type: ignore[no-any-return]
