"""Pages anyone may open without signing in: the owner's public appointment page (/book)."""

from __future__ import annotations

from fastapi import APIRouter


def public_routers() -> list[APIRouter]:
    from autobook.web.public import book, book_manage, feed

    return [book_manage.router, book.router, feed.router]
