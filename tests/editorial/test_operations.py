"""Operations a user trips on: dumps (leftovers, missed releases, retention, links), the
command line (--version, a busy port, expired tokens) and the client address behind a proxy."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from qingdan_api import __version__, create_app
from qingdan_api.api.releases import dump_missed_release
from qingdan_api.cli import main
from qingdan_api.models import utcnow
from qingdan_api.services.auth import create_token
from qingdan_api.services.dump_upkeep import release_missing_dump
from qingdan_api.services.dumps import DumpOptions, dumps_dir, write_dump
from tests import factories as f

from .conftest import UNIT_A

ROOT = Path(__file__).resolve().parents[2]


def _wait_for_dump(client, release_id: int) -> list[dict]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        dumps = client.get("/api/@downloads").get_json()["items"]
        mine = [d for d in dumps if d["release_id"] == release_id]
        if mine:
            return mine
        time.sleep(0.2)
    return []


def test_a_single_item_publish_gets_a_dump(app, client, desk):
    code = desk.create(f.record(UNIT_A, 960, name="单项发布的许可")).get_json()["code"]
    desk.to_notice(code)
    app.config["QINGDAN_DUMP_ON_RELEASE"] = True
    try:
        info = desk.move(code, "publish", "publisher", release="单项发布")
    finally:
        app.config["QINGDAN_DUMP_ON_RELEASE"] = False
    assert info["state"] == "published"
    release = client.get("/api/@releases?limit=1").get_json()["items"][0]
    assert _wait_for_dump(client, release["id"]), "no dump for the single item's release"


def test_a_release_whose_dump_never_ran_gets_one_on_start(app, client, desk):
    code = desk.create(f.record(UNIT_A, 961, name="重启后补写导出")).get_json()["code"]
    desk.to_notice(code)
    release = desk.release("补写导出的批次", [code])  # QINGDAN_DUMP_ON_RELEASE is off
    with app.extensions["qingdan"].session_factory() as session:
        assert release_missing_dump(session) == release["id"]
    app.config["QINGDAN_DUMP_ON_RELEASE"] = True
    try:
        dump_missed_release(app)  # what `qingdan serve` and wsgi.py do on start
    finally:
        app.config["QINGDAN_DUMP_ON_RELEASE"] = False
    assert _wait_for_dump(client, release["id"])
    with app.extensions["qingdan"].session_factory() as session:
        assert release_missing_dump(session) is None


def test_a_killed_dump_leaves_no_folder_behind(app):
    """A dump process killed with SIGKILL leaves its work folder; the next dump removes
    it, and leaves alone the work folder of a dump still running."""
    root = dumps_dir(app.instance_path)
    root.mkdir(parents=True, exist_ok=True)
    script = (
        "import os, signal, sys; from pathlib import Path;"
        "from qingdan_api.services.dump_upkeep import temp_name;"
        "work = Path(sys.argv[1]) / temp_name('killed'); work.mkdir();"
        "(work / 'items.json').write_text('[');"
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    done = subprocess.run([sys.executable, "-c", script, str(root)], cwd=ROOT, timeout=60)
    assert done.returncode == -signal.SIGKILL
    leftovers = [p.name for p in root.iterdir() if p.name.startswith(".tmp-")]
    assert any(name.endswith("-killed") for name in leftovers)
    running = root / f".tmp-{os.getpid()}-running"  # this process is alive
    running.mkdir()
    write_dump(app.extensions["qingdan"].session_factory, app.instance_path)
    left = sorted(p.name for p in root.iterdir() if p.name.startswith(".tmp-"))
    assert left == [running.name]
    running.rmdir()


def test_retention_keeps_the_newest_dumps(app, client):
    factory = app.extensions["qingdan"].session_factory
    written = [
        write_dump(factory, app.instance_path, options=DumpOptions(keep=2)).id for _ in range(3)
    ]
    listed = [d["id"] for d in client.get("/api/@downloads").get_json()["items"]]
    assert listed == written[:0:-1]  # the two newest, newest first
    folders = {p.name for p in dumps_dir(app.instance_path).iterdir() if p.is_dir()}
    assert written[0] not in folders and set(written[1:]) <= folders


def test_qingdan_dump_links_use_the_public_url(app, database_url):
    env = {
        "QINGDAN_DATABASE_URL": database_url,
        "QINGDAN_INSTANCE": app.instance_path,
        "QINGDAN_PUBLIC_URL": "https://data.linjiang.example.cn/",
        "QINGDAN_DUMPS_KEPT": "0",
    }
    result = CliRunner().invoke(main, ["dump"], env=env)
    assert result.exit_code == 0, result.output
    dump_id = result.output.split()[1].rstrip(":")
    manifest = json.loads((dumps_dir(app.instance_path) / dump_id / "manifest.json").read_text())
    assert manifest["url"] == f"https://data.linjiang.example.cn/api/@downloads/{dump_id}"
    assert manifest["follow"].startswith("https://data.linjiang.example.cn/api/@changes?")


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"qingdan, version {__version__}"


def test_a_busy_port_is_one_clear_line(database_url):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(
            main, ["serve", "--port", str(port)], env={"QINGDAN_DATABASE_URL": database_url}
        )
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert f"cannot listen on 127.0.0.1:{port}" in lines[0] and "--port" in lines[0]


def test_expired_tokens_are_listed_as_expired(app, database_url):
    with app.extensions["qingdan"].session_factory() as session:
        old, _ = create_token(
            session, role="reviewer", name="过期", expires_at=utcnow() - timedelta(days=1)
        )
        fresh, _ = create_token(
            session, role="reviewer", name="有效", expires_at=utcnow() + timedelta(days=1)
        )
    listed = CliRunner().invoke(main, ["token", "list"], env={"QINGDAN_DATABASE_URL": database_url})
    rows = {line.split("\t")[0]: line.split("\t")[-1] for line in listed.output.splitlines()}
    assert rows[str(old.id)] == "expired"
    assert rows[str(fresh.id)] == "active"


@pytest.mark.parametrize("proxies", [0, 1])
def test_the_comment_rate_limit_sees_the_client_behind_a_proxy(
    database_url, tmp_path, desk, proxies
):
    """With QINGDAN_PROXY_COUNT=1, X-Forwarded-For names the client; without, it is ignored
    (anyone could send it)."""
    code = desk.create(f.record(UNIT_A, 962 + proxies, name="代理后的评论")).get_json()["code"]
    desk.to_notice(code, days=30)
    app = create_app(
        {
            "QINGDAN_DATABASE_URL": database_url,
            "QINGDAN_INSTANCE": str(tmp_path),
            "QINGDAN_PROXY_COUNT": proxies,
            "QINGDAN_COMMENT_RATE_LIMIT": 2,
            "QINGDAN_SEARCH_CATCH_UP_ON_START": False,
        }
    )
    client = app.test_client()
    proxy = {"REMOTE_ADDR": f"10.0.{proxies}.1"}

    def comment(address: str) -> int:
        return client.post(
            f"/api/@notices/{code}/comments",
            json={"body": "同意"},
            headers={"X-Forwarded-For": address},
            environ_base=proxy,
        ).status_code

    first = [comment("203.0.113.1") for _ in range(3)]
    assert first == [201, 201, 429]
    assert comment("203.0.113.2") == (201 if proxies else 429)
    app.extensions["qingdan"].engine.dispose()
