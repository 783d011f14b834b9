"""One frozen settings object, built from environment variables; no I/O at import time."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field, replace
from datetime import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CSV = PROJECT_ROOT / "data" / "sample_cases.csv"


def _parse_clock(text: str) -> time:
    hours, minutes = text.strip().split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class MetricSettings:
    """Parameters of the OR efficiency metric definitions (see README, "Metric definitions")."""

    staffed_start: time = time(7, 0)
    staffed_end: time = time(17, 0)
    prime_start: time = time(7, 30)
    prime_end: time = time(15, 30)
    max_turnover_credit_minutes: float = 60.0
    turnover_cutoff_minutes: float = 90.0
    on_time_grace_minutes: float = 5.0
    booking_tolerance_pct: float = 10.0
    booking_tolerance_minutes: float = 15.0


@dataclass(frozen=True)
class Settings:
    """Everything configurable about one OptiOR deployment."""

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'data' / 'optior.db'}"
    model_dir: Path = PROJECT_ROOT / "models"
    sample_csv: Path = SAMPLE_CSV
    host: str = "127.0.0.1"
    port: int = 8050
    debug: bool = False
    admin_token: str | None = None
    users_file: Path | None = None
    allow_anonymous_network: bool = False
    max_upload_mb: float = 200.0
    model_files_kept: int = 10  # newest model versions whose files are kept (the active one's always is)
    auto_seed: bool = True
    allowed_hosts: tuple[str, ...] = ()
    metrics: MetricSettings = field(default_factory=MetricSettings)

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def listens_on_loopback(self) -> bool:
        return self.host in {"127.0.0.1", "localhost", "::1"}

    @property
    def host_names(self) -> frozenset[str]:
        """Names the Host header may carry (any port): the listen address, localhost, 127.0.0.1 and allowed_hosts."""
        return frozenset({self.host.lower(), "localhost", "127.0.0.1", *self.allowed_hosts})

    def with_changes(self, **changes) -> Settings:
        """Return a copy with some fields replaced (tests and the CLI use this)."""
        return replace(self, **changes)


def _env_bool(environ, name: str, default: bool) -> bool:
    value = environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def parse_host_names(text: str) -> tuple[str, ...]:
    """OPTIOR_ALLOWED_HOSTS: comma-separated host names or IP addresses (IPv6 bare or in brackets), no ports."""
    names = []
    for entry in (part.strip().lower() for part in text.split(",")):
        if not entry:
            continue
        bracketed = entry.startswith("[") and entry.endswith("]")
        name = entry[1:-1] if bracketed else entry
        if "/" in name or "[" in name or "]" in name or (not bracketed and name.count(":") == 1):
            raise ValueError(f"OPTIOR_ALLOWED_HOSTS: '{entry}' must be a host name or address, without port or path.")
        names.append(name)
    return tuple(dict.fromkeys(names))


def instance_name() -> str:
    """This server's name in job and lock records: OPTIOR_INSTANCE_NAME, else the host name.

    Read when asked (not a Settings field): it names the process, like its pid, and a retrain's child process
    inherits it. Servers sharing a database need distinct names, each the same after a restart, so a server
    judges only its own jobs' processes gone (and can recognise them after it restarts).
    """
    return os.environ.get("OPTIOR_INSTANCE_NAME", "").strip() or socket.gethostname()


def _files_kept(value: str) -> int:
    if not value.strip().isdigit() or int(value) < 1:
        raise ValueError(f"OPTIOR_MODEL_FILES_KEPT: '{value}' must be a whole number of at least 1.")
    return int(value)


def settings_from_env(environ: dict | None = None) -> Settings:
    """Build settings from OPTIOR_* environment variables, with the documented defaults."""
    env = os.environ if environ is None else environ
    defaults = Settings()
    metric_defaults = MetricSettings()

    def clock(name: str, default: time) -> time:
        return _parse_clock(env[name]) if env.get(name) else default

    def number(name: str, default: float) -> float:
        return float(env[name]) if env.get(name) else default

    metrics = MetricSettings(
        staffed_start=clock("OPTIOR_STAFFED_START", metric_defaults.staffed_start),
        staffed_end=clock("OPTIOR_STAFFED_END", metric_defaults.staffed_end),
        prime_start=clock("OPTIOR_PRIME_START", metric_defaults.prime_start),
        prime_end=clock("OPTIOR_PRIME_END", metric_defaults.prime_end),
        max_turnover_credit_minutes=number(
            "OPTIOR_MAX_TURNOVER_CREDIT_MIN", metric_defaults.max_turnover_credit_minutes
        ),
        turnover_cutoff_minutes=number(
            "OPTIOR_TURNOVER_CUTOFF_MIN", metric_defaults.turnover_cutoff_minutes
        ),
        on_time_grace_minutes=number(
            "OPTIOR_ON_TIME_GRACE_MIN", metric_defaults.on_time_grace_minutes
        ),
        booking_tolerance_pct=number(
            "OPTIOR_BOOKING_TOLERANCE_PCT", metric_defaults.booking_tolerance_pct
        ),
        booking_tolerance_minutes=number(
            "OPTIOR_BOOKING_TOLERANCE_MIN", metric_defaults.booking_tolerance_minutes
        ),
    )
    return Settings(
        database_url=env.get("OPTIOR_DATABASE_URL") or defaults.database_url,
        model_dir=Path(env.get("OPTIOR_MODEL_DIR") or defaults.model_dir),
        sample_csv=Path(env.get("OPTIOR_SAMPLE_CSV") or defaults.sample_csv),
        host=env.get("OPTIOR_HOST") or defaults.host,
        port=int(env.get("OPTIOR_PORT") or defaults.port),
        debug=_env_bool(env, "OPTIOR_DEBUG", defaults.debug),
        admin_token=env.get("OPTIOR_ADMIN_TOKEN") or None,
        users_file=Path(env["OPTIOR_USERS_FILE"]) if env.get("OPTIOR_USERS_FILE") else None,
        allow_anonymous_network=_env_bool(env, "OPTIOR_ALLOW_ANONYMOUS", False),
        max_upload_mb=number("OPTIOR_MAX_UPLOAD_MB", defaults.max_upload_mb),
        model_files_kept=_files_kept(env.get("OPTIOR_MODEL_FILES_KEPT") or str(defaults.model_files_kept)),
        auto_seed=_env_bool(env, "OPTIOR_AUTO_SEED", defaults.auto_seed),
        allowed_hosts=parse_host_names(env.get("OPTIOR_ALLOWED_HOSTS") or ""),
        metrics=metrics,
    )


def settings_to_env(settings: Settings) -> dict[str, str]:
    """The OPTIOR_* variables settings_from_env turns back into these settings (for child processes)."""
    metrics = settings.metrics
    clock = "%H:%M"
    return {
        "OPTIOR_DATABASE_URL": settings.database_url,
        "OPTIOR_MODEL_DIR": str(settings.model_dir),
        "OPTIOR_SAMPLE_CSV": str(settings.sample_csv),
        "OPTIOR_HOST": settings.host,
        "OPTIOR_PORT": str(settings.port),
        "OPTIOR_DEBUG": str(settings.debug).lower(),
        "OPTIOR_ADMIN_TOKEN": settings.admin_token or "",
        "OPTIOR_USERS_FILE": str(settings.users_file or ""),
        "OPTIOR_ALLOW_ANONYMOUS": str(settings.allow_anonymous_network).lower(),
        "OPTIOR_MAX_UPLOAD_MB": repr(settings.max_upload_mb),
        "OPTIOR_MODEL_FILES_KEPT": str(settings.model_files_kept),
        "OPTIOR_AUTO_SEED": str(settings.auto_seed).lower(),
        "OPTIOR_ALLOWED_HOSTS": ",".join(settings.allowed_hosts),
        "OPTIOR_STAFFED_START": metrics.staffed_start.strftime(clock),
        "OPTIOR_STAFFED_END": metrics.staffed_end.strftime(clock),
        "OPTIOR_PRIME_START": metrics.prime_start.strftime(clock),
        "OPTIOR_PRIME_END": metrics.prime_end.strftime(clock),
        "OPTIOR_MAX_TURNOVER_CREDIT_MIN": repr(metrics.max_turnover_credit_minutes),
        "OPTIOR_TURNOVER_CUTOFF_MIN": repr(metrics.turnover_cutoff_minutes),
        "OPTIOR_ON_TIME_GRACE_MIN": repr(metrics.on_time_grace_minutes),
        "OPTIOR_BOOKING_TOLERANCE_PCT": repr(metrics.booking_tolerance_pct),
        "OPTIOR_BOOKING_TOLERANCE_MIN": repr(metrics.booking_tolerance_minutes),
    }
