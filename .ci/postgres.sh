#!/usr/bin/env bash
# Install (Debian package) and start a local PostgreSQL with a test role and database.
# Idempotent: safe to run when PostgreSQL is already installed or running.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
ver=$(ls /etc/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk '{print $4}' | grep -q online; then
  pg_ctlcluster "$ver" main start
fi
for _ in $(seq 1 30); do
  su postgres -c "pg_isready -q" && break
  sleep 0.5
done
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='salesbridge'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"CREATE ROLE salesbridge LOGIN PASSWORD 'salesbridge' CREATEDB\""
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='salesbridge_test'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"CREATE DATABASE salesbridge_test OWNER salesbridge\""
echo "postgres ready"
