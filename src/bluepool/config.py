"""Settings, read once at the door (CLI or app factory) from BLUEPOOL_* variables."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Literal

from limits import parse_many
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-bluepool-development-secret"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BLUEPOOL_", extra="ignore")

    environment: Literal["development", "demo", "test", "production"] = "development"
    database_url: str = "sqlite:///bluepool.db"
    #: Signs the access tokens. Production refuses the default.
    secret_key: str = DEFAULT_SECRET
    #: Access tokens live this long; the console refreshes them (``/auth/refresh``).
    token_ttl_minutes: int = Field(default=15, ge=1)
    #: A sign-in session (its refresh token) lasts this long at most; then sign in again.
    session_ttl_minutes: int = Field(default=12 * 60, ge=1)
    #: Where sign-in rate limits and lockouts count: "memory://" (this process) or a Redis
    #: URL shared by every worker (e.g. redis://127.0.0.1:6379/0).
    rate_limit_storage: str = "memory://"
    #: Sign-in attempts allowed per client address and per user name (``limits`` syntax:
    #: "60/minute", "10/minute;100/hour").
    sign_in_rate_per_address: str = "60/minute"
    sign_in_rate_per_username: str = "10/minute"
    #: After this many wrong passwords for a name, it is locked for the base time, doubled
    #: by each further failure up to the maximum (seconds).
    sign_in_lockout_failures: int = Field(default=5, ge=1)
    sign_in_lockout_base_s: int = Field(default=30, ge=1)
    sign_in_lockout_max_s: int = Field(default=15 * 60, ge=1)
    #: Password hashes computed at once, and waiting; past that a sign-in gets 503.
    password_hash_workers: int = Field(default=2, ge=1)
    password_hash_queue: int = Field(default=8, ge=0)
    #: A compiled road network (``bluepool import roads``); without one, ETAs come from the
    #: straight-line model.
    road_network: Path | None = None
    #: The gazetteer (``bluepool import addresses``) for locations by address; without one,
    #: ``/api/v1/geocode`` answers 409. ``bluepool demo`` uses the demo's.
    addresses: Path | None = None
    #: A point in no jurisdiction (a gap between polygons): "none" leaves it outside every
    #: jurisdiction; "nearest" gives it to the nearest one within ``jurisdiction_max_gap_m``.
    jurisdiction_gaps: Literal["none", "nearest"] = "none"
    jurisdiction_max_gap_m: float = 500.0
    #: An incident still outside every jurisdiction (after ``jurisdiction_gaps``): "refuse"
    #: answers 422 ``outside_jurisdictions``; "accept" takes it, marked ``outside: true``
    #: (docs/decisions/0012-incidents-outside-jurisdictions.md).
    outside_incidents: Literal["refuse", "accept"] = "refuse"
    detour_factor: float = 1.4
    average_speed_kmh: float = 50.0
    #: A place more than 1 km from every road is reached off road, on foot: the straight
    #: distance times this detour factor at this speed; its ETA is marked approximate
    #: (docs/decisions/0017).
    offroad_speed_kmh: float = Field(default=5.0, gt=0)
    offroad_detour_factor: float = Field(default=1.3, ge=1)
    #: Unit kinds that fly, with their cruise speed in km/h (JSON: ``{"air": 220}``): they
    #: go straight at that speed after ``air_lift_off_s``, never by road.
    air_kinds: dict[str, float] = Field(default_factory=lambda: {"air": 220.0})
    air_lift_off_s: float = Field(default=300.0, ge=0)
    #: The largest request body accepted (bytes); a larger one is refused with 413 before it
    #: is read. The biggest body bluepool takes is a jurisdiction's polygon.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    #: The Ed25519 private key (PEM) that signs the audit log's checkpoints. Without one,
    #: production refuses to make checkpoints and other environments keep a development
    #: key in the database.
    audit_signing_key_file: Path | None = None
    #: How long the position history keeps a fix, in hours (0: for ever). Each batch of
    #: fixes deletes about as many expired ones; ``bluepool positions prune`` sweeps all.
    position_retention_hours: int = Field(default=7 * 24, ge=0)
    #: Open event streams (``GET /api/v1/events``) each worker process serves, per user and
    #: in all; one more is refused with 429.
    max_streams_per_user: int = Field(default=5, ge=1)
    max_streams: int = Field(default=500, ge=1)
    #: How often (seconds) an open stream checks that its user may still read it (active,
    #: same password and role, token not expired); a change to the user checks at once.
    stream_recheck_s: float = Field(default=5.0, gt=0)
    #: NATS with JetStream (e.g. ``nats://127.0.0.1:4222``) carries the events between API
    #: workers: each worker relays the outbox to it and feeds its event streams from it
    #: (docs/scale-out.md). Unset: the in-process broker (one worker).
    nats_url: str | None = None
    #: The JetStream stream (its subjects are ``<name in lower case>.events.<type>``).
    nats_stream: str = Field(default="BLUEPOOL", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    #: How long published outbox messages (and the JetStream stream's messages) are kept.
    outbox_retention_hours: float = Field(default=7 * 24, gt=0)
    #: The relay publishes on every commit; it also looks every this many seconds.
    relay_poll_s: float = Field(default=1.0, gt=0)
    #: The call history (``bluepool import calls``, ``bluepool history add-live``): a DuckDB
    #: file, an analytical copy (docs/history.md). Unset: ``history.duckdb`` next to a
    #: SQLite database, or ``var/history.duckdb`` (docs/decisions/0029).
    history_path: Path | None = None
    #: Optional map tile URL for deployments that have a tile server.
    tile_url: str | None = None

    def history_file(self) -> Path:
        """Where the call history lives: ``history_path``, or its default."""
        if self.history_path is not None:
            return self.history_path
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            return Path(self.database_url.removeprefix(prefix)).with_name("history.duckdb")
        return Path("var") / "history.duckdb"

    def as_environment(self) -> dict[str, str]:
        """These settings as the BLUEPOOL_* variables that would give them (for worker
        processes, which read their settings from the environment)."""
        return {
            f"BLUEPOOL_{name.upper()}": json.dumps(value) if isinstance(value, dict) else str(value)
            for name, value in self.model_dump().items()
            if value is not None
        }

    @field_validator("air_kinds")
    @classmethod
    def _cruise(cls, value: dict[str, float]) -> dict[str, float]:
        slow = sorted(kind for kind, kmh in value.items() if not kmh > 0)
        if slow:
            raise ValueError(f"a cruise speed must be positive (km/h): {', '.join(slow)}")
        return value

    @field_validator("sign_in_rate_per_address", "sign_in_rate_per_username")
    @classmethod
    def _rate(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit such as 10/minute: {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.environment == "production" and (
            self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32
        ):
            raise ValueError(
                "production needs BLUEPOOL_SECRET_KEY: a random secret of at least 32 "
                "characters (e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if self.secret_key == DEFAULT_SECRET:
            # A published default would let anyone forge tokens: without a configured
            # secret, each process signs with its own random one (sign in again after a
            # restart).
            self.secret_key = secrets.token_urlsafe(48)
        return self
