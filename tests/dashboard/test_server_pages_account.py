"""The server-rendered pages (download centre, revisions, API guide, sign-in form: dashboard/api/html.py) say
who is signed in and offer to sign out, as the Dash pages' header does (issue 20): a manager who opened /data
saw a public-looking header while internal indicators were on offer, with no way to end the session there."""

from __future__ import annotations

import re

from tests.dashboard.test_manager_session import MANAGER

SERVER_PAGES = ["/data", "/api/", "/auth/login"]  # revisions draw the same page() header


def _client(demo_config, mode: str):
    from core import accounts
    from dashboard.app import create_app

    access = demo_config.access.model_copy(update={"mode": mode, "secret_key": "s" * 32})
    config = demo_config.model_copy(update={"access": access})
    if mode == "accounts":
        accounts.add_account(accounts.connect(config.catalogue), *MANAGER)
    return create_app(config).server.test_client()


def test_a_signed_in_manager_is_named_with_a_sign_out_button_on_the_server_pages(demo_config, demo_release):
    client = _client(demo_config, "accounts")
    for path in SERVER_PAGES:
        page = client.get(path).get_data(as_text=True)
        assert 'id="signed-in"' not in page and 'href="/auth/login">Manager sign-in</a>' in page, path
    form = client.get("/auth/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    assert client.post("/auth/login", data={"csrf": csrf, "username": MANAGER[0],
                                            "password": MANAGER[1]}).status_code == 303
    for path in SERVER_PAGES:
        resp = client.get(path)
        page = resp.get_data(as_text=True)
        header = page[page.index('<header class="site-header">'):page.index("</header>")]
        assert f"Signed in as <strong>{MANAGER[0]}</strong>" in header, path
        assert 'action="/auth/logout"' in header and 'id="sign-out"' in header, path
        assert "Manager sign-in" not in page, path
    # the button signs out: its form carries the session's token
    token = re.search(r'action="/auth/logout"><input type="hidden" name="csrf" value="([^"]+)"',
                      client.get("/data").get_data(as_text=True)).group(1)
    assert client.post("/auth/logout", data={"csrf": token}).status_code in (302, 303)
    assert 'id="signed-in"' not in client.get("/data").get_data(as_text=True)


def test_behind_a_sign_in_proxy_the_server_pages_name_the_user_without_a_sign_out(demo_config, demo_release):
    client = _client(demo_config, "proxy_header")
    page = client.get("/data", headers={"X-Forwarded-User": "performance.lead"}).get_data(as_text=True)
    assert "Signed in as <strong>performance.lead</strong>" in page and "Sign out" not in page
    public = client.get("/data").get_data(as_text=True)
    assert 'id="signed-in"' not in public and "Manager sign-in" not in public
