#!/usr/bin/env bash
# Run a command (the test suite) beside a throwaway PostgreSQL cluster.
#
#   scripts/postgres.sh .venv/bin/pytest [ARGS...]
#
# The cluster lives in a temporary folder, listens only on a Unix socket there (so it
# never clashes with another server or port), and is stopped and removed when the
# command ends. Its URL reaches the tests as HOTBED_TEST_POSTGRES_URL. Without PostgreSQL
# server binaries the command runs alone and the PostgreSQL tests skip, except in CI
# (CI=true), where Debian's postgresql package is installed first so that they run.
set -euo pipefail

find_bin_dir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
        echo "$dir"
    elif command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        dirname "$(command -v initdb)"
    fi
}

install_postgres() {
    echo "postgres.sh: installing Debian's postgresql package for the PostgreSQL tests" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends postgresql >/dev/null; then
        apt-get update -q >/dev/null
        apt-get install -y -q --no-install-recommends postgresql >/dev/null
    fi
}

bin_dir=$(find_bin_dir)
if [[ -z "$bin_dir" && "${CI:-}" == "true" ]]; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        install_postgres
        bin_dir=$(find_bin_dir)
    else
        echo "postgres.sh: CI=true but cannot install postgresql (needs root and apt-get)" >&2
        exit 1
    fi
fi
if [[ -z "$bin_dir" ]]; then
    echo "postgres.sh: PostgreSQL server binaries not found; the PostgreSQL tests will skip" >&2
    exec "$@"
fi

work=$(mktemp -d /tmp/hotbed-pg.XXXXXX)
run_as=()
if [[ $(id -u) -eq 0 ]]; then
    # initdb refuses to run as root: the cluster belongs to an unprivileged user.
    owner=postgres
    if ! id "$owner" >/dev/null 2>&1; then
        owner=hotbed-pg
        id "$owner" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$owner"
    fi
    chown "$owner" "$work"
    run_as=(runuser -u "$owner" --)
fi

cleanup() {
    (cd "$work" && "${run_as[@]}" "$bin_dir/pg_ctl" -D "$work/data" -m immediate -w stop >/dev/null 2>&1) || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

(
    cd "$work"
    "${run_as[@]}" "$bin_dir/initdb" -D "$work/data" -U hotbed -A trust -E UTF8 --locale=C --no-sync >"$work/initdb.log" 2>&1 \
        || { cat "$work/initdb.log" >&2; exit 1; }
    options="-c listen_addresses='' -c unix_socket_directories='$work' -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
    "${run_as[@]}" "$bin_dir/pg_ctl" -D "$work/data" -l "$work/server.log" -o "$options" -w -t 60 start >/dev/null \
        || { cat "$work/server.log" >&2; exit 1; }
)

export HOTBED_TEST_POSTGRES_URL="postgresql+psycopg://hotbed@/postgres?host=$work"
echo "postgres.sh: throwaway PostgreSQL ($("$bin_dir/postgres" --version)) at $work" >&2
status=0
"$@" || status=$?
exit "$status"
