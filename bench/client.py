"""A small HTTP client for the benchmark: signs in through the login form and keeps the session cookie."""

from __future__ import annotations

import http.client
import json
import re
import secrets
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

# wrk sends the same User-Agent: Flask-Login's session protection would otherwise see a new client.
USER_AGENT = "fundmgr-bench/1"
CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
VALUE = re.compile(r'value="([^"]*)"')


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)


def multipart(form: dict[str, str], name: str, filename: str, data: bytes) -> tuple[bytes, str]:
    """A form with one file as a browser encodes it: the body and its Content-Type."""
    boundary = secrets.token_hex(16)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
             for key, value in form.items()]  # fmt: skip
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n\r\n'
    parts.append(head.encode() + data + f"\r\n--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def csrf_token(html: str) -> str:
    """The CSRF token of the first form of a page."""
    tag = CSRF_INPUT.search(html)
    value = VALUE.search(tag.group(0)) if tag else None
    if value is None:
        raise ValueError("no CSRF token on the page")
    return value.group(1)


class Client:
    """One user's browser, reduced to a cookie jar of one site.

    A new connection per request, as gunicorn's sync workers close them after each answer.
    """

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.cookies: dict[str, str] = {}
        self.token: str | None = None
        self.bearer: str | None = None  # a personal API token, sent instead of the session

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    @property
    def credentials(self) -> dict[str, str]:
        """The headers that say who asks: the API token, the session cookie, or nothing (a public page)."""
        if self.bearer:
            return {"Authorization": f"Bearer {self.bearer}"}
        return {"Cookie": self.cookie_header} if self.cookies else {}

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        *,
        accept: str = "text/html",
        timeout: float = 300,
        file: tuple[str, str, bytes] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Send a request (with these headers besides its own); a form with a file (its field name, file name and
        bytes) goes as multipart/form-data."""
        headers = {"User-Agent": USER_AGENT, "Accept": accept} | self.credentials | (headers or {})
        body: str | bytes | None = None
        if file is not None:
            body, headers["Content-Type"] = multipart(form or {}, *file)
        elif form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
        finally:
            connection.close()
        seconds = time.perf_counter() - started
        for header in answer.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, data, seconds)

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: dict[str, str], **kwargs) -> Response:
        return self.request("POST", path, form, **kwargs)

    def sign_in(self, email: str, password: str) -> None:
        """Sign in through the login form, as a person would; raises if the site refuses."""
        page = self.get("/account/login")
        answer = self.post(
            "/account/login", {"csrf_token": csrf_token(page.text), "email": email, "password": password, "next": ""}
        )
        if answer.status != 302 or "/account/login" in answer.headers.get("location", ""):
            raise RuntimeError(f"sign-in refused for {email} (HTTP {answer.status})")

    def form_token(self, path: str) -> str:
        """A CSRF token of this session, read from a page with a form (valid for the session's other forms)."""
        page = self.get(path)
        if page.status != 200:
            raise RuntimeError(f"{path} answered HTTP {page.status}")
        self.token = csrf_token(page.text)
        return self.token
