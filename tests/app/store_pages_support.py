"""Helpers of the store pages' app tests: a PostGIS database per test, a grep of everything a page sent."""

from __future__ import annotations

import os
import secrets
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from streamlit.testing.v1 import AppTest

ADMIN_URL = os.environ.get("MAPDATA_TEST_POSTGRES", "postgresql://postgres@localhost:5432/postgres")
PASSWORD = "s3cret-Hunter2"


def everything_shown(at: AppTest) -> str:
    """Every element the page sent (its protobuf text), for a grep."""
    out: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(str(proto))
        children = getattr(node, "children", None)
        for child in children.values() if isinstance(children, dict) else children or ():
            walk(child)

    walk(at._tree)
    return "\n".join(out)


def unescaped_markup(markdown: str) -> list[str]:
    """The characters that would make Markdown (an image, a link, HTML) without a backslash before them."""
    return [ch for i, ch in enumerate(markdown) if ch in "![]()<>" and (i == 0 or markdown[i - 1] != "\\")]


def with_password(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return parts._replace(netloc=f"{parts.username}:{PASSWORD}@{parts.hostname}:{parts.port or 5432}").geturl()


@contextmanager
def pg_database() -> Iterator[str]:
    """A new PostGIS database (dropped afterwards), its URL with a password in it."""
    name = f"mapdata_test_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = urllib.parse.urlsplit(ADMIN_URL)._replace(path=f"/{name}").geturl()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
    try:
        yield with_password(url)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def terminate_backends(url: str) -> int:
    """Drop every connection to ``url``'s database, as a restart or a failover would; returns how many."""
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        return len(
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            ).fetchall()
        )


def allow_connections(url: str, allowed: bool) -> None:
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS {'true' if allowed else 'false'}")
