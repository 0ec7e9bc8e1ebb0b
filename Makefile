# MaternityCloud: two commands for a fresh machine (see README.md).
#   make run   installs what is missing, builds, and runs the whole platform through the AppHost
#   make test  installs what is missing, builds, and runs every test against real servers the tests start
SHELL := /bin/bash
CONFIGURATION ?= Debug
DOTNET := DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet

.PHONY: one-thing run test setup build clean bench-build bench bench-eligibility bench-settlement bench-allowance bench-notifications bench-micro import-contributions \
	access bad-input attacks faults soak issue-credential

setup:
	@./scripts/setup.sh

build: setup
	@echo "[build] restoring and building MaternityCloud.sln ($(CONFIGURATION)) ..."
	@$(DOTNET) build MaternityCloud.sln -c $(CONFIGURATION) -nologo -clp:NoSummary -v minimal

# make run REPLICAS=2 starts every service twice (see README "Replicas").
run: build
	@$(DOTNET) AppHost/bin/$(CONFIGURATION)/net10.0/MaternityCloud.AppHost.dll $(if $(REPLICAS),--Platform:Replicas=$(REPLICAS)) $(ARGS)

test: build
	@$(DOTNET) test MaternityCloud.sln -c $(CONFIGURATION) --no-build

# The trust suites, each alone with its figures printed (all of them also run in `make test`, the soak excepted):
#   make access      who may call: credentials, institutions, roles, the audit log ("unauthorised reads: 0")
#   make bad-input   generated bad input for every public gRPC method ("N inputs tried" per method)
#   make attacks     a dishonest or careless hospital tries every attack of issue 18 and more ("N attacks tried, 0 succeeded")
#   make faults      settlements through kill -9, broker, cache and database restarts; reconciliation (lost 0, duplicated 0)
#   make soak        the fault suite for MINUTES (default 10), with memory and connections at start and end
SUITE := $(DOTNET) test tests/MaternityCloud.Tests -c $(CONFIGURATION) --no-build --logger "console;verbosity=normal"
access: build
	@$(SUITE) --filter "FullyQualifiedName~AccessTests" | grep -a -E "\[access\]|Passed!|Failed!|Error Message" -A3

bad-input: build
	@$(SUITE) --filter "FullyQualifiedName~BadInputTests" | grep -a -E "\[bad-input\]|Passed!|Failed!"

attacks: build
	@$(SUITE) --filter "FullyQualifiedName~AdversarialHospitalTests" | grep -a -E "\[attacks\]|Passed!|Failed!"

faults: build
	@$(SUITE) --filter "FullyQualifiedName~FaultSuiteTests" | grep -a -E "\[faults\]|Passed!|Failed!|MISMATCH"

soak: build
	@MATERNITYCLOUD_FAULT_MINUTES=$(or $(MINUTES),10) $(SUITE) --filter "FullyQualifiedName~FaultSuiteTests" | grep -a -E "\[faults\]|Passed!|Failed!|MISMATCH"

# A platform credential from the development issuer key (.state/credentials/issuer.key), e.g.
#   make issue-credential WHO="institution H33030200001"   or   WHO="operator wang FundAuditor fund-centre"   or   WHO="department MZ330300 CivilAffairs 330300"
issue-credential:
	@$(DOTNET) build tools/Cli -c $(CONFIGURATION) -nologo -clp:NoSummary -v minimal >/dev/null
	@$(DOTNET) tools/Cli/bin/$(CONFIGURATION)/net10.0/maternitycloud.dll issue-credential $(WHO)

# 出生"一件事" end to end against the running platform (`make run` in another terminal): see README "One matter, end to end".
one-thing:
	@$(DOTNET) build tools/Cli -c $(CONFIGURATION) -nologo -clp:NoSummary -v minimal >/dev/null
	@CONFIGURATION=$(CONFIGURATION) ./scripts/birth-one-thing.sh

# Benchmarks (not tests): tables with same-run baselines, see docs/performance.md.
#   make bench (the whole performance table) | bench-eligibility | bench-settlement | bench-allowance | bench-notifications | bench-micro   [ARGS="--option value ..."]
BENCH := $(DOTNET) bench/MaternityCloud.Bench/bin/Release/net10.0/MaternityCloud.Bench.dll
bench-build: setup
	@$(DOTNET) build bench/MaternityCloud.Bench -c Release -nologo -clp:NoSummary -v minimal

bench: bench-build
	@$(BENCH) performance $(ARGS)

bench-eligibility: bench-build
	@$(BENCH) eligibility $(ARGS)

bench-settlement: bench-build
	@$(BENCH) settlement $(ARGS)

bench-allowance: bench-build
	@$(BENCH) allowance $(ARGS)

bench-notifications: bench-build
	@$(BENCH) notifications $(ARGS)

bench-micro: bench-build
	@$(BENCH) micro --filter '*' $(ARGS)

# Contribution records from a CSV file into the running platform (make run): FILE=path [ENROLLMENT=http://127.0.0.1:17101]
import-contributions:
	@$(DOTNET) build tools/Cli -c $(CONFIGURATION) -nologo -clp:NoSummary -v minimal
	@$(DOTNET) tools/Cli/bin/$(CONFIGURATION)/net10.0/maternitycloud.dll import-contributions "$(FILE)" $(if $(ENROLLMENT),--enrollment $(ENROLLMENT))

clean:
	@$(DOTNET) clean MaternityCloud.sln -nologo -v quiet
