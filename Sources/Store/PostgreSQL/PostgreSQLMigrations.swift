extension Migrations {
    /// The schema on PostgreSQL 15: ``all`` translated migration by migration, with the same ids in the same order,
    /// so the same repository SQL runs on both backends. Never edit a migration once it has shipped: add a new one
    /// here and in ``all``.
    ///
    /// The translation keeps SQLite's observable behaviour:
    /// * TEXT is `TEXT COLLATE "C"`: byte order, as SQLite's BINARY, whatever the database's locale.
    /// * INTEGER is BIGINT (flags too, with the same `CHECK (x IN (0, 1))`: shared SQL writes `is_active = 1`),
    ///   REAL is DOUBLE PRECISION, BLOB is BYTEA. `INTEGER PRIMARY KEY AUTOINCREMENT` is an identity generated
    ///   BY DEFAULT, so `db copy` can insert the ids it reads (and must then move the sequence past them).
    /// * `json_valid` and the calendar-date check are the functions `gatehouse_json_valid` and `gatehouse_is_date`.
    /// * Each trigger keeps its name and its row-level semantics, its body in a plpgsql function. The version bump
    ///   is a BEFORE trigger that sets the new row's version, rather than SQLite's AFTER trigger that updates the
    ///   row again: the same stored result without a second update.
    ///
    /// Every script runs whole, in one transaction (functions' `$$` bodies hold semicolons).
    static let postgreSQL: [Migration] = [
        Migration(
            id: "2025-11-22 users",
            sql: """
                -- SQLite's json_valid(x): x is well-formed JSON text (the json type checks syntax only, as SQLite).
                CREATE FUNCTION gatehouse_json_valid(value text) RETURNS boolean
                    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
                BEGIN
                    PERFORM value::json;
                    RETURN true;
                EXCEPTION WHEN invalid_text_representation OR untranslatable_character OR statement_too_complex THEN
                    RETURN false;
                END
                $$;
                CREATE TABLE users (
                    id            TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                    email         TEXT COLLATE "C" NOT NULL UNIQUE,
                    name          TEXT COLLATE "C" NOT NULL DEFAULT '',
                    password_hash TEXT COLLATE "C",
                    is_active     BIGINT NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
                    profile       TEXT COLLATE "C" NOT NULL DEFAULT '{}' CHECK (gatehouse_json_valid(profile)),
                    created_at    BIGINT NOT NULL,
                    updated_at    BIGINT NOT NULL
                );
                CREATE INDEX users_created ON users (created_at, id);
                """),
        Migration(
            id: "2025-11-22 roles",
            sql: """
                CREATE TABLE roles (
                    name        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                    description TEXT COLLATE "C" NOT NULL DEFAULT ''
                );
                CREATE TABLE role_permissions (
                    role       TEXT COLLATE "C" NOT NULL REFERENCES roles (name) ON DELETE CASCADE ON UPDATE CASCADE,
                    permission TEXT COLLATE "C" NOT NULL,
                    PRIMARY KEY (role, permission)
                );
                CREATE TABLE user_roles (
                    user_id TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    role    TEXT COLLATE "C" NOT NULL REFERENCES roles (name) ON DELETE CASCADE ON UPDATE CASCADE,
                    PRIMARY KEY (user_id, role)
                );
                CREATE INDEX user_roles_role ON user_roles (role);
                """),
        Migration(
            id: "2025-11-22 sessions",
            sql: """
                CREATE TABLE sessions (
                    id            TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                    user_id       TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    created_at    BIGINT NOT NULL,
                    last_used_at  BIGINT NOT NULL,
                    expires_at    BIGINT NOT NULL,
                    ip            TEXT COLLATE "C",
                    user_agent    TEXT COLLATE "C",
                    revoked_at    BIGINT,
                    revoke_reason TEXT COLLATE "C"
                );
                CREATE INDEX sessions_user ON sessions (user_id, last_used_at);
                CREATE TABLE revocation_epoch (
                    id    BIGINT NOT NULL PRIMARY KEY CHECK (id = 1),
                    epoch BIGINT NOT NULL
                );
                INSERT INTO revocation_epoch (id, epoch) VALUES (1, 0);
                -- Every revocation moves the epoch in the same transaction, whatever path revoked it:
                -- workers cache session status and re-check when the epoch moves.
                CREATE FUNCTION gatehouse_revocation_epoch_bump() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE revocation_epoch SET epoch = epoch + 1 WHERE id = 1;
                    RETURN NULL;
                END
                $$;
                CREATE TRIGGER sessions_revoked AFTER UPDATE OF revoked_at ON sessions FOR EACH ROW
                    WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
                    EXECUTE FUNCTION gatehouse_revocation_epoch_bump();
                CREATE TRIGGER sessions_deleted AFTER DELETE ON sessions FOR EACH ROW
                    WHEN (OLD.revoked_at IS NULL)
                    EXECUTE FUNCTION gatehouse_revocation_epoch_bump();
                """),
        Migration(
            id: "2025-11-22 refresh tokens",
            sql: """
                CREATE TABLE refresh_tokens (
                    token_hash     BYTEA  NOT NULL PRIMARY KEY,
                    session_id     TEXT COLLATE "C" NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
                    parent_hash    BYTEA,
                    successor_hash BYTEA,
                    issued_at      BIGINT NOT NULL,
                    expires_at     BIGINT NOT NULL,
                    used_at        BIGINT
                );
                CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
                """),
        Migration(
            id: "2025-11-22 lockouts and rate limits",
            sql: """
                CREATE TABLE lockouts (
                    identifier   TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                    failures     BIGINT NOT NULL,
                    window_start BIGINT NOT NULL,
                    locked_until BIGINT NOT NULL DEFAULT 0,
                    lock_count   BIGINT NOT NULL DEFAULT 0
                );
                CREATE TABLE rate_limits (
                    key        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                    tokens     DOUBLE PRECISION NOT NULL,
                    updated_at DOUBLE PRECISION NOT NULL
                );
                """),
        Migration(
            id: "2025-11-22 password resets",
            sql: """
                CREATE TABLE password_resets (
                    token_hash BYTEA  NOT NULL PRIMARY KEY,
                    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    used_at    BIGINT
                );
                CREATE INDEX password_resets_user ON password_resets (user_id);
                """),
        Migration(
            id: "2025-11-22 outbox",
            sql: """
                CREATE TABLE outbox (
                    id              TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                    recipient       TEXT COLLATE "C" NOT NULL,
                    subject         TEXT COLLATE "C" NOT NULL,
                    body            TEXT COLLATE "C" NOT NULL,
                    created_at      BIGINT NOT NULL,
                    attempts        BIGINT NOT NULL DEFAULT 0,
                    next_attempt_at BIGINT NOT NULL,
                    sent_at         BIGINT,
                    failed_at       BIGINT,
                    last_error      TEXT COLLATE "C"
                );
                CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
                """),
        Migration(
            id: "2025-11-22 audit log",
            sql: """
                CREATE TABLE audit_log (
                    id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                    at         BIGINT NOT NULL,
                    event      TEXT COLLATE "C" NOT NULL,
                    actor_id   TEXT COLLATE "C",
                    user_id    TEXT COLLATE "C",
                    ip         TEXT COLLATE "C",
                    user_agent TEXT COLLATE "C",
                    details    TEXT COLLATE "C" NOT NULL DEFAULT '{}' CHECK (gatehouse_json_valid(details))
                );
                CREATE INDEX audit_log_user ON audit_log (user_id, id);
                CREATE INDEX audit_log_event ON audit_log (event, id);
                """),
        Migration(
            id: "2025-11-22 assignments",
            sql: """
                CREATE TABLE assignments (
                    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    zone       TEXT COLLATE "C" NOT NULL,
                    department TEXT COLLATE "C" NOT NULL,
                    role       TEXT COLLATE "C" NOT NULL REFERENCES roles (name) ON DELETE CASCADE ON UPDATE CASCADE,
                    is_primary BIGINT NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
                    active     BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
                    rules      TEXT COLLATE "C" NOT NULL DEFAULT '{}' CHECK (gatehouse_json_valid(rules)),
                    created_at BIGINT NOT NULL,
                    UNIQUE (user_id, zone, department)
                );
                CREATE UNIQUE INDEX assignments_one_primary ON assignments (user_id) WHERE is_primary = 1;
                CREATE INDEX assignments_role ON assignments (role);
                """),
        Migration(
            id: "2025-11-22 totp",
            sql: """
                CREATE TABLE mfa_totp (
                    user_id      TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
                    secret       BYTEA  NOT NULL,
                    created_at   BIGINT NOT NULL,
                    confirmed_at BIGINT,
                    last_step    BIGINT
                );
                CREATE TABLE recovery_codes (
                    user_id   TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    code_hash BYTEA NOT NULL,
                    used_at   BIGINT,
                    PRIMARY KEY (user_id, code_hash)
                );
                """),
        Migration(
            id: "2025-11-23 business",
            sql: """
                -- The business ("foundation") service. Every row belongs to a zone; lists are keyset-paged on
                -- (sort column, id), so each sort has an index that starts with zone (a zoned caller) and one
                -- without it (a caller without a zone listing every zone).
                CREATE TABLE branches (
                    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                    zone       TEXT COLLATE "C" NOT NULL,
                    name       TEXT COLLATE "C" NOT NULL,
                    address    TEXT COLLATE "C" NOT NULL DEFAULT '',
                    version    BIGINT NOT NULL DEFAULT 1,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                );
                CREATE UNIQUE INDEX branches_zone_name ON branches (zone, name);
                -- The parent key of the assets' (branch_id, zone) foreign key: an asset's branch is in its zone.
                CREATE UNIQUE INDEX branches_id_zone ON branches (id, zone);
                CREATE INDEX branches_zone_created ON branches (zone, created_at, id);
                CREATE INDEX branches_name ON branches (name, id);
                CREATE INDEX branches_created ON branches (created_at, id);

                -- SQLite's `date(x, '+0 days') IS x` as the API checks it: 'YYYY-MM-DD', a real day of the
                -- proleptic Gregorian calendar, years 0000-9999 (SQLite also takes some negative years; this does not).
                CREATE FUNCTION gatehouse_is_date(value text) RETURNS boolean
                    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
                DECLARE
                    year  int;
                    month int;
                    day   int;
                BEGIN
                    IF value !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
                        RETURN false;
                    END IF;
                    year := substr(value, 1, 4)::int;
                    month := substr(value, 6, 2)::int;
                    day := substr(value, 9, 2)::int;
                    RETURN month BETWEEN 1 AND 12 AND day >= 1 AND day <= CASE
                        WHEN month = 2 THEN
                            CASE WHEN year % 4 = 0 AND (year % 100 <> 0 OR year % 400 = 0) THEN 29 ELSE 28 END
                        WHEN month IN (4, 6, 9, 11) THEN 30
                        ELSE 31 END;
                END
                $$;
                CREATE TABLE assets (
                    id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                    zone         TEXT COLLATE "C" NOT NULL,
                    branch_id    TEXT COLLATE "C" NOT NULL,
                    tag          TEXT COLLATE "C" NOT NULL,
                    name         TEXT COLLATE "C" NOT NULL,
                    category     TEXT COLLATE "C" NOT NULL,
                    status       TEXT COLLATE "C" NOT NULL DEFAULT 'in_service'
                                 CHECK (status IN ('in_service', 'in_repair', 'retired', 'lost')),
                    assigned_to  TEXT COLLATE "C",
                    purchased_at TEXT COLLATE "C" CHECK (purchased_at IS NULL OR gatehouse_is_date(purchased_at)),
                    value_cents  BIGINT NOT NULL DEFAULT 0 CHECK (value_cents >= 0),
                    notes        TEXT COLLATE "C" NOT NULL DEFAULT '',
                    version      BIGINT NOT NULL DEFAULT 1,
                    created_at   BIGINT NOT NULL,
                    updated_at   BIGINT NOT NULL,
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
                -- every update, even one written outside the API. The API moves it itself (version = version + 1),
                -- and then this trigger does nothing: one update moves it by exactly one.
                CREATE FUNCTION gatehouse_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    NEW.version := OLD.version + 1;
                    RETURN NEW;
                END
                $$;
                CREATE TRIGGER assets_version BEFORE UPDATE ON assets FOR EACH ROW
                    WHEN (NEW.version = OLD.version) EXECUTE FUNCTION gatehouse_version_bump();
                CREATE TRIGGER branches_version BEFORE UPDATE ON branches FOR EACH ROW
                    WHEN (NEW.version = OLD.version) EXECUTE FUNCTION gatehouse_version_bump();

                -- The number and value of the assets of each (branch, status), kept by triggers in the transaction of
                -- every asset change, so the dashboard reads a few rows instead of counting a zone's assets.
                CREATE TABLE asset_counts (
                    branch_id   TEXT COLLATE "C" NOT NULL,
                    status      TEXT COLLATE "C" NOT NULL,
                    zone        TEXT COLLATE "C" NOT NULL,
                    count       BIGINT NOT NULL,
                    value_cents BIGINT NOT NULL,
                    PRIMARY KEY (branch_id, status)
                );
                CREATE INDEX asset_counts_zone ON asset_counts (zone, status, count, value_cents);
                -- Takes the old row out of its (branch, status) on UPDATE and DELETE, and counts the new row in on
                -- INSERT and UPDATE.
                CREATE FUNCTION gatehouse_asset_counts() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP IN ('UPDATE', 'DELETE') THEN
                        UPDATE asset_counts AS c SET count = c.count - 1, value_cents = c.value_cents - OLD.value_cents
                        WHERE c.branch_id = OLD.branch_id AND c.status = OLD.status;
                        DELETE FROM asset_counts AS c
                        WHERE c.branch_id = OLD.branch_id AND c.status = OLD.status AND c.count = 0;
                    END IF;
                    IF TG_OP IN ('INSERT', 'UPDATE') THEN
                        INSERT INTO asset_counts AS c (branch_id, status, zone, count, value_cents)
                        VALUES (NEW.branch_id, NEW.status, NEW.zone, 1, NEW.value_cents)
                        ON CONFLICT (branch_id, status)
                        DO UPDATE SET count = c.count + 1, value_cents = c.value_cents + excluded.value_cents;
                    END IF;
                    RETURN NULL;
                END
                $$;
                CREATE TRIGGER assets_counted AFTER INSERT ON assets FOR EACH ROW
                    EXECUTE FUNCTION gatehouse_asset_counts();
                CREATE TRIGGER assets_uncounted AFTER DELETE ON assets FOR EACH ROW
                    EXECUTE FUNCTION gatehouse_asset_counts();
                CREATE TRIGGER assets_recounted AFTER UPDATE OF branch_id, status, value_cents ON assets FOR EACH ROW
                    WHEN (OLD.branch_id IS DISTINCT FROM NEW.branch_id OR OLD.status IS DISTINCT FROM NEW.status
                        OR OLD.value_cents IS DISTINCT FROM NEW.value_cents)
                    EXECUTE FUNCTION gatehouse_asset_counts();

                -- One JSON value per (zone, key); known keys are checked by the handler against their schema.
                CREATE TABLE settings (
                    zone       TEXT COLLATE "C" NOT NULL,
                    key        TEXT COLLATE "C" NOT NULL,
                    value      TEXT COLLATE "C" NOT NULL CHECK (gatehouse_json_valid(value)),
                    updated_at BIGINT NOT NULL,
                    updated_by TEXT COLLATE "C",
                    PRIMARY KEY (zone, key)
                );

                -- Written in the same transaction as every change to the three tables above.
                CREATE TABLE activity (
                    id        BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                    at        BIGINT NOT NULL,
                    zone      TEXT COLLATE "C" NOT NULL,
                    actor_id  TEXT COLLATE "C",
                    action    TEXT COLLATE "C" NOT NULL CHECK (action IN ('created', 'updated', 'deleted')),
                    entity    TEXT COLLATE "C" NOT NULL CHECK (entity IN ('asset', 'branch', 'setting')),
                    entity_id TEXT COLLATE "C" NOT NULL
                );
                CREATE INDEX activity_zone ON activity (zone, id);
                """),
        Migration(
            id: "2026-12-03 retention",
            sql: """
                -- The supervisor deletes expired rows in small batches (Retention); these indexes let each batch
                -- find its rows without scanning the table.
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
                    id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                    identifier   TEXT COLLATE "C" NOT NULL CHECK (octet_length(identifier) <= 254),
                    requested_at BIGINT NOT NULL,
                    ip           TEXT COLLATE "C",
                    user_agent   TEXT COLLATE "C"
                );
                """),
        Migration(
            id: "2026-12-03 session context",
            sql: """
                -- The zone/department a session works in since its last context switch (NULL: the user's default
                -- context), so its refreshes keep it.
                ALTER TABLE sessions ADD COLUMN ctx_zone TEXT COLLATE "C";
                ALTER TABLE sessions ADD COLUMN ctx_department TEXT COLLATE "C";
                -- The X-Device-Id the session logged in with (the token's `did`, checked by device rules).
                ALTER TABLE sessions ADD COLUMN device_id TEXT COLLATE "C";
                """),
        Migration(
            id: "2026-12-03 policies",
            sql: """
                -- Casbin "RBAC with domains" lines (API.md "Policies"), in the order given, as canonical text.
                CREATE TABLE policies (
                    position BIGINT NOT NULL PRIMARY KEY,
                    line     TEXT COLLATE "C" NOT NULL
                );
                -- What the workers' compiled authorization snapshots are built from moves these counters in the
                -- same transaction, whatever path changed it: `policies` for roles, their permissions and the policy
                -- lines (the snapshot is rebuilt), `assignments` for users' roles and assignments (per-user caches
                -- are dropped). PUT /policies moves `policies` itself, once, not once per line.
                CREATE TABLE authz_epoch (
                    id          BIGINT NOT NULL PRIMARY KEY CHECK (id = 1),
                    policies    BIGINT NOT NULL,
                    assignments BIGINT NOT NULL
                );
                INSERT INTO authz_epoch (id, policies, assignments) VALUES (1, 0, 0);
                CREATE FUNCTION gatehouse_authz_policies_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE authz_epoch SET policies = policies + 1 WHERE id = 1;
                    RETURN NULL;
                END
                $$;
                CREATE FUNCTION gatehouse_authz_assignments_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE authz_epoch SET assignments = assignments + 1 WHERE id = 1;
                    RETURN NULL;
                END
                $$;
                CREATE TRIGGER roles_changed_insert AFTER INSERT ON roles
                    FOR EACH ROW EXECUTE FUNCTION gatehouse_authz_policies_changed();
                CREATE TRIGGER roles_changed_update AFTER UPDATE ON roles
                    FOR EACH ROW EXECUTE FUNCTION gatehouse_authz_policies_changed();
                CREATE TRIGGER roles_changed_delete AFTER DELETE ON roles
                    FOR EACH ROW EXECUTE FUNCTION gatehouse_authz_policies_changed();
                CREATE TRIGGER role_permissions_changed_insert AFTER INSERT ON role_permissions
                    FOR EACH ROW EXECUTE FUNCTION gatehouse_authz_policies_changed();
                CREATE TRIGGER role_permissions_changed_update AFTER UPDATE ON role_permissions
                    FOR EACH ROW EXECUTE FUNCTION gatehouse_authz_policies_changed();
                CREATE TRIGGER role_permissions_changed_delete AFTER DELETE ON role_permissions
                    FOR EACH ROW EXECUTE FUNCTION gatehouse_authz_policies_changed();
                CREATE TRIGGER user_roles_changed_insert AFTER INSERT ON user_roles
                    FOR EACH ROW EXECUTE FUNCTION gatehouse_authz_assignments_changed();
                CREATE TRIGGER user_roles_changed_update AFTER UPDATE ON user_roles
                    FOR EACH ROW EXECUTE FUNCTION gatehouse_authz_assignments_changed();
                CREATE TRIGGER user_roles_changed_delete AFTER DELETE ON user_roles
                    FOR EACH ROW EXECUTE FUNCTION gatehouse_authz_assignments_changed();
                CREATE TRIGGER assignments_changed_insert AFTER INSERT ON assignments
                    FOR EACH ROW EXECUTE FUNCTION gatehouse_authz_assignments_changed();
                CREATE TRIGGER assignments_changed_update AFTER UPDATE ON assignments
                    FOR EACH ROW EXECUTE FUNCTION gatehouse_authz_assignments_changed();
                CREATE TRIGGER assignments_changed_delete AFTER DELETE ON assignments
                    FOR EACH ROW EXECUTE FUNCTION gatehouse_authz_assignments_changed();
                """),
        Migration(
            id: "2026-12-04 clients",
            sql: """
                -- SaaS clients (API.md "SaaS clients"): allowlists and allowed roles are JSON arrays of strings.
                CREATE TABLE clients (
                    id               TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                    name             TEXT COLLATE "C" NOT NULL,
                    ip_allowlist     TEXT COLLATE "C" NOT NULL DEFAULT '[]' CHECK (gatehouse_json_valid(ip_allowlist)),
                    origin_allowlist TEXT COLLATE "C" NOT NULL DEFAULT '[]'
                        CHECK (gatehouse_json_valid(origin_allowlist)),
                    roles_allowed    TEXT COLLATE "C" NOT NULL DEFAULT '[]' CHECK (gatehouse_json_valid(roles_allowed)),
                    created_at       BIGINT NOT NULL,
                    updated_at       BIGINT NOT NULL
                );
                CREATE INDEX clients_created ON clients (created_at, id);
                -- API keys: only HMAC-SHA256 of the secret under the server's pepper is kept.
                CREATE TABLE api_keys (
                    kid          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                    client_id    TEXT COLLATE "C" NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
                    secret_hash  BYTEA NOT NULL,
                    state        TEXT COLLATE "C" NOT NULL CHECK (state IN ('primary', 'secondary', 'revoked')),
                    created_at   BIGINT NOT NULL,
                    last_used_at BIGINT,
                    revoked_at   BIGINT
                );
                CREATE INDEX api_keys_client ON api_keys (client_id, state);
                -- Workers cache validated keys and clients; any change to a client or a key's state moves this counter
                -- in the same transaction, and the caches are dropped when it moves.
                CREATE TABLE client_epoch (
                    id    BIGINT NOT NULL PRIMARY KEY CHECK (id = 1),
                    epoch BIGINT NOT NULL
                );
                INSERT INTO client_epoch (id, epoch) VALUES (1, 0);
                CREATE FUNCTION gatehouse_client_epoch_bump() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE client_epoch SET epoch = epoch + 1 WHERE id = 1;
                    RETURN NULL;
                END
                $$;
                CREATE TRIGGER clients_changed_update AFTER UPDATE ON clients
                    FOR EACH ROW EXECUTE FUNCTION gatehouse_client_epoch_bump();
                CREATE TRIGGER clients_changed_delete AFTER DELETE ON clients
                    FOR EACH ROW EXECUTE FUNCTION gatehouse_client_epoch_bump();
                CREATE TRIGGER api_keys_changed_state AFTER UPDATE OF state ON api_keys
                    FOR EACH ROW EXECUTE FUNCTION gatehouse_client_epoch_bump();
                CREATE TRIGGER api_keys_changed_delete AFTER DELETE ON api_keys
                    FOR EACH ROW EXECUTE FUNCTION gatehouse_client_epoch_bump();
                -- End users of a client (SDK sessions): unique per (client, external id), gone with their client.
                ALTER TABLE users ADD COLUMN tenant TEXT COLLATE "C" REFERENCES clients (id) ON DELETE CASCADE;
                ALTER TABLE users ADD COLUMN external_id TEXT COLLATE "C";
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
                    user_id       TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
                    sealed_secret BYTEA  NOT NULL,
                    created_at    BIGINT NOT NULL,
                    confirmed_at  BIGINT,
                    last_step     BIGINT
                );
                -- The second step of a login: a correct password with a second factor on hands out an mfa_token,
                -- kept only as its SHA-256, single use, short-lived.
                CREATE TABLE mfa_challenges (
                    token_hash  BYTEA  NOT NULL PRIMARY KEY,
                    user_id     TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    created_at  BIGINT NOT NULL,
                    expires_at  BIGINT NOT NULL,
                    used_at     BIGINT,
                    use_cookies BIGINT NOT NULL DEFAULT 0 CHECK (use_cookies IN (0, 1))
                );
                CREATE INDEX mfa_challenges_expires ON mfa_challenges (expires_at);
                CREATE INDEX mfa_challenges_user ON mfa_challenges (user_id);
                -- The RFC 8176 methods of the session's login (comma-separated: pwd, otp, ...), its tokens' amr.
                ALTER TABLE sessions ADD COLUMN amr TEXT COLLATE "C";
                """),
        Migration(
            id: "2026-12-05 webauthn",
            sql: """
                -- WebAuthn passkeys (API.md "MFA"): the credential id and the COSE public key as the authenticator
                -- sent them; the signature counter only ever grows.
                CREATE TABLE webauthn_credentials (
                    id              TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                    user_id         TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    credential_id   BYTEA   NOT NULL UNIQUE,
                    public_key      BYTEA   NOT NULL,
                    algorithm       BIGINT  NOT NULL,
                    sign_count      BIGINT  NOT NULL DEFAULT 0,
                    name            TEXT COLLATE "C" NOT NULL,
                    aaguid          BYTEA   NOT NULL,
                    backup_eligible BIGINT  NOT NULL DEFAULT 0 CHECK (backup_eligible IN (0, 1)),
                    created_at      BIGINT  NOT NULL,
                    last_used_at    BIGINT
                );
                CREATE INDEX webauthn_credentials_user ON webauthn_credentials (user_id, created_at);
                -- Ceremony challenges: single use, short-lived, only SHA-256 hashes kept. token_hash finds the row
                -- (the hash of the challenge itself, or of the login's challenge_token); expired rows are pruned.
                CREATE TABLE webauthn_challenges (
                    token_hash     BYTEA   NOT NULL PRIMARY KEY,
                    challenge_hash BYTEA   NOT NULL,
                    purpose        TEXT COLLATE "C" NOT NULL CHECK (purpose IN ('register', 'login', 'mfa')),
                    user_id        TEXT COLLATE "C" REFERENCES users (id) ON DELETE CASCADE,
                    identifier     TEXT COLLATE "C",
                    expires_at     BIGINT  NOT NULL
                );
                CREATE INDEX webauthn_challenges_expires ON webauthn_challenges (expires_at);
                """),
        Migration(
            id: "2026-12-05 events",
            sql: """
                -- Events (API.md "Events and webhooks"): appended in the same transaction as the change they describe.
                -- `body` is the event's JSON exactly as the log shows it and webhooks deliver it; `seq` orders the log.
                CREATE TABLE events (
                    seq  BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                    id   TEXT COLLATE "C" NOT NULL UNIQUE,
                    type TEXT COLLATE "C" NOT NULL,
                    at   BIGINT NOT NULL,
                    body TEXT COLLATE "C" NOT NULL CHECK (gatehouse_json_valid(body))
                );
                CREATE INDEX events_type ON events (type, seq);
                -- Webhook subscriptions: secrets sealed (AES-256-GCM) under the key file beside the signing keys.
                CREATE TABLE webhook_subscriptions (
                    id              TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                    url             TEXT COLLATE "C" NOT NULL,
                    events          TEXT COLLATE "C" NOT NULL CHECK (gatehouse_json_valid(events)),
                    active          BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
                    secret          BYTEA NOT NULL,
                    previous_secret BYTEA,
                    previous_until  BIGINT,
                    failing_since   BIGINT,
                    created_at      BIGINT NOT NULL,
                    updated_at      BIGINT NOT NULL
                );
                CREATE INDEX webhook_subscriptions_created ON webhook_subscriptions (created_at, id);
                -- One row per filter pattern (an exact type, `prefix.*` or `*`), so an event finds its subscribers by index.
                CREATE TABLE webhook_filters (
                    pattern         TEXT COLLATE "C" NOT NULL,
                    subscription_id TEXT COLLATE "C" NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
                    PRIMARY KEY (pattern, subscription_id)
                );
                CREATE INDEX webhook_filters_subscription ON webhook_filters (subscription_id);
                -- One delivery per (event, subscription); claimed by a delivery process with a lease and a claim token.
                CREATE TABLE webhook_deliveries (
                    id              TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                    subscription_id TEXT COLLATE "C" NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
                    event_id        TEXT COLLATE "C" NOT NULL REFERENCES events (id) ON DELETE CASCADE,
                    status          TEXT COLLATE "C" NOT NULL
                        CHECK (status IN ('pending', 'retrying', 'delivered', 'failed')),
                    attempts        BIGINT NOT NULL DEFAULT 0,
                    next_attempt_at BIGINT,
                    lease_until     BIGINT,
                    claim           TEXT COLLATE "C",
                    created_at      BIGINT NOT NULL
                );
                CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
                    WHERE status IN ('pending', 'retrying');
                CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);
                CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id);
                -- The deliveries log: one row per attempt.
                CREATE TABLE webhook_attempts (
                    id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                    delivery_id     TEXT COLLATE "C" NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
                    subscription_id TEXT COLLATE "C" NOT NULL,
                    attempt         BIGINT NOT NULL,
                    status          TEXT COLLATE "C" NOT NULL
                        CHECK (status IN ('pending', 'retrying', 'delivered', 'failed')),
                    response_status BIGINT,
                    error           TEXT COLLATE "C",
                    at              BIGINT NOT NULL,
                    next_attempt_at BIGINT
                );
                CREATE INDEX webhook_attempts_subscription ON webhook_attempts (subscription_id, id);
                CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);
                """),
    ]
}
