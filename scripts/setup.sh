#!/usr/bin/env bash
# Installs what MaternityCloud needs on a Debian machine that has the .NET SDK: PostgreSQL, Redis and RabbitMQ
# from the distribution's packages, and Chromium with a Chinese font for the operators' browser test. Does nothing for what is already there; says what it does, step by step.
set -euo pipefail

say() { printf '[setup] %s\n' "$*"; }

missing=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)
# The operators' browser test drives Debian's Chromium through Playwright (no browser download); the operations
# page's Chinese labels (直接结算率, 生育津贴) need a CJK font to render as text rather than boxes.
[ -x /usr/bin/chromium ] || missing+=(chromium)
ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
# `make one-thing` (and the AppHost test that runs it) drives the JSON API with curl and reads the answers with jq.
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v jq >/dev/null 2>&1 || missing+=(jq)
# The Kubernetes manifests are validated offline (deploy/kubernetes/validate) with Node.js and schemas from npm.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if ! command -v dotnet >/dev/null 2>&1; then
  say "the .NET SDK (dotnet) is not on PATH: install .NET SDK 10 first"
  exit 1
fi

if [ ${#missing[@]} -eq 0 ]; then
  say "present: PostgreSQL, Redis, RabbitMQ, Chromium, a CJK font, curl, jq, Node.js"
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
