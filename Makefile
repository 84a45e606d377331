# Pregonero — see README.md.
GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
BIN       := bin/pregonero

.PHONY: run test bench lint build fuzz clean

## run: the service with the built-in sandbox networks, no credentials needed.
## The binary is built, then run in place of the recipe's shell: Ctrl-C
## reaches the server itself, which stops cleanly and exits 0 (`go run`
## would exit 1 on the interrupt and make report "Error 1").
run: build
	exec $(BIN) serve -config config.yaml

## test: every test, with the race detector, the crash test included
test:
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 15m ./...

## bench: the performance figures (see README "Performance")
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 1 -timeout 30m ./store/ ./posting/ ./web/ ./adapters/x/xtext/ ./rrule/
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x -count 1 -timeout 30m ./scheduler/

## lint: vet, gofmt and staticcheck
lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@test -x "$$($(GO) env GOPATH)/bin/staticcheck" || $(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2
	"$$($(GO) env GOPATH)/bin/staticcheck" ./...

## build: one static binary in bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/pregonero

## fuzz: a short run of every fuzz target
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 30s ./adapters/x/xtext/
	$(GO) test -run '^$$' -fuzz FuzzDecodePost -fuzztime 30s ./web/

clean:
	rm -rf bin
