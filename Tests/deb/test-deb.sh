#!/usr/bin/env bash
# `make test-deb`: the Debian package end to end, in a clean Debian bookworm root with no Swift toolchain.
#
#  1. builds version X (packaging/build-deb.sh) and X+upgrade1 from a patched copy of the tree: a changelog
#     entry and one extra migration (never in git); runs lintian on both and prints the package sizes;
#  2. makes a bookworm root with mmdebstrap (cached as a tarball in .cache/deb/), installs X there with
#     apt-get, so that only Debian's packages satisfy its dependencies;
#  3. starts gatehouse as the installed units say (Tests/deb/launch.py: socket activation, user, umask,
#     no capabilities, seccomp filter, MemoryDenyWriteExecute) and nginx with the shipped snippets and
#     example site, in network and PID namespaces of their own, and checks over HTTPS through nginx;
#  4. upgrades to X+upgrade1 and checks that the database, its rows, the keys and the secret survived and
#     the new migration was applied; checks again through nginx;
#  5. removes (data kept), then purges (nothing left);
#  6. does it again under systemd: a bookworm root with systemd booted with systemd-nspawn installs X
#     (enabled and started by the maintainer scripts), reloads, restarts, upgrades and purges it
#     (Tests/deb/systemd-check.sh runs inside; SYSTEMD=0 skips this part).
#
# It also creates an admin with `gatehouse create-admin`, logs in through nginx and checks that the example
# site's protected /app/ refuses a request without a token and lets one with a token through (LOGIN=0 skips
# that part).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$repo/.build-deb/test
root=$work/root
cache=$repo/.cache/deb
LOGIN=${LOGIN:-1}
export LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive

say() { printf '\n== %s\n' "$*"; }
fail() { printf 'test-deb: FAIL: %s\n' "$*" >&2; exit 1; }
passed=0
ok() { passed=$((passed + 1)); printf '  ok  %s\n' "$*"; }
in_root() { chroot "$root" "$@"; }
# A command as the service user, as the maintainer scripts run them.
as_gatehouse() { in_root setpriv --reuid=gatehouse --regid=gatehouse --init-groups env -i PATH=/usr/sbin:/usr/bin:/bin "$@"; }
sql() { as_gatehouse sqlite3 -batch /var/lib/gatehouse/gatehouse.db "$@"; }

# ---------------------------------------------------------------------------------------------------------
# The live part: gatehouse and nginx in network and PID namespaces of their own (no port clash with the
# host, and nothing survives the namespace), the root's /proc mounted in a mount namespace of its own.
# ---------------------------------------------------------------------------------------------------------
live() {
    local phase=$1
    ip link set lo up
    mount -t proc proc "$root/proc"
    local log=$work/gatehouse-$phase.log
    LAUNCH_SECCOMP_KILL=1 /usr/bin/python3 "$repo/Tests/deb/launch.py" "$root" > "$log" 2>&1 &
    local supervisor=$!
    # nginx: the example site as shipped (its own test certificate aside) and an application behind it.
    local site=$root/etc/nginx/sites-available/gatehouse
    sed -e 's|^\(\s*ssl_certificate\s\).*|\1/etc/gatehouse-test/cert.pem;|' \
        -e 's|^\(\s*ssl_certificate_key\s\).*|\1/etc/gatehouse-test/key.pem;|' \
        -e 's|server_name auth.example.com;|server_name gatehouse.test;|' \
        "$root/usr/share/doc/gatehouse/examples/nginx-site.conf" > "$site"
    if [ "$login" = 1 ]; then
        sed -i -e 's|#include snippets/gatehouse-auth.conf;|include snippets/gatehouse-auth.conf;|' \
            -e 's|#include snippets/gatehouse-protect.conf;|include snippets/gatehouse-protect.conf;|' "$site"
    fi
    ln -sf ../sites-available/gatehouse "$root/etc/nginx/sites-enabled/gatehouse"
    cat > "$root/etc/nginx/conf.d/test-app.conf" <<'NGINX'
server {
    listen 127.0.0.1:8080;
    location / { default_type text/plain; return 200 "app: $http_x_user_id\n"; }
}
NGINX
    in_root nginx -t -q || fail "nginx -t with the example site"
    in_root nginx
    for _ in $(seq 100); do [ -S "$root/run/gatehouse/gatehouse.sock" ] && break; sleep 0.1; done
    https() { in_root curl -sS --max-time 10 --cacert /etc/gatehouse-test/cert.pem \
        --resolve gatehouse.test:443:127.0.0.1 "$@"; }
    local status body
    for _ in $(seq 50); do
        status=$(https -o /dev/null -w '%{http_code}' https://gatehouse.test/health 2>/dev/null || true)
        [ "$status" = 200 ] && break
        sleep 0.2
    done
    [ "$status" = 200 ] || { cat "$log"; fail "GET /health through nginx: $status"; }
    body=$(https https://gatehouse.test/health)
    local cli_version
    cli_version=$(in_root gatehouse version)
    [ "$body" = "{\"status\":\"ok\",\"version\":\"${cli_version#gatehouse }\"}" ] || fail "/health says $body"
    ok "$phase: GET /health through nginx over HTTPS: $body"
    https -sD - -o /dev/null https://gatehouse.test/health | grep -qi '^strict-transport-security:' ||
        fail "no security headers"
    ok "$phase: security headers from the snippets"
    body=$(https https://gatehouse.test/connection/test)
    case "$body" in *'"ok":true'*) ok "$phase: GET /connection/test: $body" ;; *) fail "/connection/test: $body" ;; esac
    https https://gatehouse.test/metrics | grep -q '^gatehouse_workers [1-9]' || fail "/metrics"
    ok "$phase: GET /metrics lists live workers"
    status=$(https -o /dev/null -w '%{http_code}' https://gatehouse.test/.well-known/jwks.json)
    if [ "$status" = 200 ]; then
        body=$(https https://gatehouse.test/.well-known/jwks.json)
        case "$body" in *'"keys":[{'*) ok "$phase: JWKS has a key" ;; *) fail "JWKS without a key: $body" ;; esac
    else
        echo "  --  $phase: /.well-known/jwks.json answers $status (not in this version)"
    fi
    status=$(in_root curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1/health -H 'Host: gatehouse.test')
    [ "$status" = 301 ] || fail "plain HTTP gave $status, not a redirect"
    ok "$phase: plain HTTP redirects to HTTPS"

    # A reload (ExecReload=) re-reads the configuration file: /metrics is refused once METRICS_ALLOW
    # leaves out 127.0.0.1, and served again when it is put back.
    local reload config=$root/etc/gatehouse/gatehouse.env
    reload=$(/usr/bin/python3 "$repo/Tests/deb/launch.py" "$root" --print ExecReload)
    cp -p "$config" "$work/env.saved"
    printf 'METRICS_ALLOW=10.0.0.0/8\n' >> "$config"
    in_root sh -c "${reload//\$MAINPID/$supervisor}" || fail "ExecReload ($reload) failed in the root"
    for _ in $(seq 50); do
        status=$(https -o /dev/null -w '%{http_code}' https://gatehouse.test/metrics)
        [ "$status" = 403 ] && break
        sleep 0.2
    done
    [ "$status" = 403 ] || fail "reload did not apply METRICS_ALLOW (/metrics: $status)"
    cp -p "$work/env.saved" "$config"
    in_root sh -c "${reload//\$MAINPID/$supervisor}" || fail "ExecReload ($reload) failed in the root"
    for _ in $(seq 50); do
        status=$(https -o /dev/null -w '%{http_code}' https://gatehouse.test/metrics)
        [ "$status" = 200 ] && break
        sleep 0.2
    done
    [ "$status" = 200 ] || fail "second reload (/metrics: $status)"
    ok "$phase: ExecReload applies an edited configuration file"

    if [ "$login" = 1 ]; then
        if [ "$phase" = X ]; then
            printf '%s\n' 'correct horse battery staple' |
                as_gatehouse gatehouse create-admin --email admin@gatehouse.test --password-stdin \
                    --config /etc/gatehouse/gatehouse.env > /dev/null
            ok "$phase: gatehouse create-admin"
        fi
        status=$(https -o /dev/null -w '%{http_code}' https://gatehouse.test/app/)
        [ "$status" = 401 ] || fail "/app/ without a token: $status"
        ok "$phase: /app/ without a token: 401"
        if grep -q 'include snippets/gatehouse-portal.conf;' "$site"; then
            # The portal snippet's 401 handler (Gatehouse's /auth/portal/start); the portal is off by default.
            body=$(https -H 'Accept: text/html' https://gatehouse.test/portal-app/)
            case "$body" in *'"code":"token_missing"'*'"status":401'*) ok "$phase: /portal-app/ without a sign-in: 401" ;;
                *) fail "/portal-app/ without a sign-in: $body" ;; esac
        fi
        body=$(https -H 'Content-Type: application/json' \
            -d '{"email":"admin@gatehouse.test","password":"correct horse battery staple"}' https://gatehouse.test/auth/login)
        local token
        token=$(printf '%s' "$body" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
        [ -n "$token" ] || fail "login: $body"
        ok "$phase: POST /auth/login gives an access token"
        body=$(https -H "Authorization: Bearer $token" https://gatehouse.test/app/)
        case "$body" in "app: "?*) ok "$phase: /app/ with the token reaches the app as user ${body#app: }" ;;
            *) fail "/app/ with a token: $body (the app must see X-User-Id)" ;; esac
    fi

    # The rows the upgrade must keep: a user and a session (from create-admin and the login when those
    # ran, written with sqlite3 otherwise).
    if [ "$phase" = X ] && [ "$(sql 'SELECT count(*) FROM sessions')" = 0 ]; then
        sql "INSERT INTO users (id, email, name, created_at, updated_at)
             VALUES ('00000000-0000-4000-8000-000000000001', 'kept@gatehouse.test', 'Kept', 1, 1);
             INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at, ip, user_agent)
             VALUES ('00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-000000000001', 1, 1,
                     4102444800, '127.0.0.1', 'test-deb');"
        ok "$phase: a user and a session written with sqlite3"
    fi

    # Stop as systemd would (KillMode=mixed): SIGTERM to the supervisor, which must be gone within
    # TimeoutStopSec=, having exited 0.
    local timeout code=0
    timeout=$(/usr/bin/python3 "$repo/Tests/deb/launch.py" "$root" --print TimeoutStopSec)
    kill -TERM "$supervisor"
    ( sleep "${timeout%s}"; kill -KILL "$supervisor" 2>/dev/null ) &
    wait "$supervisor" || code=$?
    [ "$code" = 0 ] || { cat "$log"; fail "gatehouse exited $code on SIGTERM"; }
    ok "$phase: SIGTERM stops gatehouse cleanly (exit 0)"
    in_root nginx -s quit 2> /dev/null
    if grep -E 'Worker (killed|failed)|Cannot start worker|level=(error|critical)' "$log"; then
        fail "gatehouse logged errors (above); whole log: $log"
    fi
    ok "$phase: no worker died and nothing was logged at error level (seccomp refusals would kill)"
    [ -S "$root/run/gatehouse/gatehouse.sock" ] || fail "the socket file was removed on stop"
    ok "$phase: the activated socket outlives the service"
    cp "$log" "$work/gatehouse-$phase.last.log"
}

if [ "${1:-}" = __live ]; then
    login=$3
    live "$2"
    printf 'LIVE-PASSED %s\n' "$passed" > "$work/live-$2.count"
    exit 0
fi

# ---------------------------------------------------------------------------------------------------------
start=$(date +%s)
[ "$(id -u)" = 0 ] || fail "runs as root (chroot, namespaces, mmdebstrap)"
missing=()
for p in mmdebstrap lintian systemd; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing: ${missing[*]}"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi
[ -e /usr/lib/x86_64-linux-gnu/libseccomp.so.2 ] || [ -e /lib/x86_64-linux-gnu/libseccomp.so.2 ] ||
    fail "libseccomp2 missing"

# Everything below runs in a private mount namespace: whatever it mounts goes away with it.
if [ -z "${GATEHOUSE_TEST_DEB_NS:-}" ]; then
    GATEHOUSE_TEST_DEB_NS=1 exec unshare --mount --propagation private "$0" "$@"
fi
rm -rf "$work"
mkdir -p "$work/pkgs" "$cache"

say "Build version X"
version=$(dpkg-parsechangelog -l "$repo/packaging/debian/changelog" -S Version)
cli=$(sed -n 's/^let gatehouseVersion = "\(.*\)"$/\1/p' "$repo/Sources/gatehouse/CLI.swift")
[ "$version" = "$cli" ] || fail "debian/changelog has $version, gatehouseVersion is $cli"
ok "debian/changelog's version $version is gatehouseVersion"
# STYLE.md rule 2: Package.swift's apt providers are debian/control's Build-Depends (less debhelper and pkgconf).
sed -n 's/.*providers: \[\.apt(\["\([^"]*\)"\])\].*/\1/p' "$repo/Package.swift" | sort > "$work/apt.swift"
sed -n '/^Build-Depends:/,/^[A-Z]/p' "$repo/packaging/debian/control" | grep -o 'lib[a-z0-9.+-]*-dev' | sort > "$work/apt.control"
[ -s "$work/apt.swift" ] && diff "$work/apt.swift" "$work/apt.control" ||
    fail "Package.swift's .apt providers and debian/control's Build-Depends differ"
ok "Build-Depends match Package.swift's apt providers: $(tr '\n' ' ' < "$work/apt.control")"
DEB_DIST=$work/pkgs "$repo/packaging/build-deb.sh"
depends=$(dpkg-deb -f "$work/pkgs/gatehouse_${version}_amd64.deb" Depends)
for p in libfcgi0ldbl libssl3 'libsqlite3-0 (>= 3.' libargon2-1 adduser procps; do
    case "$depends" in *"$p"*) ;; *) fail "Depends lacks $p: $depends" ;; esac
done
for v in $(printf '%s\n' "$depends" | grep -o 'libsqlite3-0 (>= [^)]*)' | sed 's/.*>= //; s/)//'); do
    dpkg --compare-versions "$v" ge 3.35 || fail "libsqlite3-0 (>= $v) allows a version without RETURNING"
done
# CVE-2025-23016 (integer overflow in libfcgi's parameter reader) is fixed in bookworm's 2.4.2-2+deb12u1.
printf '%s\n' "$depends" | grep -q 'libfcgi0ldbl (>= 2.4.2-2+deb12u1)' ||
    fail "Depends allows a libfcgi without the CVE-2025-23016 fix: $depends"
ok "Depends: $depends"

say "Build version X+upgrade1 (a changelog entry and one more migration, in the build copy only)"
next=$version+upgrade1
stage=$repo/.build-deb/stage/gatehouse
migration='"9999-12-31 test-deb upgrade"'
{
    printf 'gatehouse (%s) unstable; urgency=medium\n\n  * Upgrade test build.\n\n' "$next"
    printf ' -- Gatehouse maintainers <maintainers@gatehouse.invalid>  %s\n\n' "$(date -R)"
    cat "$repo/packaging/debian/changelog"
} > "$stage/debian/changelog"
# Both backends' lists, as a real migration would be added (same id on both).
for list in SQLite/SQLiteMigrations.swift:sqlite PostgreSQL/PostgreSQLMigrations.swift:postgreSQL; do
    schema=$stage/Sources/Store/${list%%:*}
    name=${list#*:}
    grep -q "^    static let $name: \[Migration\] = \[\$" "$schema" ||
        fail "cannot add the upgrade migration: 'static let $name: [Migration] = [' not found in $schema"
    sed -i "s|^    static let $name: \[Migration\] = \[\$|&\n        Migration(id: $migration, sql: \"CREATE TABLE test_deb_upgrade (id BIGINT PRIMARY KEY)\"),|" "$schema"
done
DEB_DIST=$work/pkgs "$repo/packaging/build-deb.sh" build
"$repo/packaging/build-deb.sh" sync > /dev/null   # the build copy back to the tree

say "lintian"
for changes in "$work/pkgs/gatehouse_${version}_amd64.changes" "$work/pkgs/gatehouse_${next}_amd64.changes"; do
    lint=0
    lintian -I --fail-on error,warning "$changes" > "$work/lintian.out" 2>&1 || lint=$?
    grep -v 'running with root privileges' "$work/lintian.out" | sed 's/^/  | /' || true
    [ "$lint" = 0 ] || fail "lintian found errors or warnings in $(basename "$changes") (above)"
    ok "lintian $(basename "$changes"): no errors, no warnings (informational tags, if any, above)"
done
say "Package sizes"
for deb in "$work/pkgs/gatehouse_${version}_amd64.deb" "$work/pkgs/gatehouse-dbgsym_${version}_amd64.deb"; do
    printf '  %-40s %6d KiB, installed %6d KiB\n' "$(basename "$deb")" $(( $(stat -c %s "$deb") / 1024 )) \
        "$(dpkg-deb -f "$deb" Installed-Size)"
done

say "A clean bookworm root"
base=$cache/bookworm-apt-nginx-curl-sqlite3.tar
if [ ! -s "$base" ]; then
    mmdebstrap --quiet --variant=apt --include=nginx,curl,sqlite3,openssl,ca-certificates \
        --aptopt='Acquire::Check-Valid-Until "false"' --skip=cleanup/apt/lists bookworm "${base%.tar}.partial.tar"
    mv "${base%.tar}.partial.tar" "$base"
fi
mkdir -p "$root"
tar -C "$root" -xf "$base"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# No init system runs in the root: maintainer scripts must not try to start anything.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc"
in_root apt-get update -qq
[ ! -e "$root/usr/bin/swift" ] && ! in_root sh -c 'ls /usr/lib/swift* /opt/swift' > /dev/null 2>&1 ||
    fail "a Swift toolchain in the root"
ok "the root has no Swift toolchain"
mkdir -p "$root/etc/gatehouse-test"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=gatehouse.test \
    -addext subjectAltName=DNS:gatehouse.test -keyout "$root/etc/gatehouse-test/key.pem" \
    -out "$root/etc/gatehouse-test/cert.pem" 2> /dev/null

say "Install $version"
cp "$work/pkgs/gatehouse_${version}_amd64.deb" "$work/pkgs/gatehouse_${next}_amd64.deb" "$root/tmp/"
in_root apt-get install -y -q "/tmp/gatehouse_${version}_amd64.deb" > "$work/install-X.log" 2>&1 ||
    { cat "$work/install-X.log"; fail "apt-get install $version"; }
grep -E '^(Setting up|gatehouse)' "$work/install-X.log" | sed 's/^/  | /'
[ "$(in_root dpkg-query -W -f='${Status} ${Version}' gatehouse)" = "install ok installed $version" ] ||
    fail "gatehouse $version is not installed"
ok "apt-get installs $version with its dependencies from Debian"
getent_root() { in_root getent "$@"; }
getent_root passwd gatehouse | grep -q ':/var/lib/gatehouse:/usr/sbin/nologin$' || fail "user gatehouse"
ok "system user gatehouse (home /var/lib/gatehouse, no shell)"
[ "$(in_root stat -c '%U:%G %a' "/etc/gatehouse/gatehouse.env")" = "root:gatehouse 640" ] || fail "env file mode"
grep -q '^SERVICE_SECRET_FILE=/var/lib/gatehouse/service-secret$' "$root/etc/gatehouse/gatehouse.env" ||
    fail "SERVICE_SECRET_FILE not in gatehouse.env"
secret=$(cat "$root/var/lib/gatehouse/service-secret")
[ "${#secret}" = 64 ] || fail "SERVICE_SECRET not generated"
[ "$(in_root stat -c '%U:%G %a' /var/lib/gatehouse/service-secret)" = "gatehouse:gatehouse 600" ] || fail "secret mode"
ok "gatehouse.env is root:gatehouse 0640; a generated SERVICE_SECRET in /var/lib/gatehouse/service-secret (0600)"
[ "$(in_root stat -c '%U:%G %a' "/var/lib/gatehouse")" = "gatehouse:gatehouse 750" ] || fail "state dir"
[ "$(in_root stat -c '%U:%G %a' "/var/lib/gatehouse/keys")" = "gatehouse:gatehouse 700" ] || fail "keys dir"
[ "$(in_root stat -c '%U:%G %a %s' /var/lib/gatehouse/keys/api-key.pepper)" = "gatehouse:gatehouse 600 32" ] ||
    fail "API key pepper"
[ "$(in_root stat -c '%U:%G %a %s' /var/lib/gatehouse/keys/mfa.key)" = "gatehouse:gatehouse 600 32" ] ||
    fail "MFA key"
[ "$(in_root stat -c '%U:%G %a %s' /var/lib/gatehouse/keys/webhook-secrets.key)" = "gatehouse:gatehouse 600 32" ] ||
    fail "webhook secret key"
[ "$(in_root stat -c '%U:%G' "/var/lib/gatehouse/gatehouse.db")" = "gatehouse:gatehouse" ] || fail "database owner"
ok "state in /var/lib/gatehouse, owned by gatehouse, database migrated"
if as_gatehouse gatehouse keys list --json --config /etc/gatehouse/gatehouse.env > "$work/keys.json" 2> /dev/null; then
    grep -q '"state":"active"' "$work/keys.json" || fail "no active signing key after install"
    find "$root/var/lib/gatehouse/keys" -type f ! -perm 0600 -name '*.pem' | grep -q . && fail "a key file is not 0600"
    ok "postinst generated a signing key: $(cat "$work/keys.json")"
else
    echo "  --  this version has no 'keys' command; no signing key checked"
fi

# The configuration file lists exactly the binary's keys, each with a comment and a default.
: > "$root/tmp/empty.env"
in_root env -i /usr/sbin/gatehouse check-config --config /tmp/empty.env | cut -d= -f1 > "$work/keys.binary"
sed -n 's/^#\{0,1\}\([A-Z][A-Z0-9_]*\)=.*/\1/p' "$root/etc/gatehouse/gatehouse.env" > "$work/keys.file"
diff "$work/keys.binary" "$work/keys.file" > /dev/null || { diff "$work/keys.binary" "$work/keys.file"; fail "env file keys"; }
grep -c '^# Default: ' "$root/etc/gatehouse/gatehouse.env" | grep -qx "$(wc -l < "$work/keys.binary")" ||
    fail "a key without its default"
ok "gatehouse.env lists exactly the binary's $(wc -l < "$work/keys.binary") keys, each with help and default"
in_root env -i /usr/sbin/gatehouse check-config --config /etc/gatehouse/gatehouse.env > /dev/null || fail "check-config"
ok "gatehouse check-config accepts the installed configuration"
for f in gatehouse-errors gatehouse-fastcgi gatehouse-security-headers gatehouse-auth gatehouse-auth-request gatehouse-protect gatehouse-protect-fastcgi gatehouse-portal; do
    cmp -s "$repo/nginx/snippets/$f.conf" "$root/etc/nginx/snippets/$f.conf" || fail "snippet $f"
done
ok "nginx snippets in /etc/nginx/snippets"
in_root man -w gatehouse > /dev/null 2>&1 || [ -e "$root/usr/share/man/man8/gatehouse.8.gz" ] || fail "man page"
ok "gatehouse(8) installed"
if command -v systemd-analyze > /dev/null; then
    printf '  systemd-analyze security (offline): %s\n' "$(systemd-analyze security --offline=yes --root="$root" \
        gatehouse.service 2>/dev/null | tail -1 | sed 's/.*: //')"
fi

# Maintainer scripts are idempotent: configuring again changes nothing.
snapshot() {
    {
        cat "$root/var/lib/gatehouse/service-secret"
        (cd "$root/var/lib/gatehouse/keys" && find . -type f | sort | xargs -r sha256sum)
        stat -c 'inode %i' "$root/var/lib/gatehouse/gatehouse.db"
        sql 'SELECT id, email, password_hash FROM users ORDER BY id'
        sql 'SELECT id, user_id, created_at, expires_at, revoked_at FROM sessions ORDER BY id'
    } > "$1"
}
snapshot "$work/before-reconfigure"
in_root dpkg-reconfigure --frontend=noninteractive gatehouse > /dev/null
snapshot "$work/after-reconfigure"
cmp -s "$work/before-reconfigure" "$work/after-reconfigure" || fail "postinst configure changed the state"
ok "postinst configure again changes nothing"

login=0
[ "$LOGIN" = 0 ] || login=1
echo "  --  login and protected upstream: $([ $login = 1 ] && echo on || echo "off (LOGIN=1 forces it)")"

say "Run $version through nginx"
umount "$root/proc"
unshare --net --pid --fork --mount --propagation private "$0" __live X "$login"
passed=$((passed + $(sed -n 's/LIVE-PASSED //p' "$work/live-X.count")))
mount -t proc proc "$root/proc"
snapshot "$work/before-upgrade"
sql 'SELECT identifier FROM schema_migrations ORDER BY identifier' > "$work/migrations-before"

say "Upgrade to $next"
in_root apt-get install -y -q "/tmp/gatehouse_${next}_amd64.deb" > "$work/install-X1.log" 2>&1 ||
    { cat "$work/install-X1.log"; fail "apt-get install $next"; }
grep -E '^(Setting up|Unpacking|gatehouse)' "$work/install-X1.log" | sed 's/^/  | /'
[ "$(in_root dpkg-query -W -f='${Version}' gatehouse)" = "$next" ] || fail "not upgraded"
ok "upgraded to $next"
snapshot "$work/after-upgrade"
diff "$work/before-upgrade" "$work/after-upgrade" || fail "the upgrade changed the data, keys or secret"
ok "same database file (inode), users, sessions, keys and SERVICE_SECRET after the upgrade"
sql 'SELECT identifier FROM schema_migrations ORDER BY identifier' > "$work/migrations-after"
comm -23 "$work/migrations-before" "$work/migrations-after" | grep -q . && fail "a migration row was lost"
[ "$(comm -13 "$work/migrations-before" "$work/migrations-after")" = "${migration//\"/}" ] ||
    fail "the upgrade applied $(comm -13 "$work/migrations-before" "$work/migrations-after" | tr '\n' ' ')"
sql 'SELECT count(*) FROM test_deb_upgrade' > /dev/null || fail "the new migration's table is missing"
ok "postinst applied the new migration; the $(wc -l < "$work/migrations-before") earlier ones are intact"

say "Run $next through nginx"
umount "$root/proc"
unshare --net --pid --fork --mount --propagation private "$0" __live X+1 "$login"
passed=$((passed + $(sed -n 's/LIVE-PASSED //p' "$work/live-X+1.count")))
mount -t proc proc "$root/proc"

say "Remove, then purge"
in_root apt-get remove -y -q gatehouse > "$work/remove.log" 2>&1 || { cat "$work/remove.log"; fail "remove"; }
[ ! -e "$root/usr/sbin/gatehouse" ] || fail "binary left after remove"
[ -e "$root/var/lib/gatehouse/gatehouse.db" ] && [ -e "$root/etc/gatehouse/gatehouse.env" ] &&
    getent_root passwd gatehouse > /dev/null || fail "remove (without purge) deleted data"
ok "remove keeps the database, keys, configuration and user"
in_root apt-get purge -y -q gatehouse > "$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "purge"; }
for path in /var/lib/gatehouse /etc/gatehouse /run/gatehouse /usr/sbin/gatehouse /lib/systemd/system/gatehouse.service \
    /lib/systemd/system/gatehouse.socket /usr/lib/tmpfiles.d/gatehouse.conf /usr/share/doc/gatehouse \
    /usr/share/man/man8/gatehouse.8.gz; do
    [ ! -e "$root$path" ] || fail "$path left after purge"
done
ls "$root"/etc/nginx/snippets/gatehouse-* > /dev/null 2>&1 && fail "nginx snippets left after purge"
getent_root passwd gatehouse > /dev/null && fail "user gatehouse left after purge"
getent_root group gatehouse > /dev/null && fail "group gatehouse left after purge"
in_root dpkg-query -W gatehouse > /dev/null 2>&1 && fail "dpkg still knows gatehouse"
ok "purge leaves no state, configuration, user, group, unit or binary"

umount "$root/proc"

# ---------------------------------------------------------------------------------------------------------
say "Under systemd: $version booted in a container, reloaded, restarted, upgraded to $next, purged"
# A root with systemd, booted with systemd-nspawn (private network). A check unit runs at the end of the
# boot, writes its results to /root/result and powers the container off.
if [ "${SYSTEMD:-1}" = 1 ]; then
    sbase=$cache/bookworm-apt-systemd-nginx-curl-sqlite3.tar
    if [ ! -s "$sbase" ]; then
        mmdebstrap --quiet --variant=apt --include=systemd,systemd-sysv,dbus,nginx,curl,sqlite3,openssl,ca-certificates \
            --aptopt='Acquire::Check-Valid-Until "false"' --skip=cleanup/apt/lists bookworm "${sbase%.tar}.partial.tar"
        mv "${sbase%.tar}.partial.tar" "$sbase"
    fi
    sroot=$work/systemd-root
    mkdir -p "$sroot"
    tar -C "$sroot" -xf "$sbase"
    cp /etc/resolv.conf "$sroot/etc/resolv.conf"
    # Not in /tmp: systemd-nspawn mounts a fresh tmpfs there.
    mkdir -p "$sroot/srv/gatehouse-test"
    cp "$work/pkgs/gatehouse_${version}_amd64.deb" "$work/pkgs/gatehouse_${next}_amd64.deb" "$sroot/srv/gatehouse-test/"
    cp -r "$root/etc/gatehouse-test" "$sroot/etc/"
    mount -t proc proc "$sroot/proc"
    chroot "$sroot" apt-get update -qq
    chroot "$sroot" apt-get install -y -q "/srv/gatehouse-test/gatehouse_${version}_amd64.deb" > "$work/systemd-install.log" 2>&1 ||
        { cat "$work/systemd-install.log"; fail "apt-get install in the systemd root"; }
    umount "$sroot/proc"
    sed -e 's|^\(\s*ssl_certificate\s\).*|\1/etc/gatehouse-test/cert.pem;|' \
        -e 's|^\(\s*ssl_certificate_key\s\).*|\1/etc/gatehouse-test/key.pem;|' \
        -e 's|server_name auth.example.com;|server_name gatehouse.test;|' \
        "$sroot/usr/share/doc/gatehouse/examples/nginx-site.conf" > "$sroot/etc/nginx/sites-available/gatehouse"
    ln -sf ../sites-available/gatehouse "$sroot/etc/nginx/sites-enabled/gatehouse"
    sed -e "s|@NEXT@|$next|g" -e "s|@MIGRATION@|${migration//\"/}|g" "$repo/Tests/deb/systemd-check.sh" \
        > "$sroot/usr/local/sbin/gatehouse-test-check"
    chmod 755 "$sroot/usr/local/sbin/gatehouse-test-check"
    cat > "$sroot/etc/systemd/system/gatehouse-test-check.service" <<'UNIT'
[Unit]
Description=test-deb checks, then power off
After=multi-user.target gatehouse.socket gatehouse.service nginx.service
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/gatehouse-test-check
[Install]
WantedBy=multi-user.target
UNIT
    ln -sf /etc/systemd/system/gatehouse-test-check.service \
        "$sroot/etc/systemd/system/multi-user.target.wants/gatehouse-test-check.service"
    command -v systemd-nspawn > /dev/null || apt-get install -y -qq --no-install-recommends systemd-container > /dev/null
    timeout 300 systemd-nspawn --quiet --directory="$sroot" --boot --register=no --keep-unit --private-network \
        --console=pipe < /dev/null > "$work/nspawn.log" 2>&1 || true
    [ -s "$sroot/root/result" ] || { tail -30 "$work/nspawn.log"; fail "the container ran no checks (log above)"; }
    sed 's/^/  /' "$sroot/root/result"
    grep -q '^FAIL' "$sroot/root/result" && fail "under systemd (above; container log: $work/nspawn.log)"
    grep -q '^DONE' "$sroot/root/result" || fail "the checks under systemd did not finish"
    passed=$((passed + $(grep -c '^ok' "$sroot/root/result")))
else
    echo "  --  skipped (SYSTEMD=0)"
fi

elapsed=$(( $(date +%s) - start ))
say "test-deb: $passed passed, 0 failed in ${elapsed}s"
printf '%s passed, 0 failed\n' "$passed"
