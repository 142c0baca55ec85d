#!/usr/bin/python3
"""Starts the packaged gatehouse inside a Debian root the way systemd would, without systemd.

    launch.py ROOT                 exec gatehouse.service's ExecStart (this process becomes the supervisor)
    launch.py ROOT --print KEY     print one setting of gatehouse.service (e.g. ExecReload, TimeoutStopSec)

Read from the installed units, ROOT/lib/systemd/system/gatehouse.{socket,service}, and applied:
- gatehouse.socket: ListenStream= bound as a unix socket with SocketUser=, SocketGroup=, SocketMode= and
  Backlog=, handed over as descriptor 3 with LISTEN_FDS=1 and LISTEN_PID (sd_listen_fds(3));
- gatehouse.service: RuntimeDirectory= and StateDirectory= with their modes, User=, Group= (with the user's
  supplementary groups), UMask=, WorkingDirectory=/, Environment=, EnvironmentFile=, NoNewPrivileges=,
  CapabilityBoundingSet= (empty: every capability dropped), MemoryDenyWriteExecute= (prctl PR_SET_MDWE),
  SystemCallFilter= with SystemCallErrorNumber= and SystemCallArchitectures=native (a seccomp filter built
  with libseccomp from the host systemd's own syscall groups, `systemd-analyze syscall-filter`;
  LAUNCH_SECCOMP_KILL=1 makes a refused call fatal whatever SystemCallErrorNumber= says);
  then ExecStart= in a clean environment, chrooted into ROOT.
Not applied: the mount-namespace settings (ProtectSystem=, PrivateTmp=, ...), which need systemd itself.
"""
import ctypes
import errno
import os
import shlex
import socket
import subprocess
import sys


def parse_unit(path):
    """The unit's settings: {key: [values in order]} (keys may repeat; an empty value resets)."""
    settings = {}
    with open(path) as unit:
        for raw in unit:
            line = raw.strip()
            if not line or line[0] in "#;[":
                continue
            key, _, value = line.partition("=")
            key, value = key.strip(), value.strip()
            if value == "" and key in ("SystemCallFilter", "Environment", "EnvironmentFile"):
                settings[key] = []
            else:
                settings.setdefault(key, []).append(value)
    return settings


def last(settings, key, default=None):
    values = settings.get(key)
    return values[-1] if values else default


def read_table(path):
    with open(path) as table:
        return [line.rstrip("\n").split(":") for line in table if line.strip() and not line.startswith("#")]


def syscall_group(name, seen=None):
    """The syscalls of a systemd group such as @system-service, nested groups expanded."""
    seen = set() if seen is None else seen
    if name in seen:
        return set()
    seen.add(name)
    listing = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager", name],
                             check=True, capture_output=True, text=True).stdout.splitlines()
    calls = set()
    for line in listing[1:]:
        item = line.strip()
        if not item or item.startswith("#"):
            continue
        calls |= syscall_group(item, seen) if item.startswith("@") else {item}
    return calls


def syscall_filter(values):
    allowed, mode = set(), None
    for value in values:
        deny = value.startswith("~")
        items = value.lstrip("~").split()
        calls = set()
        for item in items:
            calls |= syscall_group(item) if item.startswith("@") else {item}
        if mode is None:
            mode = "deny" if deny else "allow"
        if mode == "allow":
            allowed = allowed - calls if deny else allowed | calls
    if mode != "allow":
        sys.exit("launch.py: only allow-list SystemCallFilter= is emulated")
    return allowed


def load_seccomp(lib, allowed, error_number):
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.restype = ctypes.c_int
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                           ctypes.c_void_p]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    act_allow = 0x7FFF0000
    act_errno = 0x00050000 | (error_number & 0xFFFF)
    act_kill_process = 0x80000000
    context = lib.seccomp_init(act_errno if error_number else act_kill_process)
    if not context:
        sys.exit("launch.py: seccomp_init failed")
    for name in sorted(allowed):
        number = lib.seccomp_syscall_resolve_name(name.encode())
        if number < 0:
            continue  # not a syscall of this architecture
        if lib.seccomp_rule_add_array(context, act_allow, number, 0, None) != 0:
            sys.exit(f"launch.py: seccomp rule for {name} failed")
    if lib.seccomp_load(context) != 0:
        sys.exit("launch.py: seccomp_load failed")


def prctl(option, arg2=0):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(option, arg2, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option})")


def env_file_values(root, spec):
    optional = spec.startswith("-")
    path = os.path.join(root, spec.lstrip("-").lstrip("/"))
    if not os.path.exists(path):
        if optional:
            return {}
        sys.exit(f"launch.py: EnvironmentFile {spec} does not exist")
    values = {}
    with open(path) as env:
        for raw in env:
            line = raw.strip()
            if not line or line[0] in "#;" or "=" not in line:
                continue
            key, _, value = line.partition("=")
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            values[key.strip()] = value
    return values


def main():
    root = os.path.abspath(sys.argv[1])
    units = os.path.join(root, "lib/systemd/system")
    service = parse_unit(os.path.join(units, "gatehouse.service"))
    if len(sys.argv) == 4 and sys.argv[2] == "--print":
        print(last(service, sys.argv[3], ""))
        return
    sock_unit = parse_unit(os.path.join(units, "gatehouse.socket"))

    passwd = {entry[0]: entry for entry in read_table(os.path.join(root, "etc/passwd"))}
    groups = {entry[0]: entry for entry in read_table(os.path.join(root, "etc/group"))}
    user = last(service, "User", "root")
    group = last(service, "Group", user)
    uid, gid = int(passwd[user][2]), int(groups[group][2])
    home = passwd[user][5]
    supplementary = sorted({int(entry[2]) for entry in groups.values() if user in entry[3].split(",")} | {gid})

    # RuntimeDirectory= and StateDirectory=, as systemd prepares them before ExecStart.
    for key, base in (("RuntimeDirectory", "run"), ("StateDirectory", "var/lib")):
        for name in " ".join(service.get(key, [])).split():
            path = os.path.join(root, base, name)
            os.makedirs(path, exist_ok=True)
            os.chown(path, uid, gid)
            os.chmod(path, int(last(service, key + "Mode", "0755"), 8))

    # gatehouse.socket: bound relative to its directory (sun_path is 108 bytes; ROOT may be long).
    listen = last(sock_unit, "ListenStream")
    directory = os.path.join(root, os.path.dirname(listen).lstrip("/"))
    os.makedirs(directory, exist_ok=True)
    cwd = os.getcwd()
    os.chdir(directory)
    name = os.path.basename(listen)
    if os.path.lexists(name):
        os.unlink(name)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(name)
    socket_user = last(sock_unit, "SocketUser", "root")
    socket_group = last(sock_unit, "SocketGroup", "root")
    os.chown(name, int(passwd[socket_user][2]), int(groups[socket_group][2]))
    os.chmod(name, int(last(sock_unit, "SocketMode", "0666"), 8))
    listener.listen(int(last(sock_unit, "Backlog", "4096")))
    os.chdir(cwd)
    descriptor = listener.detach()
    if descriptor != 3:
        os.dup2(descriptor, 3)
        os.close(descriptor)
    os.set_inheritable(3, True)

    environment = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "USER": user, "LOGNAME": user, "HOME": home, "SHELL": passwd[user][6],
        "LISTEN_PID": str(os.getpid()), "LISTEN_FDS": "1", "LISTEN_FDNAMES": os.path.basename(listen),
    }
    if service.get("RuntimeDirectory"):
        environment["RUNTIME_DIRECTORY"] = "/run/" + service["RuntimeDirectory"][-1].split()[0]
    if service.get("StateDirectory"):
        environment["STATE_DIRECTORY"] = "/var/lib/" + service["StateDirectory"][-1].split()[0]
    for spec in service.get("EnvironmentFile", []):
        environment.update(env_file_values(root, spec))
    for value in service.get("Environment", []):
        for assignment in shlex.split(value):
            key, _, val = assignment.partition("=")
            environment[key] = val

    argv = shlex.split(last(service, "ExecStart"))
    argv[0] = argv[0].lstrip("-@:+!")

    # Everything from the host (systemd-analyze, libseccomp) before the chroot.
    if service.get("SystemCallFilter"):
        allowed = syscall_filter(service["SystemCallFilter"])
        libseccomp = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    with open("/proc/sys/kernel/cap_last_cap") as f:
        last_cap = int(f.read())

    os.chroot(root)
    os.chdir(last(service, "WorkingDirectory", "/"))
    if last(service, "CapabilityBoundingSet") == "":
        for capability in range(last_cap + 1):
            prctl(24, capability)  # PR_CAPBSET_DROP
    os.setgroups(supplementary)
    os.setgid(gid)
    os.setuid(uid)
    os.umask(int(last(service, "UMask", "0022"), 8))
    if last(service, "NoNewPrivileges") == "yes":
        prctl(38, 1)  # PR_SET_NO_NEW_PRIVS
    if last(service, "MemoryDenyWriteExecute") == "yes":
        prctl(65, 1)  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN
    if service.get("SystemCallFilter"):
        error = last(service, "SystemCallErrorNumber")
        # LAUNCH_SECCOMP_KILL=1: a refused call kills the process instead of failing with the unit's
        # SystemCallErrorNumber=, so that a test cannot pass over a refused call unnoticed.
        if os.environ.get("LAUNCH_SECCOMP_KILL") == "1":
            error = None
        load_seccomp(libseccomp, allowed, getattr(errno, error) if error else 0)
    os.execve(argv[0], argv, environment)


if __name__ == "__main__":
    main()
