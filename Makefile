# The two commands a person needs: `make dev` and `make test`. Everything they need is installed from here.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .local/venv
TOOLS  := .local/tools
BENCH_VENV := .local/bench
BROWSER_VENV := .local/browser
CONTRACT_VENV := .local/contract
TARGET := $(or $(CARGO_TARGET_DIR),target)
# Dummy credentials and a region for the offline template checks; SAM telemetry off.
OFFLINE_AWS := AWS_DEFAULT_REGION=eu-north-1 AWS_REGION=eu-north-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test SAM_CLI_TELEMETRY=0
LAMBDAS := intake backoffice confirmation shipment relay archive invoicing billing reporting reports console portal feedback inbound webhooks webhook-endpoints
# The functions' instruction set (docs/decisions/0009): x86_64, what CI builds and measures, unless the make command
# line says ARCH=arm64 (needs the aarch64-unknown-linux-gnu Rust target). An ARCH in the environment is ignored, so a
# runner that exports one cannot switch CI to arm64.
ARCH := $(if $(filter command line,$(origin ARCH)),$(ARCH),x86_64)
$(if $(filter $(ARCH),x86_64 arm64),,$(error ARCH must be x86_64 or arm64, not '$(ARCH)'))
CARGO_LAMBDA_ARCH := $(if $(filter arm64,$(ARCH)),--arm64,--x86-64)
# Where `make package` lays out the functions and the layer for `sam deploy` (as `sam build` would).
SAM_BUILD := .aws-sam/build

.PHONY: help dev test emulator tools fonts pdf-previews fmt-check clippy tests browser-tests chromium contract-tests template-lint lambda-build sizes package deploy bench bench-load chaos bench-reports fmt clean
# The CJK font of invoice PDFs (Droid Sans Fallback, Apache 2.0), from Debian's fonts-droid-fallback: deployed as
# the PdfFontsLayer of infra/template.yaml (/opt/fonts), read from here locally. Optional: without it, CJK text
# in PDFs shows as boxes (and stays searchable); under CI=true its absence fails `make test`.
PDF_FONTS_LAYER := .local/pdf-fonts-layer
CJK_FONT := $(PDF_FONTS_LAYER)/fonts/DroidSansFallbackFull.ttf

help:
	@echo "make dev    start moto, provision from infra/template.yaml, seed demo data, serve http://127.0.0.1:3000"
	@echo "make test   rustfmt, clippy -D warnings, unit + end-to-end tests against moto, the console in headless Chromium,"
	@echo "            openapi.yaml against the local stack (schemathesis, each role's key), cfn-lint, sam validate --lint,"
	@echo "            cargo lambda build --release --x86-64, bootstrap sizes against budgets (make sizes), make package"
	@echo "make package  the built bootstraps + the fonts layer -> .aws-sam/build (ELF checked against ARCH, default x86_64),"
	@echo "              then cfn-lint and sam validate --lint on .aws-sam/build/template.yaml"
	@echo "make deploy [ARCH=arm64] [ALARM_EMAIL=...] [SENDER_EMAIL=...]  lambda-build + package + sam deploy (samconfig.toml)"
	@echo "make bench  bootstrap sizes, cold init against a hello-world, time to first response against a hello-world making"
	@echo "            one SDK call, AWS requests of an order's lifecycle -> bench/results/"
	@echo "make bench-load  N webshops posting orders to the local stack for a fixed time, beside the emulator's PutItem ceiling"
	@echo "make chaos  1,000 orders with faults injected on every kind of AWS call -> bench/results/chaos.json"
	@echo "make pdf-previews  sample invoice PDFs for a person to look at -> .local/pdf-previews"
	@echo "make bench-reports  the shipping reports core (orders_domain::reports::stream) on 100 k, 1 M and 10 M facts rows against pandas,"
	@echo "            polars and duckdb (all cores and 1 thread), outputs compared row by row -> bench/results/reports.json"

$(VENV)/.installed: requirements/emulator.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/emulator.txt
	touch $@

$(TOOLS)/.installed: requirements/tools.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check -r requirements/tools.txt
	touch $@

$(BROWSER_VENV)/.installed: requirements/browser.txt
	$(PYTHON) -m venv $(BROWSER_VENV)
	$(BROWSER_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/browser.txt
	touch $@

$(CONTRACT_VENV)/.installed: requirements/contract.txt
	$(PYTHON) -m venv $(CONTRACT_VENV)
	$(CONTRACT_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/contract.txt
	touch $@

$(BENCH_VENV)/.installed: requirements/bench.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/bench.txt
	touch $@

emulator: $(VENV)/.installed
tools: $(TOOLS)/.installed
fonts: $(CJK_FONT)

$(CJK_FONT):
	@mkdir -p $(PDF_FONTS_LAYER)/fonts .local/deb
	@(cd .local/deb && apt-get download fonts-droid-fallback >/dev/null 2>&1 && \
	  dpkg-deb -x fonts-droid-fallback_*.deb extracted && \
	  cp extracted/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ../../$@ && \
	  cp extracted/usr/share/doc/fonts-droid-fallback/copyright ../../$(PDF_FONTS_LAYER)/fonts/LICENSE-DroidSansFallback.txt) \
	  || { echo "fonts: Debian's fonts-droid-fallback is not available; CJK text in PDFs will show as boxes"; \
	       if [ "$$CI" = "true" ]; then echo "fonts: under CI=true the CJK font test cannot run, so this fails"; exit 1; fi; }

# Sample invoice PDFs (3 and 70 lines, a Chinese buyer) for a person to look at, in .local/pdf-previews.
pdf-previews: fonts
	mkdir -p .local/pdf-previews
	ORDERS_PDF_PREVIEW_DIR=$(CURDIR)/.local/pdf-previews cargo test -p orders-pdf --lib -- --ignored write_previews
	@echo "pdf-previews: $(CURDIR)/.local/pdf-previews"

dev: emulator fonts
	cargo build -p devstack
	$(TARGET)/debug/devstack up --port 3000

test: fmt-check clippy tests browser-tests contract-tests template-lint lambda-build sizes package

fmt-check:
	cargo fmt --all -- --check

clippy:
	cargo clippy --workspace --all-targets --locked -- -D warnings

tests: emulator fonts
	@if cargo nextest --version >/dev/null 2>&1; then \
	  scripts/with-emulator.sh cargo nextest run --workspace --locked --no-fail-fast --test-threads 4; \
	else \
	  scripts/with-emulator.sh cargo test --workspace --locked --no-fail-fast; \
	fi

# Debian's chromium and chromedriver (docs/browser-tests.md). CI (CI=true, root) installs them; elsewhere the browser
# tests run when they are there and are skipped with a note when not.
chromium:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  if [ "$${CI:-}" = "true" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else \
	    echo "chromium: /usr/bin/chromium or /usr/bin/chromedriver missing; the browser tests are skipped (apt-get install chromium chromium-driver)"; \
	  fi; \
	fi

browser-tests: emulator chromium $(BROWSER_VENV)/.installed
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then \
	  cargo build --locked -p devstack && DEVSTACK=$(TARGET)/debug/devstack scripts/browser-tests.sh; \
	elif [ "$${CI:-}" = "true" ]; then \
	  echo "browser-tests: Chromium is not installed, and under CI=true a check that cannot run fails" >&2; exit 1; \
	else \
	  echo "browser-tests: skipped, Chromium is not installed"; \
	fi

# The contract tests (docs/api-conventions.md "The contract"): schemathesis runs openapi.yaml against the local stack
# once per role's key, every check (tests/contract/schemathesis.toml); any failure fails. Reports in .local/contract.
contract-tests: emulator $(CONTRACT_VENV)/.installed
	cargo build --locked -p devstack
	DEVSTACK=$(TARGET)/debug/devstack scripts/contract-tests.sh

template-lint: tools
	$(OFFLINE_AWS) $(TOOLS)/bin/cfn-lint infra/template.yaml
	$(OFFLINE_AWS) $(TOOLS)/bin/sam validate --lint --template infra/template.yaml
	$(OFFLINE_AWS) $(TOOLS)/bin/python scripts/iam_check.py

lambda-build: tools
	PATH="$(CURDIR)/$(TOOLS)/bin:$$PATH" cargo lambda build --release $(CARGO_LAMBDA_ARCH) --locked $(addprefix -p ,$(LAMBDAS))
	@for f in $(LAMBDAS); do \
	  b="$(TARGET)/lambda/$$f/bootstrap"; \
	  z="$$(mktemp -d)/bootstrap.zip"; \
	  $(TOOLS)/bin/python -c "import sys, zipfile; zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED).write(sys.argv[1], 'bootstrap')" "$$b" "$$z"; \
	  echo "bootstrap $$f: $$(stat -c %s "$$b") bytes, zipped $$(stat -c %s "$$z") bytes"; \
	done

# The zipped bootstraps against their budgets (3 MiB; 6 MiB for the five that render PDFs or reports,
# docs/decisions/0010 and 0019): one over its budget fails `make test`.
sizes: tools lambda-build
	$(TOOLS)/bin/python scripts/bootstrap_sizes.py --check $(TARGET)/bootstrap-sizes.json $(foreach f,$(LAMBDAS),$(f)=$(TARGET)/lambda/$(f)/bootstrap)

# What `sam deploy` ships: exactly the bootstraps lambda-build built (their ELF machine checked against ARCH) and the
# fonts layer, laid out in .aws-sam/build as `sam build` would, then linted (docs/decisions/0009).
package: tools fonts lambda-build
	$(TOOLS)/bin/python scripts/package.py --architecture $(ARCH) --target-dir $(TARGET) --lambdas "$(LAMBDAS)" --template infra/template.yaml --build-dir $(SAM_BUILD)
	$(OFFLINE_AWS) $(TOOLS)/bin/cfn-lint $(SAM_BUILD)/template.yaml
	$(OFFLINE_AWS) $(TOOLS)/bin/sam validate --lint --template $(SAM_BUILD)/template.yaml

# sam deploy of .aws-sam/build/template.yaml (its default; samconfig.toml is read from here) with AWS credentials.
# The template has no domain parameter: DOMAIN=... is refused before anything is built; SENDER_EMAIL sets the sender.
$(if $(and $(filter deploy,$(MAKECMDGOALS)),$(filter command line,$(origin DOMAIN))),$(error deploy: the template has no domain parameter; pass SENDER_EMAIL=... (the SES sender) instead of DOMAIN))
deploy: package
	$(TOOLS)/bin/sam deploy --parameter-overrides 'Architecture=$(ARCH)' $(if $(ALARM_EMAIL),'AlarmEmail=$(ALARM_EMAIL)') $(if $(SENDER_EMAIL),'SenderEmail=$(SENDER_EMAIL)')

# Benchmarks (docs/benchmarks.md): figures go to bench/results/*.json, never into timed tests.
bench: lambda-build emulator
	PATH="$(CURDIR)/$(TOOLS)/bin:$$PATH" cargo lambda build --release --x86-64 --locked -p bench-hello
	cargo build --locked -p bench
	$(TOOLS)/bin/python scripts/bootstrap_sizes.py bench/results/sizes.json $(foreach f,$(LAMBDAS),$(f)=$(TARGET)/lambda/$(f)/bootstrap)
	$(TARGET)/debug/cold-init 30 bench/results/cold-init.json hello=$(TARGET)/lambda/bench-hello/bootstrap $(foreach f,$(LAMBDAS),$(f)=$(TARGET)/lambda/$(f)/bootstrap)
	scripts/with-emulator.sh $(TARGET)/debug/first-response 10 bench/results/first-response.json hello-sdk=$(TARGET)/lambda/hello-sdk/bootstrap $(foreach f,$(LAMBDAS),$(f)=$(TARGET)/lambda/$(f)/bootstrap)
	scripts/with-emulator.sh $(TARGET)/debug/lifecycle-requests bench/results/requests.json
	$(TOOLS)/bin/python scripts/cost_per_order.py bench/results/requests.json infra/template.yaml bench/results/cost.md

# The proof under faults: 1,000 orders (CHAOS_ORDERS=n for another count) with every kind of AWS call failing a
# few percent of the time -> bench/results/chaos.json; fails unless nothing is lost, duplicated or left behind.
chaos: emulator
	cargo build --locked -p bench --bin chaos
	scripts/with-emulator.sh $(TARGET)/debug/chaos bench/results/chaos.json

# N webshops posting orders to the local stack for a fixed time (BENCH_WEBSHOPS=8, BENCH_SECONDS=20), beside the
# emulator's PutItem ceiling -> bench/results/load.json; the functions' code built with the release profile.
bench-load: emulator
	cargo build --release --locked -p bench --bin load
	scripts/with-emulator.sh $(TARGET)/release/load bench/results/load.json $(or $(BENCH_WEBSHOPS),8) $(or $(BENCH_SECONDS),20)

# The reports core on 100 k, 1 M and 10 M generated facts rows against pandas, polars and duckdb, BENCH_REPS (3)
# interleaved repetitions, every report compared row by row (BENCH_LINES="100000" for fewer sizes).
bench-reports: $(BENCH_VENV)/.installed
	cargo build --profile bench-reports --locked -p bench-reports
	BENCH_REPS=$(or $(BENCH_REPS),3) $(TARGET)/bench-reports/reports-bench $(TARGET)/bench-reports-data bench/results/reports.json $(BENCH_VENV)/bin/python $(BENCH_LINES)

fmt:
	cargo fmt --all

clean:
	cargo clean
	rm -rf .local
