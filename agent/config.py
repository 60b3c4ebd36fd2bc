"""The configuration people write, validated so every mistake names its field and its fix.

Why one pydantic model: the file is read by people first and by code second, so the model is
where "what does this setting mean, and what is wrong with mine" is answered once. Lower layers
(the DocuSign client, the store, the policy engine) take plain constructor arguments; only the
runtime wiring reads this model. Secrets are never inline: the private key comes from a file or
``DSADMIN_PRIVATE_KEY``, the Anthropic key only from ``ANTHROPIC_API_KEY``.

Where the configuration comes from, first match wins: ``--config PATH``, ``$DSADMIN_CONFIG``,
``./dsadmin.yaml``; none at all means the embedded default (the sandbox org, the offline planner,
SQLite under ``$DSADMIN_HOME``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from agent.channel_settings import AuthSettings, NotifySettings
from audit.home import dsadmin_home
from policies.problems import field_problems

OAUTH_HOSTS = {"production": "account.docusign.com", "demo": "account-d.docusign.com"}
ADMIN_BASE_URLS = {
    "production": "https://api.docusign.net/Management",
    "demo": "https://api-d.docusign.net/Management",
}
# The one place the default Claude model is named (README, config.example.yaml and tests read it here).
DEFAULT_MODEL = "claude-sonnet-5-5"
_GUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# Where each DocuSign id is found, for messages about a missing or malformed one.
_DOCUSIGN_ID_HELP = {
    "integration_key": "the Integration Key of your app on DocuSign's Apps and Keys page",
    "user_id": "the API Username (a GUID) of the organization admin to impersonate (Apps and Keys page)",
    "account_id": "the API Account ID (a GUID) on the Apps and Keys page, or leave it out",
    "organization_id": "the organization's id (a GUID) from `dsadmin config check`, or leave it out",
}


class ConfigError(ValueError):
    """A configuration mistake, worded for the person who must fix the file."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DocuSignSettings(_Section):
    """A real DocuSign organization reached with the JWT grant."""

    integration_key: str = Field(min_length=1)
    user_id: str = Field(min_length=1, description="GUID of the user the integration impersonates")
    account_id: str | None = None
    private_key_file: Path | None = None
    environment: Literal["production", "demo"] = "production"
    organization_id: str | None = None
    redirect_uri: str | None = Field(
        None, description="a redirect URI registered for the integration, used in the consent URL"
    )
    oauth_base_url: str | None = None
    admin_base_url: str | None = None

    @field_validator("environment", mode="before")
    @classmethod
    def _known_environment(cls, value: object) -> object:
        if isinstance(value, str) and value not in OAUTH_HOSTS:
            raise ValueError(f"unknown environment {value!r}; use 'production' or 'demo'")
        return value

    @field_validator("user_id", "account_id", "organization_id")
    @classmethod
    def _guid(cls, value: str | None, info) -> str | None:
        import re

        if value is not None and not re.match(_GUID_PATTERN, value.strip()):
            raise ValueError(f"{value!r} is not a GUID; use {_DOCUSIGN_ID_HELP[info.field_name]}")
        return value.strip() if value is not None else None

    @model_validator(mode="after")
    def _hosts_match_environment(self) -> DocuSignSettings:
        other = "demo" if self.environment == "production" else "production"
        for field in ("oauth_base_url", "admin_base_url"):
            url = getattr(self, field) or ""
            if OAUTH_HOSTS[other] in url or ADMIN_BASE_URLS[other].split("/")[2] in url:
                raise ValueError(
                    f"{field} points at the {other} hosts but environment is {self.environment!r}; "
                    f"set environment: {other} or fix {field}"
                )
        return self

    @model_validator(mode="after")
    def _urls_look_like_docusign_hosts(self) -> DocuSignSettings:
        """Catch the look-alike hosts the exact check above misses (na3.docusign.net, demo.docusign.net)."""
        for field in ("oauth_base_url", "admin_base_url"):
            url = getattr(self, field)
            if not url:
                continue
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"{field} {url!r} needs a scheme; write https://{url}")
            host = url.split("/")[2].lower()
            if host.endswith((".docusign.com", ".docusign.net")):
                is_demo = "-d." in host or host.startswith("demo.")
                if is_demo != (self.environment == "demo"):
                    kind = "demo" if is_demo else "production"
                    raise ValueError(
                        f"{field} {url!r} is a {kind} host but environment is {self.environment!r}; "
                        f"demo credentials work only against demo hosts: "
                        f"set environment: {kind} or fix {field}"
                    )
        admin = self.admin_base_url
        if admin and not admin.rstrip("/").endswith("/Management"):
            raise ValueError(
                f"admin_base_url {admin!r} is not the Admin API: its base path is /Management, e.g. "
                f"{ADMIN_BASE_URLS[self.environment]} (/restapi is the eSignature API)"
            )
        return self

    @property
    def oauth_url(self) -> str:
        return self.oauth_base_url or f"https://{OAUTH_HOSTS[self.environment]}"

    @property
    def admin_url(self) -> str:
        return self.admin_base_url or ADMIN_BASE_URLS[self.environment]

    def private_key_pem(self) -> str:
        """The RSA private key, from ``DSADMIN_PRIVATE_KEY`` or ``private_key_file``."""
        pem = os.environ.get("DSADMIN_PRIVATE_KEY")
        source = "DSADMIN_PRIVATE_KEY"
        if not pem:
            if self.private_key_file is None:
                raise ConfigError(
                    "docusign.private_key_file: no private key; set private_key_file to the RSA key "
                    "file of the integration, or export DSADMIN_PRIVATE_KEY"
                )
            from policies.textfiles import FileProblem, read_text

            path = self.private_key_file.expanduser()
            if not path.is_file():
                raise ConfigError(f"docusign.private_key_file: {path} does not exist; fix the path")
            try:
                pem = read_text(path, "private key file")
            except FileProblem as exc:
                raise ConfigError(f"docusign.private_key_file: {exc}") from None
            source = f"docusign.private_key_file ({path})"
        pem = pem.strip()
        if "PUBLIC KEY-----" in pem:
            raise ConfigError(
                f"{source}: this is the public key; dsadmin needs the private key of the same RSA pair "
                "(DocuSign showed it once, when the key pair was generated)"
            )
        if "ENCRYPTED" in pem:
            raise ConfigError(f"{source}: the private key is encrypted; store it without a passphrase")
        if "-----BEGIN" not in pem or "-----END" not in pem:
            raise ConfigError(
                f"{source}: the key has no '-----BEGIN RSA PRIVATE KEY-----' / '-----END ...' lines; "
                "paste the whole PEM, header and footer included"
            )
        return pem + "\n"


class SandboxSettings(_Section):
    """The embedded DocuSign emulator used when no ``docusign`` section is given."""

    fixture: str = "acme"
    state_dir: Path | None = Field(None, description="default: $DSADMIN_HOME/sandbox")


class BulkSettings(_Section):
    """Where CSV files named in a conversation ("import users from new_hires.csv") are read from."""

    folder: Path | None = Field(None, description="default: the working directory of the process")


class ModelSettings(_Section):
    provider: Literal["anthropic", "offline", "scripted"] | None = Field(
        None, description="default: anthropic when ANTHROPIC_API_KEY is set, else offline"
    )
    name: str = Field(DEFAULT_MODEL, min_length=1, max_length=100)
    base_url: str | None = None
    script: Path | None = None
    max_steps: int = Field(12, ge=1, le=100)
    max_tokens_per_request: int = Field(60_000, ge=1_000)
    # Anthropic's agent-design guidance: "medium is often a favorable balance" for tool-using agents
    # (short, consolidated tool calls, terse confirmations); raise it for harder requests.
    effort: Literal["low", "medium", "high", "xhigh", "max"] | None = Field(
        "medium", description="output_config.effort; null sends none (the model's own default)"
    )
    thinking: Literal["model_default", "adaptive", "between_tools"] = Field(
        "model_default",
        description="model_default sends no thinking field (Sonnet 5.5: adaptive); between_tools turns "
        "up-front thinking off where the model supports it",
    )
    fallback: Literal["none", "offline"] = Field(
        "none",
        description="offline: answer from the offline planner, with a notice, when Claude is unavailable",
    )

    def effective_provider(self) -> str:
        if self.provider:
            return self.provider
        return "anthropic" if os.environ.get("ANTHROPIC_API_KEY") else "offline"


class StoreSettings(_Section):
    url: str | None = Field(None, description="SQLAlchemy URL; default sqlite in $DSADMIN_HOME")

    def effective_url(self) -> str:
        if self.url:
            return self.url
        home = dsadmin_home()
        return f"sqlite:///{home / 'dsadmin.db'}"


class PolicySettings(_Section):
    path: Path | None = Field(None, description="default: the packaged policies/default.yaml")


class PeopleSettings(_Section):
    """Who is who. Entries are emails or ``@domain`` patterns."""

    admins: list[str] = Field(default_factory=list)
    approvers: list[str] = Field(default_factory=list)
    employees: list[str] = Field(default_factory=list)
    default_actor: str | None = None
    os_users: dict[str, str] = Field(default_factory=dict, description="OS login -> email (no IdP)")

    @field_validator("admins", "approvers", "employees")
    @classmethod
    def _emails_or_domains(cls, values: list[str]) -> list[str]:
        cleaned = []
        for value in values:
            v = value.strip().lower()
            if not v or (" " in v) or ("@" not in v):
                raise ValueError(f"{value!r} is neither an email nor an '@domain' pattern")
            cleaned.append(v)
        return cleaned


class SeatDefaults(_Section):
    """What an employee's own seat request asks for when they name nothing ("I need a seat to send
    contracts"): the request still goes to an approver; these only fill what the person left unsaid."""

    account: str | None = Field(None, description="default: the organization's default account")
    permission_profile: str | None = Field("DocuSign Sender", description="null: the planner asks")
    groups: list[str] = Field(default_factory=list)


class SelfServiceSettings(_Section):
    seat_defaults: SeatDefaults = Field(default_factory=SeatDefaults)
    # per email domain ("contractors.acme.com"), replacing seat_defaults for people of that domain;
    # each entry has seat_defaults' keys (kept a plain mapping: its keys are the domains)
    seat_defaults_by_domain: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @field_validator("seat_defaults_by_domain")
    @classmethod
    def _domains(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {
            k.strip().lower().lstrip("@"): SeatDefaults.model_validate(v).model_dump()
            for k, v in value.items()
        }

    def seat_for(self, email: str) -> SeatDefaults:
        domain = email.rpartition("@")[2].lower()
        override = self.seat_defaults_by_domain.get(domain)
        return SeatDefaults.model_validate(override) if override is not None else self.seat_defaults


class SlackSettings(_Section):
    """The Slack app (``dsadmin slack serve``). Secrets only from the environment, never inline."""

    bot_token_env: str = Field("DSADMIN_SLACK_BOT_TOKEN", description="env var holding the xoxb- bot token")
    signing_secret_env: str = Field("DSADMIN_SLACK_SIGNING_SECRET", description="env var: the signing secret")
    app_token_env: str = Field("DSADMIN_SLACK_APP_TOKEN", description="env var: xapp- token (socket mode)")
    approvals_channel: str | None = Field(None, description="channel id for approval requests; else DMs")
    api_url: str | None = Field(None, description="Slack Web API base URL; default Slack's own")


class Config(_Section):
    docusign: DocuSignSettings | None = None
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings)
    bulk: BulkSettings = Field(default_factory=BulkSettings)
    model: ModelSettings = Field(default_factory=ModelSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)
    people: PeopleSettings = Field(default_factory=PeopleSettings)
    self_service: SelfServiceSettings = Field(default_factory=SelfServiceSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    source: str = Field("embedded default", exclude=True)

    @property
    def uses_sandbox(self) -> bool:
        return self.docusign is None


EMBEDDED_PEOPLE = PeopleSettings(
    admins=["admin@acme.com"],
    approvers=["approver@acme.com"],
    employees=["@acme.com"],
    default_actor="admin@acme.com",
)


def embedded_default() -> Config:
    """The configuration a newcomer gets: the sandbox org, offline model, local SQLite."""
    return Config(people=EMBEDDED_PEOPLE.model_copy())


def _describe(error: ValidationError, source: str) -> str:
    lines = field_problems(
        error,
        unknown="unknown setting; remove it or check its spelling against config.example.yaml",
        reword=_docusign_id_help,
    )
    heading = f"{source}: the configuration has {error.error_count()} problem(s):"
    return "\n".join([heading, *(f"  {line}" for line in lines)])


def _docusign_id_help(item: ErrorDetails, _where: str) -> str | None:
    """A missing DocuSign id is told where to find it."""
    if item["loc"][:1] == ("docusign",) and item["type"] in ("missing", "string_too_short"):
        field = str(item["loc"][-1])
        return f"required; set it to {_DOCUSIGN_ID_HELP.get(field, 'a value (see config.example.yaml)')}"
    return None


_PEOPLE_HINT = (
    "add a people section naming who is who, e.g.\n"
    "  people:\n    admins: [it-admin@example.com]\n    approvers: [security@example.com]\n"
    "    employees: ['@example.com']\n(see config.example.yaml)"
)


def parse_config(data: object, source: str, *, require_people: bool = False) -> Config:
    """``require_people``: a configuration file must say who is who (fails closed); only the
    embedded default, with no file at all, lends the sandbox's own people."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of sections (docusign, model, store, ...)")
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from None
    if "people" not in data:
        if require_people:
            raise ConfigError(f"{source}: no people section, so nobody would have a role; {_PEOPLE_HINT}")
        config.people = EMBEDDED_PEOPLE.model_copy()
    elif require_people and not (config.people.admins or config.people.approvers or config.people.employees):
        raise ConfigError(f"{source}: people lists no admins, approvers or employees, so nobody would "
                          f"have a role; {_PEOPLE_HINT}")
    config.source = source
    return config


def load_config(path: str | Path | None = None) -> Config:
    """Load from ``path``, ``$DSADMIN_CONFIG`` or ``./dsadmin.yaml``; else the embedded default."""
    candidate = path or os.environ.get("DSADMIN_CONFIG")
    if candidate is None and Path("dsadmin.yaml").is_file():
        candidate = "dsadmin.yaml"
    if candidate is None:
        return embedded_default()
    from policies.textfiles import load_yaml

    file = Path(candidate).expanduser()
    if not file.exists():
        raise ConfigError(f"{file}: no such configuration file; fix --config or $DSADMIN_CONFIG")
    data = load_yaml(file, "configuration file", error=ConfigError)
    return parse_config(data, str(file), require_people=True)
