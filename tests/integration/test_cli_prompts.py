"""Secrets typed at a real terminal (a pseudo-terminal): hidden, confirmed, never echoed."""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from pathlib import Path

import pytest
from test_cli_support import settings_env

from autobook.db.auth import authenticate
from autobook.db.models import SiteAccount
from autobook.db.session import transaction
from autobook.runtime import Runtime

AUTOBOOK = Path(sys.executable).with_name("autobook")
TIMEOUT_S = 60.0


class Terminal:
    """A child process whose controlling terminal is a pty we type into and read from."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the command
            os.execve(argv[0], argv, env)
        self.seen = ""
        self.pos = 0  # output before this was matched already

    def expect(self, text: str) -> None:
        """Wait for `text` after the last match (getpass drops anything typed too early)."""
        deadline = time.monotonic() + TIMEOUT_S
        while (at := self.seen.find(text, self.pos)) < 0:
            assert time.monotonic() < deadline, f"no {text!r} in {self.seen[self.pos :]!r}"
            if select.select([self.fd], [], [], 0.5)[0]:
                try:
                    self.seen += os.read(self.fd, 4096).decode(errors="replace")
                except OSError:  # the child closed the terminal
                    assert text in self.seen[self.pos :], f"no {text!r} in {self.seen!r}"
        self.pos = at + len(text)

    def type(self, line: str) -> None:
        os.write(self.fd, (line + "\n").encode())

    def exit_code(self) -> int:
        _pid, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


@pytest.fixture
def env(runtime: Runtime) -> dict[str, str]:
    merged = {**os.environ, **settings_env(runtime)}
    return {k: v for k, v in merged.items() if v is not None}


def test_admin_password_prompt_is_hidden_and_confirmed(runtime: Runtime, env: dict[str, str]):
    password = "Typed-At-The-Terminal-1"
    term = Terminal([str(AUTOBOOK), "admin", "set-password"], env)
    term.expect("Admin password:")
    term.type(password)
    term.expect("Repeat for confirmation:")
    term.type("a different one")  # a mismatch asks again instead of saving either
    term.expect("Admin password:")
    term.type(password)
    term.expect("Repeat for confirmation:")
    term.type(password)
    term.expect("password set for admin user 'admin'")
    assert term.exit_code() == 0
    assert password not in term.seen and "a different one" not in term.seen
    with transaction(runtime.sessions) as s:
        assert authenticate(s, username="admin", password=password)


def test_account_password_prompt_is_hidden(runtime: Runtime, env: dict[str, str]) -> None:
    password = "Site-Secret-At-The-Tty"
    argv = [str(AUTOBOOK), "account", "add", "--site", "clinic", "--name", "Ivy", "--login", "ivy"]
    term = Terminal(argv, env)
    for prompt in ("Site password:", "Repeat for confirmation:"):
        term.expect(prompt)
        term.type(password)
    term.expect("account 1 added")
    assert term.exit_code() == 0 and password not in term.seen
    with transaction(runtime.sessions) as s:
        assert runtime.vault.decrypt(s.get(SiteAccount, 1).password_enc) == password
