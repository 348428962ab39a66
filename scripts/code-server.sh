#!/usr/bin/env bash
# Install code-server 4.100.3 (VS Code 1.100.3, the last release that runs on Node 20) into
# .cache/code-server for the real VS Code test, from the npm registry alone:
# - install with --ignore-scripts: its postinstall downloads ripgrep from the internet;
# - install VS Code's own dependencies the same way and put Debian's rg where
#   @vscode/ripgrep looks for it;
# - rebuild the native modules against the installed Node's headers (/usr/include/node).
# Debian's chromium, ripgrep and libkrb5-dev (for kerberos) are installed with apt-get when
# missing and run as root. Safe to run again: a finished install is left alone.
set -euo pipefail

VERSION=4.100.3
DEST="${CODE_SERVER_DIR:-$(cd "$(dirname "$0")/.." && pwd)/.cache/code-server}"
STAMP="$DEST/.installed-$VERSION"
[[ -f "$STAMP" ]] && exit 0

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v rg >/dev/null || missing+=(ripgrep)
[[ -f /usr/include/krb5.h || -f /usr/include/krb5/krb5.h ]] || missing+=(libkrb5-dev)
if (( ${#missing[@]} )); then
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
        echo "code-server.sh: the VS Code test needs: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
    echo "code-server.sh: installing Debian's ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
        || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
fi

nodedir=/usr
[[ -f "$nodedir/include/node/node.h" ]] || nodedir="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
export npm_config_yes=true npm_config_fund=false npm_config_audit=false

rm -rf "$DEST"
mkdir -p "$DEST"
cd "$DEST"
echo '{"name": "hotbed-code-server", "private": true}' > package.json
echo "code-server.sh: installing code-server $VERSION into $DEST" >&2
npm install --ignore-scripts --no-save "code-server@$VERSION" >/dev/null
npm rebuild argon2 --nodedir="$nodedir" >/dev/null

cd node_modules/code-server/lib/vscode
npm install --omit=dev --ignore-scripts >/dev/null
npm rebuild @parcel/watcher @vscode/deviceid @vscode/spdlog kerberos native-watchdog node-pty --nodedir="$nodedir" >/dev/null
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
rm -rf node_modules.asar && ln -s node_modules node_modules.asar
(cd bin/remote-cli && ln -sf code-linux.sh code-server)
(cd bin/helpers && ln -sf browser-linux.sh browser.sh)
(cd extensions && npm install --omit=dev --ignore-scripts >/dev/null)

touch "$STAMP"
echo "code-server.sh: code-server $VERSION ready" >&2
