#!/bin/sh
# First start on an empty data directory: create the system tables, the root password, the
# database and the user named by MYSQL_* (as the mysql image does), on a server that
# listens on its socket only; then run the server for real.
set -eu
: "${MYSQL_ROOT_PASSWORD:?}"
datadir=/var/lib/mysql
chown mysql:mysql "$datadir" /run/mysqld

# single quotes doubled: the values go into SQL string literals
sql_str() { printf "%s" "$1" | sed "s/'/''/g"; }

if [ ! -d "$datadir/mysql" ]; then
  mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db --auth-root-authentication-method=normal >/dev/null
  mariadbd --user=mysql --datadir="$datadir" --skip-networking --socket=/run/mysqld/init.sock &
  pid=$!
  i=0
  until mariadb-admin --socket=/run/mysqld/init.sock -uroot ping --silent 2>/dev/null; do
    i=$((i + 1)); [ "$i" -lt 300 ] || { echo "init server did not start" >&2; exit 1; }
    sleep 0.1
  done
  root_pw=$(sql_str "$MYSQL_ROOT_PASSWORD")
  {
    # mariadb-install-db also makes password-less root@127.0.0.1, ::1 and <hostname>
    echo "DELETE FROM mysql.global_priv WHERE User = 'root' AND Host NOT IN ('localhost'); FLUSH PRIVILEGES;"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$root_pw';"
    echo "CREATE USER 'root'@'%' IDENTIFIED BY '$root_pw'; GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    if [ -n "${MYSQL_DATABASE:-}" ]; then echo "CREATE DATABASE IF NOT EXISTS \`$MYSQL_DATABASE\`;"; fi
    if [ -n "${MYSQL_USER:-}" ]; then
      echo "CREATE USER '$(sql_str "$MYSQL_USER")'@'%' IDENTIFIED BY '$(sql_str "${MYSQL_PASSWORD:-}")';"
      if [ -n "${MYSQL_DATABASE:-}" ]; then echo "GRANT ALL ON \`$MYSQL_DATABASE\`.* TO '$(sql_str "$MYSQL_USER")'@'%';"; fi
    fi
    echo "FLUSH PRIVILEGES;"
  } | mariadb --socket=/run/mysqld/init.sock -uroot
  kill "$pid"
  wait "$pid" || true
fi

exec mariadbd --user=mysql --datadir="$datadir" --bind-address=0.0.0.0 --skip-name-resolve "$@"
