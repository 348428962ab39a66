"""The real VS Code: code-server 4.100.3 (VS Code 1.100.3) in headless Chromium, with the built .vsix.

A person's session, typed on the keyboard: open a module, edit it, save; the status bar says
the reload happened and the route serves the new code. Then a syntax error: a squiggle, a red
status bar item and a notification; the fix clears all three. And a window on a folder above
two projects, each with its own `hotbed dev`: each save reaches its own dev server, and the
status bar follows the active editor's project. `make test` installs
code-server (`scripts/code-server.sh`) and builds the .vsix before the tests run. A failing
step leaves a screenshot next to the test's temporary files and names it.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, sync_playwright

from tests.helpers.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.lsp.conftest import REPO, TIMEOUT, App, DevServer, hello_project

CODE_SERVER = REPO / ".cache/code-server/node_modules/code-server/out/node/entry.js"
VSIX = REPO / "vscode-extension/dist/hotbed-0.1.0.vsix"
SETTINGS = {
    "hotbed.interpreter": [sys.executable],
    "editor.autoClosingBrackets": "never",  # typed text arrives as typed
    "editor.autoClosingQuotes": "never",
    "editor.acceptSuggestionOnEnter": "off",
    "editor.quickSuggestions": {"other": False, "comments": False, "strings": False},
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": False,
    "security.workspace.trust.enabled": False,
    "extensions.autoCheckUpdates": False,
    "extensions.autoUpdate": False,
    "telemetry.telemetryLevel": "off",
    "files.autoSave": "off",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def code_server(tmp_path: Path, hello_app: App) -> Iterator[str]:
    """code-server on a loopback port, the built extension installed, opening nothing yet."""
    assert CODE_SERVER.is_file(), "code-server is missing: `make test` installs it (scripts/code-server.sh)"
    assert VSIX.is_file(), "the .vsix is missing: `make test` builds it (npm run package in vscode-extension)"
    data, extensions = tmp_path / "code-data", tmp_path / "code-extensions"
    (data / "User").mkdir(parents=True)
    (data / "User" / "settings.json").write_text(json.dumps(SETTINGS))
    base = ["node", str(CODE_SERVER), "--user-data-dir", str(data), "--extensions-dir", str(extensions)]
    installed = subprocess.run(
        [*base, "--install-extension", str(VSIX)], capture_output=True, text=True, timeout=TIMEOUT * 4
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    port = _free_port()
    log = (tmp_path / "code-server.log").open("w")
    process = subprocess.Popen(
        [
            *base,
            "--auth",
            "none",
            "--bind-addr",
            f"127.0.0.1:{port}",
            "--disable-telemetry",
            "--disable-update-check",
            "--disable-workspace-trust",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + TIMEOUT * 2
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, (tmp_path / "code-server.log").read_text()
            assert time.monotonic() < deadline, "code-server did not come up"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _hotbed_item(page: Page) -> str:
    """The hotbed status bar item's text (its icon is a codicon, so only the words remain)."""
    items = page.locator(".statusbar-item", has_text="hotbed")
    return items.first.inner_text(timeout=TIMEOUT * 1000).strip() if items.count() else ""


def _wait_item(page: Page, predicate: str, what: str) -> str:
    page.wait_for_function(
        "(wanted) => [...document.querySelectorAll('.statusbar-item')].some("
        "e => e.innerText.includes('hotbed') && new RegExp(wanted).test(e.innerText))",
        arg=predicate,
        timeout=TIMEOUT * 2000,
    )
    return _hotbed_item(page)


def _open(page: Page, path: str) -> None:
    """Open `path` (relative to the window's folder) with Quick Open and put the cursor in it."""
    page.keyboard.press("Control+P")
    page.keyboard.type(path)
    # The list first shows recent files: Enter only once the focused row is `path`'s.
    page.wait_for_function(
        "(folder) => [...document.querySelectorAll('.quick-input-list .monaco-list-row.focused')]"
        ".some(row => row.innerText.includes(folder))",
        arg="" if Path(path).parent == Path() else str(Path(path).parent),
        timeout=TIMEOUT * 1000,
    )
    page.keyboard.press("Enter")
    page.wait_for_selector(f".tab.active >> text={Path(path).name}", timeout=TIMEOUT * 1000)
    page.locator(".monaco-editor .view-lines").first.click()


def _replace_and_save(page: Page, old: str, new: str) -> None:
    """Find `old` in the active editor, type `new` over it, save with the keyboard."""
    page.keyboard.press("Control+F")
    page.keyboard.type(old)
    page.keyboard.press("Escape")  # the match stays selected
    page.keyboard.type(new)
    page.keyboard.press("Control+S")


def _wait_served(dev: DevServer, text: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while text not in dev.served():
        assert time.monotonic() < deadline, f"the saved edit ({text!r}) was never served"
        time.sleep(0.05)


@contextmanager
def _window(code_server: str, folder: Path, servers: list[DevServer], shot: Path) -> Iterator[Page]:
    """A browser tab on code-server showing `folder` (the interpreter set there), its workbench up;
    on a failure, a screenshot at `shot` and the dev servers' output; the servers stop at the end."""
    (folder / ".vscode").mkdir()
    (folder / ".vscode" / "settings.json").write_text(json.dumps({"hotbed.interpreter": [sys.executable]}))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        try:
            page.goto(f"{code_server}/?folder={folder}", timeout=TIMEOUT * 2000)
            page.wait_for_selector(".monaco-workbench", timeout=TIMEOUT * 2000)
            yield page
        except BaseException:
            page.screenshot(path=str(shot))
            output = "\n".join(f"--- {s.root} ---\n{s.output.text}" for s in servers)
            raise AssertionError(f"see {shot}\n{output}") from sys.exc_info()[1]
        finally:
            browser.close()
            for server in servers:
                server.stop()


def test_vscode_edit_save_break_and_fix(code_server: str, hello_app: App, tmp_path: Path) -> None:
    app = hello_app
    dev = DevServer(app, watch=False)  # only the editor can bring a save in
    with _window(code_server, app.root, [dev], tmp_path / "vscode-failure.png") as page:
        _wait_item(page, r"hotbed\s*$|hotbed \d", "the extension connected")

        # 1. open routes.py with Quick Open, change the greeting, save with the keyboard
        _open(page, "routes.py")
        _replace_and_save(page, ", {name}!", ", dear {name}!")
        _wait_served(dev, "dear")
        ok = _wait_item(page, r"hotbed .*\d+(\.\d+)? ms", "the reload summary")
        assert "patched 1 function" in ok, ok  # a body-only edit, patched in place

        # 2. a syntax error on a new last line: squiggle, red item, notification
        page.keyboard.press("Control+End")
        page.keyboard.press("Enter")
        page.keyboard.type("value = (1,")
        page.keyboard.press("Control+S")
        page.wait_for_selector(".monaco-editor .squiggly-error", timeout=TIMEOUT * 1000)
        failed = _wait_item(page, r"hotbed: 1 error", "the error in the status bar")
        assert "1 error" in failed
        toast = page.locator(".notifications-toasts .notification-toast", has_text="hotbed")
        toast.first.wait_for(state="visible", timeout=TIMEOUT * 1000)
        assert "never closed" in toast.first.inner_text()
        assert "dear" in dev.served()  # the last good code keeps serving

        # 3. the fix: the line goes, and with it the squiggle, the red item and the notification
        page.keyboard.press("Shift+Home")
        page.keyboard.press("Delete")
        page.keyboard.press("Backspace")
        page.keyboard.press("Control+S")
        page.wait_for_selector(".monaco-editor .squiggly-error", state="detached", timeout=TIMEOUT * 1000)
        _wait_item(page, r"hotbed .*\d+(\.\d+)? ms|hotbed\s*$", "ok after the fix")
        toast.first.wait_for(state="detached", timeout=TIMEOUT * 1000)
        assert app.module.read_text().rstrip().endswith(")")  # the file as saved ends with the handler


def test_vscode_window_above_two_projects(code_server: str, tmp_path: Path) -> None:
    """A window on the folder above `a/` and `b/`, each served by its own `hotbed dev`: each save
    reaches its own project's dev server, and the status bar shows the active editor's project."""
    folder = tmp_path / "window"
    a, b = hello_project(folder / "a"), hello_project(folder / "b")
    servers = [DevServer(a), DevServer(b)]  # without their watchers: only the editor brings saves in
    with _window(code_server, folder, servers, tmp_path / "vscode-failure.png") as page:
        _wait_item(page, r"hotbed", "the extension started")

        _open(page, "a/hello/routes.py")
        _replace_and_save(page, ", {name}!", ", dear {name}!")
        _wait_served(servers[0], "dear")
        _wait_item(page, r"hotbed .*patched 1 function", "a's reload in the status bar")

        _open(page, "b/hello/routes.py")
        _wait_item(page, r"hotbed \(b\)", "b's status once its file is active")
        _replace_and_save(page, ", {name}!", ", dearest {name}!")
        _wait_served(servers[1], "dearest")
        shown = _wait_item(page, r"hotbed \(b\) .*patched 1 function", "b's reload in the status bar")
        assert "(b)" in shown, shown
        assert "dearest" not in servers[0].served() and "dear " in servers[0].served()

        _open(page, "a/hello/routes.py")  # back to a: its own status, its own last reload
        _wait_item(page, r"hotbed \(a\) .*patched 1 function", "a's status again")
