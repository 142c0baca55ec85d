#!/usr/bin/env bash
# The dev stack: a private nginx on https://127.0.0.1:PORT in front of Gatehouse's supervisor, all state
# under one directory. Used by `make run` and by the end-to-end tests.
#   dev-stack.sh setup DIR PORT   create DIR with config, TLS certificate, nginx config (idempotent)
#   dev-stack.sh run DIR BIN      migrate, then run gatehouse and nginx in the foreground until Ctrl-C/SIGTERM
# nginx listens on PORT, the demo HTTP upstream on PORT+1, the demo WebSocket upstream on PORT+2. The WebSocket one
# needs Python's `websockets` package: PYTHON names an interpreter that has it (`make run` passes its virtualenv's).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

setup() {
    local dir=$1 port=$2
    mkdir -p "$dir"/{run,log,keys,tls,files,rpc,nginx/tmp,nginx/snippets,nginx/conf.d}
    [ -f "$dir/files/hello.txt" ] || echo "Only signed-in users can read this file." > "$dir/files/hello.txt"
    dir=$(cd "$dir" && pwd)
    chmod 700 "$dir/keys"
    # The API-key pepper (API_KEY_PEPPER_FILE defaults to KEYS_DIR/api-key.pepper), as postinst makes it.
    [ -s "$dir/keys/api-key.pepper" ] || (umask 077 && head -c 32 /dev/urandom > "$dir/keys/api-key.pepper")
    # The key that seals TOTP secrets (MFA_KEY_FILE defaults to KEYS_DIR/mfa.key), as postinst makes it.
    [ -s "$dir/keys/mfa.key" ] || (umask 077 && head -c 32 /dev/urandom > "$dir/keys/mfa.key")
    # Query files for /connection/rpc (docs/RPC.md); refused when others may write them.
    chmod 755 "$dir/rpc"
    [ -f "$dir/gatehouse.env" ] && chmod 600 "$dir/gatehouse.env"
    if [ ! -f "$dir/gatehouse.env" ]; then
        # It holds SERVICE_SECRET: readable by its owner only, from the moment it exists.
        (umask 077 && : > "$dir/gatehouse.env")
        cat > "$dir/gatehouse.env" <<ENV
# Dev-stack configuration (see packaging for the documented production file).
DATABASE_URL=sqlite://$dir/gatehouse.db
KEYS_DIR=$dir/keys
LISTEN=unix:$dir/run/gatehouse.sock
RUNTIME_DIR=$dir/run
SOCKET_MODE=0660
WORKERS=4
JWT_ISSUER=https://127.0.0.1:$port
SERVICE_SECRET=$(openssl rand -hex 32)
ALLOWED_ORIGINS=https://127.0.0.1:$port
# The sign-in portal (/auth/portal/, the /demo/ page): the access token as a cookie, and where it may send
# browsers back to.
ACCESS_COOKIE=true
PORTAL_REDIRECT_DOMAINS=127.0.0.1,localhost
# Passkeys: browsers refuse an IP address as relying party id, so the ceremonies run at https://localhost:$port.
WEBAUTHN_RP_ID=localhost
WEBAUTHN_ORIGINS=https://localhost:$port
RPC_DIR=$dir/rpc
ENV
    fi
    if [ ! -f "$dir/tls/cert.pem" ]; then
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
            -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
            -keyout "$dir/tls/key.pem" -out "$dir/tls/cert.pem" 2>/dev/null
        chmod 600 "$dir/tls/key.pem"
    fi
    cp "$here"/nginx/snippets/*.conf "$dir/nginx/snippets/"
    sed "s|unix:/run/gatehouse/gatehouse.sock|unix:$dir/run/gatehouse.sock|" "$here/nginx/conf.d/gatehouse-upstream.conf" \
        > "$dir/nginx/conf.d/gatehouse-upstream.conf"
    grep -q "unix:$dir/run/gatehouse.sock" "$dir/nginx/conf.d/gatehouse-upstream.conf" || {
        echo "dev-stack: nginx/conf.d/gatehouse-upstream.conf no longer names /run/gatehouse/gatehouse.sock" >&2
        exit 1
    }
    local user_line="# nginx runs as the invoking user"
    # As root, nginx's workers would drop to nobody and could not reach the 0660 socket.
    [ "$(id -u)" = 0 ] && user_line="user root root;"
    local app_port=$((port + 1)) ws_port=$((port + 2))
    sed -e "s|@VAR@|$dir|g" -e "s|@PORT@|$port|g" -e "s|@APP_PORT@|$app_port|g" -e "s|@WS_PORT@|$ws_port|g" \
        -e "s|@USER_LINE@|$user_line|" "$here/nginx/dev/nginx.conf.in" > "$dir/nginx/nginx.conf"
    nginx -t -q -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -g "error_log $dir/log/nginx-error.log;" 2>/dev/null || \
        nginx -t -p "$dir/nginx" -c "$dir/nginx/nginx.conf"
}

run() {
    local dir=$1 bin=$2
    dir=$(cd "$dir" && pwd)
    local config="$dir/gatehouse.env"
    local python=${PYTHON:-python3}
    "$python" -c "import websockets.asyncio.server" 2>/dev/null || {
        echo "dev-stack: $python lacks the websockets package (pip install -r Tests/e2e/requirements.txt," \
            "or use \`make run\`, which does)" >&2
        exit 1
    }
    "$bin" serve --config "$config" --pidfile "$dir/run/gatehouse.pid" &
    local gatehouse=$!
    for _ in $(seq 50); do [ -S "$dir/run/gatehouse.sock" ] && break; sleep 0.1; done
    local port
    port=$(sed -n 's/.*listen 127.0.0.1:\([0-9]*\).*/\1/p' "$dir/nginx/nginx.conf")
    "$python" "$here/scripts/demo-upstream.py" $((port + 1)) "$dir/run/demo-fcgi.sock" &
    local app=$!
    "$python" "$here/scripts/demo-websocket.py" $((port + 2)) &
    local ws=$!
    nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -g "daemon off;" &
    local nginx=$!
    stop() {
        trap - INT TERM
        kill -TERM "$nginx" "$gatehouse" "$app" "$ws" 2>/dev/null || true
        wait "$nginx" "$gatehouse" "$app" "$ws" 2>/dev/null || true
    }
    trap 'stop; exit 0' INT TERM
    echo "Gatehouse is up: https://127.0.0.1:$port/health (certificate: $dir/tls/cert.pem). Ctrl-C stops."
    echo "Protected: https://127.0.0.1:$port/app/ (demo upstream), /api/ (server-to-server), /fcgi/ (demo FastCGI app),"
    echo "  wss://127.0.0.1:$port/ws/ (demo WebSocket upstream) and /files/hello.txt"
    echo "In a browser: https://127.0.0.1:$port/demo/ (signs you in through /auth/portal/login and comes back)"
    wait -n "$nginx" "$gatehouse" "$app" "$ws" || true
    stop
}

case "${1:-}" in
    setup) setup "$2" "$3" ;;
    run) run "$2" "$3" ;;
    *) echo "usage: $0 setup DIR PORT | run DIR BIN" >&2; exit 2 ;;
esac
