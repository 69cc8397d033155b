"""All settings in one place: environment variables, then an optional ``lianjian.toml``.

The Neo4j variables keep their usual names (``NEO4J_URI``, ``NEO4J_USER``,
``NEO4J_PASSWORD``, ``NEO4J_DATABASE``) so a server or cluster that already has them set is
used as is; everything else is prefixed ``LIANJIAN_``. When ``NEO4J_URI`` is unset the
project runs its own local server under ``home``.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

NEO4J_VERSION = "5.26.30"


class Settings(BaseSettings):
    """Lianjian's configuration (see docs/configuration in README)."""

    model_config = SettingsConfigDict(
        env_prefix="LIANJIAN_",
        toml_file=os.environ.get("LIANJIAN_CONFIG", "lianjian.toml"),
        extra="ignore",
        populate_by_name=True,
    )

    neo4j_uri: str | None = Field(None, validation_alias=AliasChoices("NEO4J_URI", "neo4j_uri"))
    neo4j_user: str = Field("neo4j", validation_alias=AliasChoices("NEO4J_USER", "neo4j_user"))
    neo4j_password: str | None = Field(
        None, validation_alias=AliasChoices("NEO4J_PASSWORD", "neo4j_password")
    )
    neo4j_database: str = Field(
        "neo4j", validation_alias=AliasChoices("NEO4J_DATABASE", "neo4j_database")
    )

    home: Path = Field(Path(".lianjian"), description="Local Neo4j: jars, config, data, logs")
    bolt_port: int = 7687
    heap: str | None = Field(None, description="Local Neo4j heap (512m, 4g); unset: sized "
                                               "for the machine (graph.memory)")
    pagecache: str | None = Field(None, description="Local Neo4j page cache; unset: sized "
                                                    "for the machine (graph.memory)")
    start_timeout_s: float = 120.0
    java_home: Path | None = None
    rules_dir: Path | None = Field(None, description="Extra rule YAML files (analysts' rules)")
    batch_size: int = 2000
    deadline_days: dict[str, int] = Field(
        default_factory=lambda: {"critical": 7, "high": 15, "medium": 30, "low": 60},
        description="Days an assigned alert has until its deadline, per severity "
                    "(lianjian.toml: [deadline_days] high = 15)")

    # The workbench (web/): where it listens, how long a sign-in lasts, how sign-ins are
    # throttled (docs/security.md says why these values).
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    session_idle_s: int = Field(1800, description="Idle timeout of a browser session")
    session_absolute_s: int = Field(43200, description="Absolute lifetime of a session")
    login_window_s: int = Field(60, description="Window of the sign-in throttle")
    login_max_per_account: int = Field(5, description="Failed sign-ins per account per window")
    login_max_per_address: int = Field(5, description="Failed sign-ins per address per window")
    cookie_secure: bool = Field(True, description="Secure cookies (off only behind plain "
                                                  "HTTP on a non-loopback address)")
    api_token_days: int = Field(90, description="Lifetime of a new API token")
    timezone: str = Field("Asia/Shanghai", description="Time zone of dates shown in the "
                                                       "workbench (IANA name)")

    # The public channel 监督一点通 (docs/public.md): what a village's page may show, and how
    # complaints from the public are limited. Identity and account numbers are never shown,
    # whatever is configured (analytics.disclosure.NEVER_PUBLIC).
    public_unit_levels: list[str] = Field(
        default_factory=lambda: ["township", "village"],
        description="Unit levels that have a public disclosure page (村级三务公开)")
    public_fields: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "subsidies": ["program", "recipient", "amount", "date", "issuer"],
            "contracts": ["title", "category", "supplier", "amount", "method", "signed_date",
                          "buyer"]},
        description="Columns shown on the public pages per table "
                    "(analytics.disclosure.PUBLIC_FIELDS lists the possible ones)")
    public_rows_shown: int = Field(200, description="Rows per table on a public page (the "
                                                    "page says how many there are in all)")
    public_disclosure_days: int = Field(730, description="Days back a public page shows")
    complaint_categories: list[str] = Field(
        default_factory=lambda: ["subsidy", "project", "assets", "conduct", "other"],
        description="Categories a citizen chooses from (words in web/i18n/*/public.yaml)")
    complaint_max_chars: int = Field(2000, description="Longest complaint text accepted")
    complaint_min_fill_s: float = Field(3.0, description="Seconds a complaint form must be "
                                                         "open before it is accepted")
    complaint_form_max_age_s: int = Field(7200, description="Lifetime of a complaint form")
    complaint_pow_bits: int = Field(14, description="Proof of work of a complaint form "
                                                    "(leading zero bits of SHA-256)")
    complaint_window_s: int = Field(3600, description="Window of the complaint throttle")
    complaint_max_per_address: int = Field(5, description="Complaints per address per window")
    tracking_window_s: int = Field(600, description="Window of the tracking-code throttle")
    tracking_max_per_address: int = Field(20, description="Tracking-code look-ups per "
                                                          "address per window")
    complaint_deadline_days: int = Field(30, description="Days a unit has to handle a "
                                                         "forwarded complaint by default")
    rectification_days: int = Field(30, description="Days a unit has to answer a "
                                                    "rectification notice by default")
    # 事前监督: the rules a proposed row is checked against, and whether a hit warns or
    # blocks (docs/embedded.md). A rule not listed is not run for that kind of row.
    check_policy: dict[str, dict[str, str]] = Field(
        default_factory=lambda: {
            "contract": {"relative_supplier": "block", "self_approval": "block",
                         "bid_splitting": "warn", "shell_company": "warn",
                         "revolving_door": "warn"},
            "subsidy": {"subsidy_ineligible": "block", "self_approval": "block",
                        "ghost_beneficiary": "block"}},
        description="Per kind of proposed row: rule id → warn or block")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @property
    def uses_remote_server(self) -> bool:
        """True when NEO4J_URI names a server: then no local one is ever started."""
        return bool(self.neo4j_uri)

    @property
    def local_uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def local_password_file(self) -> Path:
        """Where the local server's password is kept (made at its first start, mode 0600)."""
        return self.home.resolve() / "password"

    def local_password(self) -> str | None:
        """The local server's password, or None before its first start."""
        path = self.local_password_file
        return path.read_text().strip() if path.exists() else None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
