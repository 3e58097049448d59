# poslink — the two commands first: `make run` and `make test`.
SHELL := /bin/bash
GO    ?= go
BIN   := bin/poslink
PKGS  := ./...

.PHONY: run test build generate check-generate lint deps bench clean help

## run: start the demo (private PostgreSQL under ./var, demo tenant) on http://127.0.0.1:8080
run: build
	./$(BIN) demo

## test: every test against real PostgreSQL and headless Chromium, plus gofmt/vet/templ checks
test: deps check-generate lint
	@echo "browser screenshots: $(CURDIR)/var/screenshots"
	POSLINK_SCREENSHOT_DIR=$(CURDIR)/var/screenshots $(GO) test -count=1 -timeout 15m $(PKGS)

## build: compile the single binary into bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) ./cmd/poslink

## generate: regenerate templ code after editing web/views/*.templ
generate:
	$(GO) tool templ generate -path web

## check-generate: fail when the committed templ output is stale
check-generate:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && cp -r web "$$tmp/web" && \
	$(GO) tool templ generate -path "$$tmp/web" >/dev/null 2>&1 && \
	if ! diff -r -q web "$$tmp/web" >/dev/null; then \
		diff -r web "$$tmp/web" | head -20; \
		echo "templ output is stale: run 'make generate' and commit"; exit 1; \
	fi

## lint: gofmt, go vet and golangci-lint (pinned in go.mod; settings in .ci/golangci.yml)
lint:
	@out=$$(gofmt -l cmd internal web migrations); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool golangci-lint run --config .ci/golangci.yml $(PKGS)

## deps: install PostgreSQL and Chromium when missing (as root, with apt-get)
deps:
	@bash .ci/install-deps

## bench: Go benchmarks with their figures (the poller's load run and the viewer API list's take about 25 minutes; docs/benchmarks.md)
bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m $(PKGS)

## clean: remove the binary (keeps ./var, the demo's data)
clean:
	rm -rf bin

help:
	@grep -E '^## ' Makefile | sed 's/^## /  /'
