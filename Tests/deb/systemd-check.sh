#!/bin/sh
# Runs inside the systemd-nspawn container of Tests/deb/test-deb.sh, at the end of its boot, as the unit
# gatehouse-test-check.service: checks the installed package under the real systemd, writes one line per
# check to /root/result ("ok ..." or "FAIL ..."), then "DONE", and powers the container off.
# @NEXT@ and @MIGRATION@ are filled in by test-deb.sh.
exec > /root/result 2>&1
trap 'echo DONE; systemctl poweroff --no-block' EXIT

check() {
    description=$1
    shift
    if "$@" > /tmp/check.out 2>&1; then echo "ok  systemd: $description"; else
        echo "FAIL systemd: $description"; sed 's/^/    /' /tmp/check.out
    fi
}
https() { curl -s --max-time 10 --cacert /etc/gatehouse-test/cert.pem --resolve gatehouse.test:443:127.0.0.1 "$@"; }
healthy() {
    for _ in $(seq 50); do
        [ "$(https -o /dev/null -w '%{http_code}' https://gatehouse.test/health)" = 200 ] && return 0
        sleep 0.2
    done
    https -i https://gatehouse.test/health
    return 1
}
is() { [ "$1" = "$2" ] || { echo "got \"$1\", expected \"$2\""; return 1; }; }
main_pid() { systemctl show -p MainPID --value gatehouse.service; }
status_field() { sed -n "s/^$1:[[:space:]]*//p" "/proc/$(main_pid)/status"; }
root_mount() { awk '$5 == "/" { print $6 }' "/proc/$(main_pid)/mountinfo" | cut -d, -f1; }
no_errors_logged() { ! journalctl -q -u gatehouse.service -p err --no-pager | grep .; }

check "gatehouse.socket, gatehouse.service and nginx active after boot" \
    systemctl is-active gatehouse.socket gatehouse.service nginx.service
check "the socket is gatehouse:www-data 0660" is "$(stat -c '%U:%G %a' /run/gatehouse/gatehouse.sock)" "gatehouse:www-data 660"
check "/run/gatehouse is gatehouse:gatehouse 0755" is "$(stat -c '%U:%G %a' /run/gatehouse)" "gatehouse:gatehouse 755"
check "GET /health through nginx" healthy
check "the service has no capabilities" is "$(status_field CapEff)/$(status_field CapBnd)" "0000000000000000/0000000000000000"
check "NoNewPrivileges and a seccomp filter" is "$(status_field NoNewPrivs)/$(status_field Seccomp)" "1/2"
check "ProtectSystem=strict: / is read-only for the service" is "$(root_mount)" ro
check "runs as gatehouse" is "$(stat -c %U:%G "/proc/$(main_pid)")" gatehouse:gatehouse

pid=$(main_pid)
check "systemctl reload succeeds" systemctl reload gatehouse.service
check "a reload keeps the supervisor" is "$(main_pid)" "$pid"
check "GET /health after the reload" healthy
check "systemctl restart succeeds" systemctl restart gatehouse.service
check "the socket keeps its owner and mode across a restart" \
    is "$(stat -c '%U:%G %a' /run/gatehouse/gatehouse.sock)" "gatehouse:www-data 660"
check "GET /health after the restart" healthy
check "systemctl stop finishes within TimeoutStopSec" systemctl stop gatehouse.service
check "a request starts it again through the socket" healthy
check "nothing logged at error level" no_errors_logged

check "apt-get install of @NEXT@ (stops, migrates, starts)" \
    env DEBIAN_FRONTEND=noninteractive apt-get install -y -q /srv/gatehouse-test/gatehouse_@NEXT@_amd64.deb
check "gatehouse.service active after the upgrade" systemctl is-active gatehouse.service
check "GET /health after the upgrade" healthy
check "the upgrade applied the new migration" is "$(runuser -u gatehouse -- sqlite3 /var/lib/gatehouse/gatehouse.db \
    "SELECT count(*) FROM schema_migrations WHERE identifier = '@MIGRATION@'")" 1

check "apt-get purge" env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q gatehouse
check "purge stopped the units" sh -c '! systemctl is-active -q gatehouse.service gatehouse.socket'
check "purge left no state, configuration or user" \
    sh -c '! test -e /var/lib/gatehouse && ! test -e /etc/gatehouse && ! getent passwd gatehouse'
check "no failed units" is "$(systemctl list-units --failed --plain --no-legend | wc -l)" 0
