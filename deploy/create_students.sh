#!/usr/bin/env bash
# create_students.sh -- the system users of a class for the systemd spawner (KCDC_HUB_SPAWNER=systemd), run as root.
#
#   sudo bash deploy/create_students.sh N [PREFIX]       # student01 ... studentN (PREFIX defaults to "student")
#   sudo bash deploy/create_students.sh --remove N [PREFIX]
#
# Each user gets a home folder and no password (students log in to the hub with the class password, never to the
# machine). The hub's pre-spawn hook fills ~/kcdc-masterclass at the first start. Users that exist are left alone.
set -euo pipefail

remove=0
if [ "${1:-}" = "--remove" ]; then
  remove=1
  shift
fi
N="${1:?usage: create_students.sh [--remove] N [PREFIX]}"
PREFIX="${2:-student}"
if [ "$(id -u)" -ne 0 ]; then
  echo "create_students.sh: run as root (sudo)" >&2
  exit 1
fi
for i in $(seq -w 1 "$N"); do
  name="${PREFIX}${i}"
  if [ "$remove" -eq 1 ]; then
    if id "$name" > /dev/null 2>&1; then userdel --remove "$name" && echo "removed $name"; fi
  elif id "$name" > /dev/null 2>&1; then
    echo "exists  $name"
  else
    useradd --create-home --shell /usr/sbin/nologin "$name" && echo "created $name"
  fi
done
