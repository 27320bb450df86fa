#!/usr/bin/env bash
# Make sure a MariaDB server answers on this machine (for the tests and the mariadb target).
# Installs it from Debian's packages when missing and starts it when stopped; does nothing when
# it already answers, or when MCA_DB_HOST points somewhere else (that server is yours to run).
set -euo pipefail

host="${MCA_DB_HOST:-127.0.0.1}"
if [[ "$host" != "127.0.0.1" && "$host" != "localhost" ]]; then
  echo "MCA_DB_HOST=$host is not local; not managing a server there"
  exit 0
fi

ping_server() { mariadb-admin -uroot --connect-timeout=2 ping >/dev/null 2>&1; }

if command -v mariadb-admin >/dev/null 2>&1 && ping_server; then
  echo "MariaDB is running"
  exit 0
fi

if [[ ! -x /usr/sbin/mariadbd ]]; then
  echo "installing mariadb-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq mariadb-server >/dev/null
fi

echo "starting MariaDB"
mkdir -p /run/mysqld
chown mysql:mysql /run/mysqld
start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql

for _ in $(seq 1 150); do
  if ping_server; then
    echo "MariaDB is running"
    exit 0
  fi
  sleep 0.2
done
echo "MariaDB did not start within 30 s" >&2
exit 1
