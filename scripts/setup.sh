#!/usr/bin/env bash
# Installs what MaternityCloud needs on a Debian machine that has the .NET SDK: PostgreSQL, Redis and RabbitMQ
# from the distribution's packages, and Chromium for the dashboard's browser test. Does nothing for what is already there; says what it does, step by step.
set -euo pipefail

say() { printf '[setup] %s\n' "$*"; }

missing=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)
# The dashboard's browser test drives Debian's Chromium through Playwright (no browser download).
[ -x /usr/bin/chromium ] || missing+=(chromium)

if ! command -v dotnet >/dev/null 2>&1; then
  say "the .NET SDK (dotnet) is not on PATH: install .NET SDK 10 first"
  exit 1
fi

if [ ${#missing[@]} -eq 0 ]; then
  say "present: PostgreSQL, Redis, RabbitMQ, Chromium"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { say "need root (or sudo) to install: ${missing[*]}"; exit 1; }
  sudo="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
say "installing ${missing[*]} from Debian packages (first run only; this takes a minute or two)"
say "apt-get update ..."
$sudo apt-get update -qq
say "apt-get install ${missing[*]} ..."
# The packages' own system services are not used: the AppHost and the tests run private servers on their own ports.
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/maternitycloud-apt.log 2>&1 \
  || { tail -20 /tmp/maternitycloud-apt.log; exit 1; }
say "installed: ${missing[*]}"
