extension Migrations {
    /// The SQLite schema, in order. Never edit a migration once it has shipped: add a new one, here and in
    /// `PostgreSQLMigrations.swift` under the same id.
    ///
    /// Times are INTEGER Unix seconds, except `rate_limits`, which needs fractions (REAL seconds).
    /// IDs are lowercase hyphenated UUID strings made in Swift. Token and code hashes are BLOBs made by the caller.
    static let sqlite: [Migration] = [
        Migration(
            id: "2025-11-22 users",
            sql: """
                CREATE TABLE users (
                    id            TEXT    NOT NULL PRIMARY KEY,
                    email         TEXT    NOT NULL UNIQUE,
                    name          TEXT    NOT NULL DEFAULT '',
                    password_hash TEXT,
                    is_active     INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
                    profile       TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(profile)),
                    created_at    INTEGER NOT NULL,
                    updated_at    INTEGER NOT NULL
                );
                CREATE INDEX users_created ON users (created_at, id);
                """),
        Migration(
            id: "2025-11-22 roles",
            sql: """
                CREATE TABLE roles (
                    name        TEXT NOT NULL PRIMARY KEY,
                    description TEXT NOT NULL DEFAULT ''
                ) WITHOUT ROWID;
                CREATE TABLE role_permissions (
                    role       TEXT NOT NULL REFERENCES roles (name) ON DELETE CASCADE ON UPDATE CASCADE,
                    permission TEXT NOT NULL,
                    PRIMARY KEY (role, permission)
                ) WITHOUT ROWID;
                CREATE TABLE user_roles (
                    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    role    TEXT NOT NULL REFERENCES roles (name) ON DELETE CASCADE ON UPDATE CASCADE,
                    PRIMARY KEY (user_id, role)
                ) WITHOUT ROWID;
                CREATE INDEX user_roles_role ON user_roles (role);
                """),
        Migration(
            id: "2025-11-22 sessions",
            sql: """
                CREATE TABLE sessions (
                    id            TEXT    NOT NULL PRIMARY KEY,
                    user_id       TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    created_at    INTEGER NOT NULL,
                    last_used_at  INTEGER NOT NULL,
                    expires_at    INTEGER NOT NULL,
                    ip            TEXT,
                    user_agent    TEXT,
                    revoked_at    INTEGER,
                    revoke_reason TEXT
                );
                CREATE INDEX sessions_user ON sessions (user_id, last_used_at);
                CREATE TABLE revocation_epoch (
                    id    INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
                    epoch INTEGER NOT NULL
                );
                INSERT INTO revocation_epoch (id, epoch) VALUES (1, 0);
                -- Every revocation moves the epoch in the same transaction, whatever path revoked it:
                -- workers cache session status and re-check when the epoch moves.
                CREATE TRIGGER sessions_revoked AFTER UPDATE OF revoked_at ON sessions
                    WHEN OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL
                    BEGIN UPDATE revocation_epoch SET epoch = epoch + 1 WHERE id = 1; END;
                CREATE TRIGGER sessions_deleted AFTER DELETE ON sessions
                    WHEN OLD.revoked_at IS NULL
                    BEGIN UPDATE revocation_epoch SET epoch = epoch + 1 WHERE id = 1; END;
                """),
        Migration(
            id: "2025-11-22 refresh tokens",
            sql: """
                CREATE TABLE refresh_tokens (
                    token_hash     BLOB    NOT NULL PRIMARY KEY,
                    session_id     TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
                    parent_hash    BLOB,
                    successor_hash BLOB,
                    issued_at      INTEGER NOT NULL,
                    expires_at     INTEGER NOT NULL,
                    used_at        INTEGER
                ) WITHOUT ROWID;
                CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
                """),
        Migration(
            id: "2025-11-22 lockouts and rate limits",
            sql: """
                CREATE TABLE lockouts (
                    identifier   TEXT    NOT NULL PRIMARY KEY,
                    failures     INTEGER NOT NULL,
                    window_start INTEGER NOT NULL,
                    locked_until INTEGER NOT NULL DEFAULT 0,
                    lock_count   INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID;
                CREATE TABLE rate_limits (
                    key        TEXT NOT NULL PRIMARY KEY,
                    tokens     REAL NOT NULL,
                    updated_at REAL NOT NULL
                ) WITHOUT ROWID;
                """),
        Migration(
            id: "2025-11-22 password resets",
            sql: """
                CREATE TABLE password_resets (
                    token_hash BLOB    NOT NULL PRIMARY KEY,
                    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    used_at    INTEGER
                ) WITHOUT ROWID;
                CREATE INDEX password_resets_user ON password_resets (user_id);
                """),
        Migration(
            id: "2025-11-22 outbox",
            sql: """
                CREATE TABLE outbox (
                    id              TEXT    NOT NULL PRIMARY KEY,
                    recipient       TEXT    NOT NULL,
                    subject         TEXT    NOT NULL,
                    body            TEXT    NOT NULL,
                    created_at      INTEGER NOT NULL,
                    attempts        INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER NOT NULL,
                    sent_at         INTEGER,
                    failed_at       INTEGER,
                    last_error      TEXT
                );
                CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
                """),
        Migration(
            id: "2025-11-22 audit log",
            sql: """
                CREATE TABLE audit_log (
                    id         INTEGER PRIMARY KEY AUTOINCREMENT,
                    at         INTEGER NOT NULL,
                    event      TEXT    NOT NULL,
                    actor_id   TEXT,
                    user_id    TEXT,
                    ip         TEXT,
                    user_agent TEXT,
                    details    TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(details))
                );
                CREATE INDEX audit_log_user ON audit_log (user_id, id);
                CREATE INDEX audit_log_event ON audit_log (event, id);
                """),
        Migration(
            id: "2025-11-22 assignments",
            sql: """
                CREATE TABLE assignments (
                    id         TEXT    NOT NULL PRIMARY KEY,
                    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    zone       TEXT    NOT NULL,
                    department TEXT    NOT NULL,
                    role       TEXT    NOT NULL REFERENCES roles (name) ON DELETE CASCADE ON UPDATE CASCADE,
                    is_primary INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
                    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
                    rules      TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(rules)),
                    created_at INTEGER NOT NULL,
                    UNIQUE (user_id, zone, department)
                );
                CREATE UNIQUE INDEX assignments_one_primary ON assignments (user_id) WHERE is_primary = 1;
                CREATE INDEX assignments_role ON assignments (role);
                """),
        Migration(
            id: "2025-11-22 totp",
            sql: """
                CREATE TABLE mfa_totp (
                    user_id      TEXT    NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
                    secret       BLOB    NOT NULL,
                    created_at   INTEGER NOT NULL,
                    confirmed_at INTEGER,
                    last_step    INTEGER
                ) WITHOUT ROWID;
                CREATE TABLE recovery_codes (
                    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    code_hash BLOB NOT NULL,
                    used_at   INTEGER,
                    PRIMARY KEY (user_id, code_hash)
                ) WITHOUT ROWID;
                """),
        Migration(
            id: "2025-11-23 business",
            sql: """
                -- The business ("foundation") service. Every row belongs to a zone; lists are keyset-paged on
                -- (sort column, id), so each sort has an index that starts with zone (a zoned caller) and one
                -- without it (a caller without a zone listing every zone).
                CREATE TABLE branches (
                    id         TEXT    NOT NULL PRIMARY KEY,
                    zone       TEXT    NOT NULL,
                    name       TEXT    NOT NULL,
                    address    TEXT    NOT NULL DEFAULT '',
                    version    INTEGER NOT NULL DEFAULT 1,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE UNIQUE INDEX branches_zone_name ON branches (zone, name);
                -- The parent key of the assets' (branch_id, zone) foreign key: an asset's branch is in its zone.
                CREATE UNIQUE INDEX branches_id_zone ON branches (id, zone);
                CREATE INDEX branches_zone_created ON branches (zone, created_at, id);
                CREATE INDEX branches_name ON branches (name, id);
                CREATE INDEX branches_created ON branches (created_at, id);

                CREATE TABLE assets (
                    id           TEXT    NOT NULL PRIMARY KEY,
                    zone         TEXT    NOT NULL,
                    branch_id    TEXT    NOT NULL,
                    tag          TEXT    NOT NULL,
                    name         TEXT    NOT NULL,
                    category     TEXT    NOT NULL,
                    status       TEXT    NOT NULL DEFAULT 'in_service'
                                         CHECK (status IN ('in_service', 'in_repair', 'retired', 'lost')),
                    assigned_to  TEXT,
                    -- A calendar date: '+0 days' normalises 2023-02-29 to 2023-03-01, so only real dates equal it.
                    purchased_at TEXT    CHECK (purchased_at IS NULL OR date(purchased_at, '+0 days') IS purchased_at),
                    value_cents  INTEGER NOT NULL DEFAULT 0
                                         CHECK (typeof(value_cents) = 'integer' AND value_cents >= 0),
                    notes        TEXT    NOT NULL DEFAULT '',
                    version      INTEGER NOT NULL DEFAULT 1,
                    created_at   INTEGER NOT NULL,
                    updated_at   INTEGER NOT NULL,
                    FOREIGN KEY (branch_id, zone) REFERENCES branches (id, zone)
                );
                -- The sort indexes end with the version, so a worker checking whether a page it wrote is still the
                -- same (the rows' ids and versions) reads only the index.
                CREATE UNIQUE INDEX assets_zone_tag ON assets (zone, tag);
                CREATE INDEX assets_zone_created ON assets (zone, created_at, id, version);
                CREATE INDEX assets_zone_name ON assets (zone, name, id, version);
                CREATE INDEX assets_zone_value ON assets (zone, value_cents, id, version);
                -- The status filter.
                CREATE INDEX assets_zone_status ON assets (zone, status, created_at, id);
                -- The branch filter, the foreign key's child side, and the check for assets before a branch goes.
                CREATE INDEX assets_branch ON assets (branch_id, zone, created_at, id);
                CREATE INDEX assets_created ON assets (created_at, id, version);
                CREATE INDEX assets_name ON assets (name, id, version);
                CREATE INDEX assets_tag ON assets (tag, id, version);
                CREATE INDEX assets_value ON assets (value_cents, id, version);
                -- The version is the row's ETag and the key of the workers' rendered-row caches, so it moves on
                -- every update, even one written outside the API (the API moves it itself; recursive triggers are
                -- off, so this one does not fire again).
                CREATE TRIGGER assets_version AFTER UPDATE ON assets WHEN NEW.version = OLD.version
                    BEGIN UPDATE assets SET version = OLD.version + 1 WHERE id = NEW.id; END;
                CREATE TRIGGER branches_version AFTER UPDATE ON branches WHEN NEW.version = OLD.version
                    BEGIN UPDATE branches SET version = OLD.version + 1 WHERE id = NEW.id; END;

                -- The number and value of the assets of each (branch, status), kept by triggers in the transaction of
                -- every asset change, so the dashboard reads a few rows instead of counting a zone's assets.
                CREATE TABLE asset_counts (
                    branch_id   TEXT    NOT NULL,
                    status      TEXT    NOT NULL,
                    zone        TEXT    NOT NULL,
                    count       INTEGER NOT NULL,
                    value_cents INTEGER NOT NULL,
                    PRIMARY KEY (branch_id, status)
                ) WITHOUT ROWID;
                CREATE INDEX asset_counts_zone ON asset_counts (zone, status, count, value_cents);
                CREATE TRIGGER assets_counted AFTER INSERT ON assets
                BEGIN
                    INSERT INTO asset_counts (branch_id, status, zone, count, value_cents)
                    VALUES (NEW.branch_id, NEW.status, NEW.zone, 1, NEW.value_cents)
                    ON CONFLICT (branch_id, status)
                    DO UPDATE SET count = count + 1, value_cents = value_cents + excluded.value_cents;
                END;
                CREATE TRIGGER assets_uncounted AFTER DELETE ON assets
                BEGIN
                    UPDATE asset_counts SET count = count - 1, value_cents = value_cents - OLD.value_cents
                    WHERE branch_id = OLD.branch_id AND status = OLD.status;
                    DELETE FROM asset_counts WHERE branch_id = OLD.branch_id AND status = OLD.status AND count = 0;
                END;
                CREATE TRIGGER assets_recounted AFTER UPDATE OF branch_id, status, value_cents ON assets
                    WHEN OLD.branch_id IS NOT NEW.branch_id OR OLD.status IS NOT NEW.status
                        OR OLD.value_cents IS NOT NEW.value_cents
                BEGIN
                    UPDATE asset_counts SET count = count - 1, value_cents = value_cents - OLD.value_cents
                    WHERE branch_id = OLD.branch_id AND status = OLD.status;
                    DELETE FROM asset_counts WHERE branch_id = OLD.branch_id AND status = OLD.status AND count = 0;
                    INSERT INTO asset_counts (branch_id, status, zone, count, value_cents)
                    VALUES (NEW.branch_id, NEW.status, NEW.zone, 1, NEW.value_cents)
                    ON CONFLICT (branch_id, status)
                    DO UPDATE SET count = count + 1, value_cents = value_cents + excluded.value_cents;
                END;

                -- One JSON value per (zone, key); known keys are checked by the handler against their schema.
                CREATE TABLE settings (
                    zone       TEXT    NOT NULL,
                    key        TEXT    NOT NULL,
                    value      TEXT    NOT NULL CHECK (json_valid(value)),
                    updated_at INTEGER NOT NULL,
                    updated_by TEXT,
                    PRIMARY KEY (zone, key)
                ) WITHOUT ROWID;

                -- Written in the same transaction as every change to the three tables above.
                CREATE TABLE activity (
                    id        INTEGER PRIMARY KEY AUTOINCREMENT,
                    at        INTEGER NOT NULL,
                    zone      TEXT    NOT NULL,
                    actor_id  TEXT,
                    action    TEXT    NOT NULL CHECK (action IN ('created', 'updated', 'deleted')),
                    entity    TEXT    NOT NULL CHECK (entity IN ('asset', 'branch', 'setting')),
                    entity_id TEXT    NOT NULL
                );
                CREATE INDEX activity_zone ON activity (zone, id);
                """),
        Migration(
            id: "2026-12-03 retention",
            sql: """
                -- The supervisor deletes expired rows in small batches (Retention); these indexes let each batch
                -- find its rows without scanning the table while it holds the write lock.
                CREATE INDEX lockouts_window ON lockouts (window_start);
                CREATE INDEX rate_limits_updated ON rate_limits (updated_at);
                CREATE INDEX sessions_expires ON sessions (expires_at);
                CREATE INDEX sessions_revoked ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;
                CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);
                CREATE INDEX password_resets_expires ON password_resets (expires_at);
                CREATE INDEX outbox_created ON outbox (created_at);
                -- Password-reset requests as submitted, taken up by the supervisor: the request itself writes this
                -- one row whether or not the account exists, so its timing tells nothing.
                CREATE TABLE password_reset_requests (
                    id           INTEGER PRIMARY KEY AUTOINCREMENT,
                    identifier   TEXT    NOT NULL CHECK (length(CAST(identifier AS BLOB)) <= 254),
                    requested_at INTEGER NOT NULL,
                    ip           TEXT,
                    user_agent   TEXT
                );
                """),
        Migration(
            id: "2026-12-03 session context",
            sql: """
                -- The zone/department a session works in since its last context switch (NULL: the user's default
                -- context), so its refreshes keep it.
                ALTER TABLE sessions ADD COLUMN ctx_zone TEXT;
                ALTER TABLE sessions ADD COLUMN ctx_department TEXT;
                -- The X-Device-Id the session logged in with (the token's `did`, checked by device rules).
                ALTER TABLE sessions ADD COLUMN device_id TEXT;
                """),
        Migration(
            id: "2026-12-03 policies",
            sql: """
                -- Casbin "RBAC with domains" lines (API.md "Policies"), in the order given, as canonical text.
                CREATE TABLE policies (
                    position INTEGER NOT NULL PRIMARY KEY,
                    line     TEXT    NOT NULL
                );
                -- What the workers' compiled authorization snapshots are built from moves these counters in the
                -- same transaction, whatever path changed it: `policies` for roles, their permissions and the policy
                -- lines (the snapshot is rebuilt), `assignments` for users' roles and assignments (per-user caches
                -- are dropped). PUT /policies moves `policies` itself, once, not once per line.
                CREATE TABLE authz_epoch (
                    id          INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
                    policies    INTEGER NOT NULL,
                    assignments INTEGER NOT NULL
                );
                INSERT INTO authz_epoch (id, policies, assignments) VALUES (1, 0, 0);
                CREATE TRIGGER roles_changed_insert AFTER INSERT ON roles
                    BEGIN UPDATE authz_epoch SET policies = policies + 1 WHERE id = 1; END;
                CREATE TRIGGER roles_changed_update AFTER UPDATE ON roles
                    BEGIN UPDATE authz_epoch SET policies = policies + 1 WHERE id = 1; END;
                CREATE TRIGGER roles_changed_delete AFTER DELETE ON roles
                    BEGIN UPDATE authz_epoch SET policies = policies + 1 WHERE id = 1; END;
                CREATE TRIGGER role_permissions_changed_insert AFTER INSERT ON role_permissions
                    BEGIN UPDATE authz_epoch SET policies = policies + 1 WHERE id = 1; END;
                CREATE TRIGGER role_permissions_changed_update AFTER UPDATE ON role_permissions
                    BEGIN UPDATE authz_epoch SET policies = policies + 1 WHERE id = 1; END;
                CREATE TRIGGER role_permissions_changed_delete AFTER DELETE ON role_permissions
                    BEGIN UPDATE authz_epoch SET policies = policies + 1 WHERE id = 1; END;
                CREATE TRIGGER user_roles_changed_insert AFTER INSERT ON user_roles
                    BEGIN UPDATE authz_epoch SET assignments = assignments + 1 WHERE id = 1; END;
                CREATE TRIGGER user_roles_changed_update AFTER UPDATE ON user_roles
                    BEGIN UPDATE authz_epoch SET assignments = assignments + 1 WHERE id = 1; END;
                CREATE TRIGGER user_roles_changed_delete AFTER DELETE ON user_roles
                    BEGIN UPDATE authz_epoch SET assignments = assignments + 1 WHERE id = 1; END;
                CREATE TRIGGER assignments_changed_insert AFTER INSERT ON assignments
                    BEGIN UPDATE authz_epoch SET assignments = assignments + 1 WHERE id = 1; END;
                CREATE TRIGGER assignments_changed_update AFTER UPDATE ON assignments
                    BEGIN UPDATE authz_epoch SET assignments = assignments + 1 WHERE id = 1; END;
                CREATE TRIGGER assignments_changed_delete AFTER DELETE ON assignments
                    BEGIN UPDATE authz_epoch SET assignments = assignments + 1 WHERE id = 1; END;
                """),
        Migration(
            id: "2026-12-04 clients",
            sql: """
                -- SaaS clients (API.md "SaaS clients"): allowlists and allowed roles are JSON arrays of strings.
                CREATE TABLE clients (
                    id               TEXT    NOT NULL PRIMARY KEY,
                    name             TEXT    NOT NULL,
                    ip_allowlist     TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(ip_allowlist)),
                    origin_allowlist TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(origin_allowlist)),
                    roles_allowed    TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(roles_allowed)),
                    created_at       INTEGER NOT NULL,
                    updated_at       INTEGER NOT NULL
                );
                CREATE INDEX clients_created ON clients (created_at, id);
                -- API keys: only HMAC-SHA256 of the secret under the server's pepper is kept.
                CREATE TABLE api_keys (
                    kid          TEXT    NOT NULL PRIMARY KEY,
                    client_id    TEXT    NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
                    secret_hash  BLOB    NOT NULL,
                    state        TEXT    NOT NULL CHECK (state IN ('primary', 'secondary', 'revoked')),
                    created_at   INTEGER NOT NULL,
                    last_used_at INTEGER,
                    revoked_at   INTEGER
                );
                CREATE INDEX api_keys_client ON api_keys (client_id, state);
                -- Workers cache validated keys and clients; any change to a client or a key's state moves this counter
                -- in the same transaction, and the caches are dropped when it moves.
                CREATE TABLE client_epoch (
                    id    INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
                    epoch INTEGER NOT NULL
                );
                INSERT INTO client_epoch (id, epoch) VALUES (1, 0);
                CREATE TRIGGER clients_changed_update AFTER UPDATE ON clients
                    BEGIN UPDATE client_epoch SET epoch = epoch + 1 WHERE id = 1; END;
                CREATE TRIGGER clients_changed_delete AFTER DELETE ON clients
                    BEGIN UPDATE client_epoch SET epoch = epoch + 1 WHERE id = 1; END;
                CREATE TRIGGER api_keys_changed_state AFTER UPDATE OF state ON api_keys
                    BEGIN UPDATE client_epoch SET epoch = epoch + 1 WHERE id = 1; END;
                CREATE TRIGGER api_keys_changed_delete AFTER DELETE ON api_keys
                    BEGIN UPDATE client_epoch SET epoch = epoch + 1 WHERE id = 1; END;
                -- End users of a client (SDK sessions): unique per (client, external id), gone with their client.
                ALTER TABLE users ADD COLUMN tenant TEXT REFERENCES clients (id) ON DELETE CASCADE;
                ALTER TABLE users ADD COLUMN external_id TEXT;
                CREATE UNIQUE INDEX users_tenant_external ON users (tenant, external_id) WHERE tenant IS NOT NULL;
                CREATE INDEX users_tenant_created ON users (tenant, created_at, id);
                """),
        Migration(
            id: "2026-12-05 mfa",
            sql: """
                -- TOTP secrets are kept sealed (AES-256-GCM under MFA_KEY_FILE, the user id bound as additional
                -- data), never in clear: the first TOTP table held the raw secret and was never written to, so it is
                -- replaced rather than converted.
                DROP TABLE mfa_totp;
                CREATE TABLE mfa_totp (
                    user_id       TEXT    NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
                    sealed_secret BLOB    NOT NULL,
                    created_at    INTEGER NOT NULL,
                    confirmed_at  INTEGER,
                    last_step     INTEGER
                ) WITHOUT ROWID;
                -- The second step of a login: a correct password with a second factor on hands out an mfa_token,
                -- kept only as its SHA-256, single use, short-lived.
                CREATE TABLE mfa_challenges (
                    token_hash  BLOB    NOT NULL PRIMARY KEY,
                    user_id     TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    created_at  INTEGER NOT NULL,
                    expires_at  INTEGER NOT NULL,
                    used_at     INTEGER,
                    use_cookies INTEGER NOT NULL DEFAULT 0 CHECK (use_cookies IN (0, 1))
                ) WITHOUT ROWID;
                CREATE INDEX mfa_challenges_expires ON mfa_challenges (expires_at);
                CREATE INDEX mfa_challenges_user ON mfa_challenges (user_id);
                -- The RFC 8176 methods of the session's login (comma-separated: pwd, otp, ...), its tokens' amr.
                ALTER TABLE sessions ADD COLUMN amr TEXT;
                """),
        Migration(
            id: "2026-12-05 webauthn",
            sql: """
                -- WebAuthn passkeys (API.md "MFA"): the credential id and the COSE public key as the authenticator
                -- sent them; the signature counter only ever grows.
                CREATE TABLE webauthn_credentials (
                    id              TEXT    NOT NULL PRIMARY KEY,
                    user_id         TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    credential_id   BLOB    NOT NULL UNIQUE,
                    public_key      BLOB    NOT NULL,
                    algorithm       INTEGER NOT NULL,
                    sign_count      INTEGER NOT NULL DEFAULT 0,
                    name            TEXT    NOT NULL,
                    aaguid          BLOB    NOT NULL,
                    backup_eligible INTEGER NOT NULL DEFAULT 0 CHECK (backup_eligible IN (0, 1)),
                    created_at      INTEGER NOT NULL,
                    last_used_at    INTEGER
                );
                CREATE INDEX webauthn_credentials_user ON webauthn_credentials (user_id, created_at);
                -- Ceremony challenges: single use, short-lived, only SHA-256 hashes kept. token_hash finds the row
                -- (the hash of the challenge itself, or of the login's challenge_token); expired rows are pruned.
                CREATE TABLE webauthn_challenges (
                    token_hash     BLOB    NOT NULL PRIMARY KEY,
                    challenge_hash BLOB    NOT NULL,
                    purpose        TEXT    NOT NULL CHECK (purpose IN ('register', 'login', 'mfa')),
                    user_id        TEXT    REFERENCES users (id) ON DELETE CASCADE,
                    identifier     TEXT,
                    expires_at     INTEGER NOT NULL
                );
                CREATE INDEX webauthn_challenges_expires ON webauthn_challenges (expires_at);
                """),
        Migration(
            id: "2026-12-05 events",
            sql: """
                -- Events (API.md "Events and webhooks"): appended in the same transaction as the change they describe.
                -- `body` is the event's JSON exactly as the log shows it and webhooks deliver it; `seq` orders the log.
                CREATE TABLE events (
                    seq  INTEGER PRIMARY KEY AUTOINCREMENT,
                    id   TEXT    NOT NULL UNIQUE,
                    type TEXT    NOT NULL,
                    at   INTEGER NOT NULL,
                    body TEXT    NOT NULL CHECK (json_valid(body))
                );
                CREATE INDEX events_type ON events (type, seq);
                -- Webhook subscriptions: secrets sealed (AES-256-GCM) under the key file beside the signing keys.
                CREATE TABLE webhook_subscriptions (
                    id              TEXT    NOT NULL PRIMARY KEY,
                    url             TEXT    NOT NULL,
                    events          TEXT    NOT NULL CHECK (json_valid(events)),
                    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
                    secret          BLOB    NOT NULL,
                    previous_secret BLOB,
                    previous_until  INTEGER,
                    failing_since   INTEGER,
                    created_at      INTEGER NOT NULL,
                    updated_at      INTEGER NOT NULL
                );
                CREATE INDEX webhook_subscriptions_created ON webhook_subscriptions (created_at, id);
                -- One row per filter pattern (an exact type, `prefix.*` or `*`), so an event finds its subscribers by index.
                CREATE TABLE webhook_filters (
                    pattern         TEXT NOT NULL,
                    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
                    PRIMARY KEY (pattern, subscription_id)
                );
                CREATE INDEX webhook_filters_subscription ON webhook_filters (subscription_id);
                -- One delivery per (event, subscription); claimed by a delivery process with a lease and a claim token.
                CREATE TABLE webhook_deliveries (
                    id              TEXT    NOT NULL PRIMARY KEY,
                    subscription_id TEXT    NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
                    event_id        TEXT    NOT NULL REFERENCES events (id) ON DELETE CASCADE,
                    status          TEXT    NOT NULL CHECK (status IN ('pending', 'retrying', 'delivered', 'failed')),
                    attempts        INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER,
                    lease_until     INTEGER,
                    claim           TEXT,
                    created_at      INTEGER NOT NULL
                );
                CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
                    WHERE status IN ('pending', 'retrying');
                CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);
                CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id);
                -- The deliveries log: one row per attempt.
                CREATE TABLE webhook_attempts (
                    id              INTEGER PRIMARY KEY AUTOINCREMENT,
                    delivery_id     TEXT    NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
                    subscription_id TEXT    NOT NULL,
                    attempt         INTEGER NOT NULL,
                    status          TEXT    NOT NULL CHECK (status IN ('pending', 'retrying', 'delivered', 'failed')),
                    response_status INTEGER,
                    error           TEXT,
                    at              INTEGER NOT NULL,
                    next_attempt_at INTEGER
                );
                CREATE INDEX webhook_attempts_subscription ON webhook_attempts (subscription_id, id);
                CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);
                """),
    ]
}
