"""Rules of the web package that a new route or template must keep (no server needed
except for the last test): every route takes the request context, every unsafe route is
CSRF-checked, templates never mark data safe, both catalogs have the same keys."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from web_fixtures import WebClient, audit_log, live, make_user, start_app  # noqa: F401

from web.app import create_app
from web.context import csrf_guard, current, visitor
from web.i18n import catalog
from web.permissions import NAVIGATION, PERMISSIONS
from web.routes import (account, alerts, api, assessment, auth, cases, checks, complaints, docs,
                        entities, home, language, map, portraits, profiles, public, quality,
                        rectification, reports, saved_maps, search, users)
from web.routes import audit_log as audit_log_routes  # the name audit_log is a fixture here

WEB = Path(__file__).resolve().parents[2] / "web"
ROUTERS = (account, alerts, api, assessment, audit_log_routes, auth, cases, checks, complaints,
           docs, entities, home, language, map, portraits, profiles, public, quality,
           rectification, reports, saved_maps, search, users)
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _calls(dependant) -> set:
    found = {dependant.call}
    for sub in dependant.dependencies:
        found |= _calls(sub)
    return found


def routes():
    return [(route, module.__name__) for module in ROUTERS for route in module.router.routes]


def test_every_route_takes_the_request_context():
    for route, module in routes():
        calls = _calls(route.dependant)
        assert current in calls or visitor in calls, \
            f"{module} {route.path}: depends on neither web.context.current nor visitor"


def test_the_csrf_guard_is_on_the_whole_app():
    app = create_app()
    assert any(dependency.dependency is csrf_guard for dependency in app.router.dependencies)


def test_only_sign_in_the_language_switch_and_the_public_channel_are_open_before_sign_in():
    before_sign_in = {route.path for route, _ in routes() if visitor in _calls(route.dependant)}
    public_paths = {route.path for route in public.router.routes}
    assert before_sign_in == {"/login", "/language"} | public_paths
    assert all(path.startswith("/public") for path in public_paths)
    assert all(current not in _calls(route.dependant) for route in public.router.routes), \
        "the public channel never reads a workbench session"


def test_templates_never_mark_data_safe():
    for template in (WEB / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"\|\s*safe\b|Markup\(|autoescape\s+false", text), template
        assert not re.search(r"\son[a-z]+\s*=", text), f"inline handler in {template}"
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), f"inline script in {template}"
        assert not re.search(r"\sstyle\s*=|<style", text), f"inline style in {template}"
        assert "http://" not in text and "https://" not in text, f"outside URL in {template}"


def test_static_files_ask_no_other_host():
    for path in (WEB / "static").rglob("*"):
        if path.suffix in (".css", ".js", ".svg") and "vendor" not in path.parts:
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"(url\(|@import|src=)[\"']?https?://", text), path
            assert "http://www.w3.org/2000/svg" in text or "http" not in text, path


def test_catalogs_have_the_same_keys_and_every_used_key():
    zh, en = catalog("zh"), catalog("en")
    assert set(zh) == set(en)
    for part in (WEB / "i18n" / "zh").glob("*.yaml"):  # each part in both languages
        english = WEB / "i18n" / "en" / part.name
        assert english.exists() and set(yaml.safe_load(part.read_text(encoding="utf-8"))) \
            == set(yaml.safe_load(english.read_text(encoding="utf-8"))), part.name
    used = set()
    for source in list((WEB / "templates").rglob("*.html")) + list(WEB.rglob("*.py")):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_]+)["']""", source.read_text(
            encoding="utf-8")))
        used |= set(re.findall(r"""["'](error\.[a-z_]+)["']""", source.read_text(
            encoding="utf-8")))
    used = {key for key in used if not key.endswith((".html", "_"))}  # not dynamic keys
    assert used - set(zh) == set(), f"keys missing from the catalogs: {used - set(zh)}"
    for item in NAVIGATION:
        assert f"nav.{item.key}" in zh and f"section.{item.key}" in zh
    for role in {role for roles in PERMISSIONS.values() for role in roles}:
        assert f"role.{role}" in zh


def test_every_permission_of_the_navigation_exists():
    assert {item.permission for item in NAVIGATION if item.permission} <= set(PERMISSIONS)


def test_unsafe_routes_refuse_requests_without_a_csrf_token(live):
    make_user(live.connection, "probe")
    anonymous, signed_in = WebClient(live.url), WebClient(live.url)
    signed_in.login("probe")
    for route, _ in routes():
        for method in route.methods & UNSAFE:
            path = re.sub(r"\{[^}]+\}", "x", route.path)
            for client in (anonymous, signed_in):
                answer = client.request(method, path, data={"lang": "en"})
                assert answer.status_code == 403, f"{method} {path}: {answer.status_code}"
    assert signed_in.get("/").status_code == 200


def test_the_audit_seam_passes_everything_through_and_fails_closed(monkeypatch):
    """``web.audit.record_event`` is the one call into ``analytics.audit.record``: it passes
    the actor, action, targets and parameters (address and channel added) and turns any
    failure of the trail into a refusal. A stand-in module takes the trail's place here only
    to see the arguments; tests/web/test_http.py runs the seam against the real trail."""
    import types

    import web.audit
    from web.audit import AuditRecorder, AuditUnavailable

    calls = []
    trail = types.SimpleNamespace(
        record=lambda connection, **fields: calls.append(fields) or {"seq": 7})
    monkeypatch.setattr(web.audit, "audit", trail)
    recorder = AuditRecorder(None, "zhang.san", "127.0.0.1", "session")
    assert recorder("view.profile", ["P1"], {"as_of": "2024-01-01"}) == {"seq": 7}
    assert calls == [{"actor": "zhang.san", "action": "view.profile", "targets": ("P1",),
                      "parameters": {"address": "127.0.0.1", "via": "session",
                                     "as_of": "2024-01-01"}}]

    def refuse(connection, **fields):
        raise OSError("disk full")

    trail.record = refuse
    with pytest.raises(AuditUnavailable, match="disk full"):
        recorder("session.logout")
