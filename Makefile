# truce — the two commands a user needs (see README.md):
#   make run    install what is missing, build, load the demo scenario, serve on 127.0.0.1:8080
#   make test   install what is missing, build, run the whole suite (plain and ASan+UBSan;
#               the dashboard's browser test runs in the plain pass, screenshots in build/web-artifacts)
# Also: make (build build/truce and web/dist), make web, make bench [NAME=x], make clean.

JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
DB      ?= truce.db
LISTEN  ?= 127.0.0.1:8080
SCENARIO ?= scenarios/syria-2016-2017.json
REPORTS ?= scenarios/reports-2016.ndjson
REGIONS ?=

.PHONY: all build web run test test-plain test-asan bench fuzz deps clean

all: build

build:
	@scripts/deps.sh build
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build -j $(JOBS)

# The dashboard alone (npm ci + bundle into web/dist; `make build` does it too).
web:
	@scripts/deps.sh build
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build --target web

run: build
	@if [ ! -f "$(DB)" ]; then \
	  build/truce import scenario $(SCENARIO) --db $(DB) --tokens demo-tokens.tsv \
	    $(if $(REGIONS),--regions $(REGIONS) --make-valid,) || exit 1; \
	  chmod 600 demo-tokens.tsv; \
	  build/truce import reports $(REPORTS) --as JMC --db $(DB) || exit 1; \
	fi
	@echo "demo tokens (NAME ROLE TOKEN) are in demo-tokens.tsv; the admin token:"
	@awk -F'\t' '$$2=="admin"{print "  " $$3}' demo-tokens.tsv 2>/dev/null || true
	@echo "the dashboard: http://$(LISTEN)/ (sign in with a token from demo-tokens.tsv)"
	@echo "try: curl -H \"Authorization: Bearer <token>\" 'http://$(LISTEN)/v1/attribution?lon=37.16&lat=36.2&at=2016-10-01T00:00:00Z'"
	@echo "     curl -H \"Authorization: Bearer <token>\" 'http://$(LISTEN)/v1/bulletins/2016-09-19?format=md'"
	build/truce serve --db $(DB) --listen $(LISTEN)

test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory test-plain
	@$(MAKE) --no-print-directory test-asan

test-plain:
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build -j $(JOBS)
	@cd build && ctest --output-on-failure -j 2 --timeout 600

test-asan:
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTRUCE_SANITIZE=ON -DTRUCE_BENCH=OFF >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j 2 --timeout 900

# Runs each libFuzzer target for FUZZ_SECONDS (clang), growing fuzz/corpus/<target>/.
FUZZ_SECONDS ?= 60
fuzz:
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DTRUCE_FUZZ=ON -DTRUCE_SANITIZE=ON -DTRUCE_TESTS=OFF -DTRUCE_BENCH=OFF >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@for f in build-fuzz/fuzz_*; do n=$$(basename $$f); mkdir -p fuzz/corpus/$$n; \
	  echo "== $$n"; $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 fuzz/corpus/$$n || exit 1; done

bench:
	@bench/run.sh $(if $(NAME),$(NAME),all)

clean:
	rm -rf build build-asan build-bench build-fuzz
