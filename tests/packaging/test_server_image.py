"""The server's deployment files, checked without a Docker engine: hadolint on the Dockerfile,
the compose file against the Compose Specification's JSON schema, ``nginx -t`` on the nginx
config (Debian's nginx, installed by bin/test), ``systemd-analyze verify`` on the units, and
``.env.example`` against the settings the server really reads."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from sync_server.config import Settings

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
SCHEMA = Path(__file__).parent / "schemas" / "compose-spec.json"


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if not found:
        pytest.fail(f"{name} is missing: run ./bin/test, which installs it")
    return found


def _compose() -> dict:
    return yaml.safe_load((PACKAGING / "docker-compose.yml").read_text(encoding="utf-8"))


def test_dockerfile_passes_hadolint():
    done = subprocess.run([_tool("hadolint"), "--no-color", str(PACKAGING / "Dockerfile")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_image_is_multi_stage_non_root_with_a_health_check():
    lines = (PACKAGING / "Dockerfile").read_text(encoding="utf-8").splitlines()
    stages = [line for line in lines if line.startswith("FROM ")]
    assert len(stages) >= 2
    runtime = lines[lines.index(stages[-1]):]
    (user,) = [line.split()[1] for line in runtime if line.startswith("USER ")]
    assert user.split(":")[0] not in ("0", "root")
    (health,) = [line for line in runtime if line.startswith("HEALTHCHECK ")]
    assert "/healthz" in " ".join(runtime[runtime.index(health):runtime.index(health) + 2])


def test_the_image_installs_the_server_without_the_till():
    done = subprocess.run(
        [sys.executable, str(PACKAGING / "server" / "requirements.py"), "--extra", "embedded",
         str(ROOT / "pyproject.toml")], capture_output=True, text=True, check=True)
    # One requirement per line: a line may carry a marker ("uvloop>=0.19; sys_platform != …").
    names = {re.match(r"[A-Za-z0-9._-]+", r).group(0).lower() for r in done.stdout.splitlines()}
    assert {"fastapi", "uvicorn", "asyncpg", "prometheus-client", "pgserver"} <= names
    assert not names & {"pyside6", "python-escpos", "openpyxl"}


def test_compose_file_follows_the_compose_specification():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    compose = _compose()
    jsonschema.Draft7Validator(schema).validate(compose)  # raises naming the first problem
    assert {"server", "db", "nginx"} <= set(compose["services"])
    assert compose["services"]["db"]["image"].startswith("postgres:16")
    assert compose["services"]["server"]["build"]["dockerfile"] == "packaging/Dockerfile"
    assert (PACKAGING / compose["services"]["server"]["env_file"]).name == ".env"


def test_the_schema_check_catches_a_broken_compose_file():
    """Not vacuous: a misspelt key is refused."""
    compose = _compose()
    compose["services"]["server"]["restrat"] = "always"
    with pytest.raises(jsonschema.ValidationError, match="restrat"):
        jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(compose)


def test_env_example_documents_every_setting():
    text = (PACKAGING / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))
    expected = {f"MCH_{name.upper()}" for name in Settings.model_fields} - {"MCH_DATABASE_URL"}
    assert expected | {"DATABASE_URL", "POSTGRES_PASSWORD"} <= documented, sorted(
        expected - documented)


def _self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "fullchain.pem", directory / "privkey.pem"
    subprocess.run([_tool("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                    "1", "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def _nginx_test(conf: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    cert, key = _self_signed(tmp_path)
    # The compose service name resolves only inside compose's network; the certificate paths
    # are placeholders for the operator's own.
    conf = (conf.replace("server:8765", "127.0.0.1:8765")
            .replace("/etc/nginx/certs/fullchain.pem", str(cert))
            .replace("/etc/nginx/certs/privkey.pem", str(key)))
    (tmp_path / "michangarrito.conf").write_text(conf, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path};\n"
        f"  include {tmp_path}/michangarrito.conf;\n}}\n", encoding="utf-8")
    return subprocess.run([_tool("nginx"), "-t", "-p", str(tmp_path), "-c",
                           str(tmp_path / "nginx.conf")], capture_output=True, text=True)


def test_nginx_config_passes_nginx_t(tmp_path):
    conf = (PACKAGING / "nginx" / "michangarrito.conf").read_text(encoding="utf-8")
    done = _nginx_test(conf, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr


def test_nginx_t_refuses_a_broken_config(tmp_path):
    conf = (PACKAGING / "nginx" / "michangarrito.conf").read_text(encoding="utf-8")
    done = _nginx_test(conf.replace("limit_req zone=mch_login", "limit_req zone=mch_nope"),
                       tmp_path)
    assert done.returncode != 0


def test_nginx_limits_match_the_server():
    conf = (PACKAGING / "nginx" / "michangarrito.conf").read_text(encoding="utf-8")
    sizes = {int(n) * {"k": 1024, "m": 1024 * 1024}[unit]
             for n, unit in re.findall(r"client_max_body_size (\d+)([km]);", conf)}
    (small,) = re.findall(r"^    client_max_body_size (\d+)k;", conf, flags=re.MULTILINE)
    assert int(small) * 1024 == Settings().max_small_body_bytes  # every endpoint but the push
    push = conf[conf.index("location = /v1/sync/push"):]
    (large,) = re.findall(r"client_max_body_size (\d+)m;", push[:push.index("}")])
    assert int(large) * 1024 * 1024 == Settings().max_body_bytes
    assert sizes == {Settings().max_small_body_bytes, Settings().max_body_bytes}
    for path in ("/v1/owners/login", "devices/pair", "whatsapp/webhook", "stripe/webhook"):
        block = conf[conf.index(path):]
        assert "limit_req zone=" in block[:block.index("}")], path
    notices = conf[conf.index("location /v1/sync/notices"):]
    notices = notices[:notices.index("}")]
    assert "proxy_buffering off;" in notices
    assert re.search(r"proxy_read_timeout (\d+)s;", notices)
    for header in ("Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options"):
        assert f"add_header {header}" in conf
    assert "gzip on;" in conf


def test_systemd_units_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not on this machine (a systemd package)")
    units = sorted((PACKAGING / "systemd").glob("michangarrito-*"))
    done = subprocess.run([analyze, "verify", *map(str, units)], capture_output=True, text=True)
    # The units run /opt/michangarrito/.venv/bin/python, which only an installed server has.
    problems = [line for line in (done.stdout + done.stderr).splitlines()
                if line.strip() and "is not executable" not in line]
    assert problems == []
    server = (PACKAGING / "systemd" / "michangarrito-server.service").read_text(encoding="utf-8")
    for option in ("NoNewPrivileges=true", "ProtectSystem=strict", "CapabilityBoundingSet=",
                   "SystemCallFilter=@system-service", "RestrictAddressFamilies="):
        assert option in server


def test_the_build_context_holds_only_what_the_image_copies():
    """packaging/.env (the operator's secrets), .venv and the rest never reach the builder."""
    copied = set()
    for line in (PACKAGING / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            copied |= {src.removeprefix("./") for src in line.split()[1:-1]}
    rules = [r for r in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
             if r and not r.startswith("#")]
    assert rules[0] == "*"  # everything out…
    assert {r[1:] for r in rules if r.startswith("!")} == copied  # …but what is copied
