#!/usr/bin/env bash
# Installs a system library liveset needs when it is missing: libmpv (playback) or a PostgreSQL
# server (storage tests). Debian/Ubuntu get it through apt-get; other systems get one line naming
# the package to install.
set -euo pipefail
what=${1:?usage: ensure-system-deps.sh libmpv|postgres}

have_libmpv() { ldconfig -p 2>/dev/null | grep 'libmpv\.so' >/dev/null; }
have_postgres() {
  command -v initdb >/dev/null 2>&1 || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

apt_install() {
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "liveset: run as root or install: $*" >&2; return 1
    fi
  fi
  # Refresh the package lists only when a first attempt cannot find the package.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null 2>&1 || {
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
  }
}

is_debian() { command -v apt-get >/dev/null 2>&1; }

case "$what" in
  libmpv)
    have_libmpv && exit 0
    if is_debian; then
      echo "liveset: installing libmpv with apt-get" >&2
      # Debian 12+/Ubuntu 22.10+ ship libmpv2; older releases libmpv1.
      apt_install libmpv2 || apt_install libmpv1
    else
      echo "liveset: playback needs libmpv: install it with your package manager" \
           "(Fedora: mpv-libs, Arch: mpv, macOS: brew install mpv, Alpine: mpv-libs)" >&2
    fi
    ;;
  postgres)
    have_postgres && exit 0
    if is_debian; then
      echo "liveset: installing PostgreSQL server binaries with apt-get (for the storage tests)" >&2
      apt_install postgresql || echo "liveset: PostgreSQL unavailable; its tests will be skipped" >&2
    else
      echo "liveset: PostgreSQL not found; its storage tests will be skipped" >&2
    fi
    ;;
  *) echo "unknown dependency: $what" >&2; exit 2 ;;
esac
