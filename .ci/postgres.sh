# Sourced by .ci/run: make a PostgreSQL server reachable for the test suite and export its admin URL as
# HALO_AGENT_TEST_DATABASE_URL (the tests create and drop their own databases on it).
#   1. HALO_AGENT_TEST_DATABASE_URL already set: used as it is.
#   2. a server answers on 127.0.0.1:5432 (this project's machines run one): used.
#   3. otherwise: Debian's postgresql package is installed if missing, and a throwaway cluster is
#      initialised in a temporary folder and started on a free loopback port; stopped on exit.
# HALO_AGENT_CI_PG=throwaway forces 3 (to try this path on a machine that has a server).

_pg_throwaway() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [[ -z "$bin" ]]; then
        echo "ci: installing Debian's postgresql package" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    fi
    local dir port as=()
    dir=$(mktemp -d /tmp/halo-ci-pg.XXXXXX)
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    if [[ $(id -u) == 0 ]]; then
        chown postgres: "$dir"
        as=(runuser -u postgres --)  # initdb and postgres refuse to run as root
    fi
    "${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 >/dev/null
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    HALO_CI_PG_STOP=("${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast stop)
    trap '"${HALO_CI_PG_STOP[@]}" >/dev/null 2>&1 || true; rm -rf "'"$dir"'"' EXIT
    export HALO_AGENT_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/postgres"
    echo "ci: started a throwaway PostgreSQL cluster on 127.0.0.1:$port" >&2
}

if [[ -n "${HALO_AGENT_TEST_DATABASE_URL:-}" ]]; then
    echo "ci: PostgreSQL from HALO_AGENT_TEST_DATABASE_URL" >&2
elif [[ "${HALO_AGENT_CI_PG:-}" != "throwaway" ]] && command -v pg_isready >/dev/null \
        && pg_isready -q -h 127.0.0.1 -p 5432; then
    export HALO_AGENT_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:5432/postgres"
    echo "ci: PostgreSQL already running on 127.0.0.1:5432" >&2
else
    _pg_throwaway
fi
