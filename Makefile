# MaternityCloud: two commands for a fresh machine (see README.md).
#   make run   installs what is missing, builds, and runs the whole platform through the AppHost
#   make test  installs what is missing, builds, and runs every test against real servers the tests start
SHELL := /bin/bash
CONFIGURATION ?= Debug
DOTNET := DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet

.PHONY: run test setup build clean

setup:
	@./scripts/setup.sh

build: setup
	@echo "[build] restoring and building MaternityCloud.sln ($(CONFIGURATION)) ..."
	@$(DOTNET) build MaternityCloud.sln -c $(CONFIGURATION) -nologo -clp:NoSummary -v minimal

run: build
	@$(DOTNET) AppHost/bin/$(CONFIGURATION)/net10.0/MaternityCloud.AppHost.dll $(ARGS)

test: build
	@$(DOTNET) test MaternityCloud.sln -c $(CONFIGURATION) --no-build

clean:
	@$(DOTNET) clean MaternityCloud.sln -nologo -v quiet
