#!/usr/bin/env bash
# `make deb`: builds dist/gatehouse_<version>_amd64.deb and its dbgsym package.
#
# The build runs in a copy of the work tree, .build-deb/stage/gatehouse, whose debian/ is a copy of
# packaging/debian: the repository root never gets a debian/ directory, and dpkg-buildpackage's output
# (written beside the source tree) stays under .build-deb/. The copy holds what `git add -A` would commit.
#
#   build-deb.sh          sync the copy, build, move the packages to $DEB_DIST (default dist/)
#   build-deb.sh sync     only sync the copy (Tests/deb patches it before building another version)
#   build-deb.sh build    only build what is in the copy, and move the packages to $DEB_DIST
#
# Environment: SWIFT (default: swift, or the toolchain in /opt/swift), DEB_STAGE (the copy's parent
# directory, default .build-deb/stage), DEB_DIST.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stage_parent=${DEB_STAGE:-$root/.build-deb/stage}
stage=$stage_parent/gatehouse
dist=${DEB_DIST:-$root/dist}

# The packaging tools and debian/control's Build-Depends, installed with apt when missing.
ensure_tools() {
    local missing=() p
    for p in debhelper dpkg-dev fakeroot rsync; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} = 0 ]; then
        # "Unmet build dependencies: libfcgi-dev libssl-dev (>= 3)": the names, without versions.
        read -r -a missing <<< "$(dpkg-checkbuilddeps "$root/packaging/debian/control" 2>&1 |
            sed -n 's/.*Unmet build dependencies: //p' | sed 's/([^)]*)//g; s/|[^ ]*//g')"
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        local sudo=""
        [ "$(id -u)" = 0 ] || sudo="sudo"
        echo "Installing: ${missing[*]}"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        [ "$1" = again ] || ensure_tools again
        return
    fi
    if [ -z "${SWIFT:-}" ] && ! command -v swift >/dev/null; then
        export PATH="/opt/swift/usr/bin:$PATH"
    fi
    command -v "${SWIFT:-swift}" >/dev/null || { echo "build-deb: no Swift toolchain on PATH" >&2; exit 1; }
}

sync_stage() {
    mkdir -p "$stage"
    # Tracked and untracked-but-not-ignored files: what `git add -A` would commit.
    (cd "$root" && git ls-files -z --cached --others --exclude-standard) |
        rsync -a --delete --from0 --files-from=- "$root/" "$stage/"
    # --files-from never deletes: remove what left the tree, sparing debian/ and its build products.
    (cd "$root" && git ls-files --cached --others --exclude-standard) | sort > "$stage_parent/files.wanted"
    (cd "$stage" && find . -path ./debian -prune -o -type f -print | sed 's|^\./||' | sort) > "$stage_parent/files.present"
    comm -13 "$stage_parent/files.wanted" "$stage_parent/files.present" | (cd "$stage" && xargs -r -d '\n' rm -f)
    rsync -a --delete --exclude=/.build-swift/ --exclude=/.home/ --exclude=/.generated/ \
        --exclude='/gatehouse/' --exclude='/gatehouse-dbgsym/' --exclude='/.debhelper/' \
        --exclude='/*.substvars' --exclude='/*.debhelper' --exclude='/debhelper-build-stamp' --exclude='/files' \
        --exclude='/tmp/' "$root/packaging/debian/" "$stage/debian/"
}

check_version() {
    local cli changelog
    cli=$(sed -n 's/^let gatehouseVersion = "\(.*\)"$/\1/p' "$stage/Sources/gatehouse/CLI.swift")
    changelog=$(cd "$stage" && dpkg-parsechangelog -S Version)
    if [ -z "$cli" ] || [ "${changelog%%+*}" != "$cli" ]; then
        echo "build-deb: debian/changelog says $changelog, Sources/gatehouse/CLI.swift says ${cli:-nothing}:" >&2
        echo "  gatehouseVersion is the version; add a changelog entry for it (dch -v $cli)." >&2
        exit 1
    fi
}

build() {
    check_version
    local version
    version=$(cd "$stage" && dpkg-parsechangelog -S Version)
    rm -f "$stage_parent"/gatehouse*_"$version"_* "$stage_parent"/gatehouse_"$version"_*.buildinfo
    echo "Building gatehouse $version in $stage (log: $stage_parent/build.log)"
    # A clean build every time (debian/rules clean first): a release build takes well under a minute.
    (cd "$stage" && dpkg-buildpackage -b -us -uc) > "$stage_parent/build.log" 2>&1 ||
        { tail -40 "$stage_parent/build.log" >&2; echo "build-deb: dpkg-buildpackage failed (log above)" >&2; exit 1; }
    mkdir -p "$dist"
    mv "$stage_parent"/gatehouse_"$version"_amd64.deb "$stage_parent"/gatehouse-dbgsym_"$version"_amd64.*deb \
        "$stage_parent"/gatehouse_"$version"_amd64.buildinfo "$stage_parent"/gatehouse_"$version"_amd64.changes "$dist/"
    ls -l "$dist"/gatehouse*_"$version"_amd64.*deb
}

case "${1:-all}" in
    all) ensure_tools first; sync_stage; build ;;
    sync) ensure_tools first; sync_stage ;;
    build) ensure_tools first; build ;;
    *) echo "usage: $0 [sync|build]" >&2; exit 2 ;;
esac
