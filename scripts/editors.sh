#!/usr/bin/env bash
# Make sure the editors the tests drive are installed: Emacs with eglot (Debian's emacs-nox
# and elpa-eglot). Neovim comes from PyPI with the dev extra. Installs with apt-get when
# run as root (CI runs as root); otherwise says what to install and fails.
set -euo pipefail

have_emacs() {
    command -v emacs >/dev/null && emacs --batch --eval "(require 'eglot)" >/dev/null 2>&1
}

if have_emacs; then
    exit 0
fi
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "editors.sh: installing Debian's emacs-nox and elpa-eglot for the Emacs test" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends emacs-nox elpa-eglot >/dev/null; then
        apt-get update -q >/dev/null
        apt-get install -y -q --no-install-recommends emacs-nox elpa-eglot >/dev/null
    fi
    have_emacs && exit 0
fi
echo "editors.sh: the Emacs test needs Emacs with eglot: sudo apt-get install emacs-nox elpa-eglot" >&2
exit 1
