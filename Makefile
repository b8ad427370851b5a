# The Makefile only wraps CMake and the RTL scripts; CMake does the build.
#   make run    the newest demo: one CM384 node (8 NPUs, 16 dies) runs a GEMM on every die, then a
#               ring all-reduce over its 16 dies (installs dependencies and builds first)
#   make test   everything CI checks: lint, synthesis budgets, every unit and system test
BUILD     ?= build
JOBS      ?= 2
BUILD_TYPE ?= Release
SNSIM_WERROR ?= OFF
SANITIZE  ?= OFF
JEMALLOC  ?= ON
# SNSIM_WERROR, SANITIZE and JEMALLOC reach CMake only when set on the command line or in the environment;
# otherwise the build tree keeps what it was configured with (in a new one the CMake options'
# defaults: OFF, ON for JEMALLOC), so `make run` after CI's `SNSIM_WERROR=ON make test` reuses
# the build instead of recompiling everything.
set_by_user = $(filter-out default file,$(origin $(1)))
CMAKE_FLAGS = $(if $(call set_by_user,SNSIM_WERROR),-DSNSIM_WERROR=$(SNSIM_WERROR)) \
              $(if $(call set_by_user,SANITIZE),-DSNSIM_SANITIZE=$(SANITIZE)) \
              $(if $(call set_by_user,JEMALLOC),-DSNSIM_JEMALLOC=$(JEMALLOC))
SNSIM     := $(BUILD)/sim/snsim
RESULTS   ?= results

.PHONY: all deps configure build run demo-machine demo-net demo-network demo-mem demo-gemm compare test check-large lint synth bench wave clean help

all: build

help:
	@sed -n '2,4p' Makefile
	@echo "  targets: deps configure build run demo-machine demo-net demo-network demo-mem demo-gemm compare test check-large lint synth bench wave clean"

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS) \
	    -DSNSIM_BENCH_ROUTERS=OFF > $(BUILD).configure.log 2>&1 \
	  || { cat $(BUILD).configure.log; exit 1; }

# Verilator's CMake integration re-verilates a changed RTL file at build time but compiles the
# file list of the previous verilation; when the list changed, that build fails and the next one
# (which reconfigures) succeeds. One retry covers it; a real error fails twice.
build: configure
	@cmake --build $(BUILD) -j $(JOBS) || { echo "build: retrying once after re-verilation" >&2; \
	  cmake --build $(BUILD) -j $(JOBS); }

run: demo-machine

# DECISIONS.md D22: `make run` is the newest demo; the earlier ones stay.
# Issue 6: one CloudMatrix384 node (8 NPUs, 16 dies on their UB network): a BF16 GEMM on every die's
# 24 AIC, then a ring all-reduce over the 16 dies, each checked against a host reference; the
# all-reduce's trace has the cores', network interfaces' and links' lanes (docs/machine.md "Outputs").
demo-machine: build
	@mkdir -p $(RESULTS)/node8-gemm $(RESULTS)/node8-allreduce
	$(SNSIM) run -c configs/node8.yaml -w workloads/gemm_bf16.yaml -o $(RESULTS)/node8-gemm
	$(SNSIM) run -c configs/node8.yaml -w workloads/allreduce_ring.yaml -o $(RESULTS)/node8-allreduce \
	    --trace $(RESULTS)/node8-allreduce/trace.json

demo-network: build
	@mkdir -p $(RESULTS)/node8 $(RESULTS)/cm384
	$(SNSIM) net -c configs/node8-net.yaml -o $(RESULTS)/node8 --plot
	$(SNSIM) net -c configs/cm384-short-net.yaml -o $(RESULTS)/cm384 --plot --threads 2

demo-net: build
	@mkdir -p $(RESULTS)
	$(SNSIM) net -c configs/switch8-net.yaml -o $(RESULTS)

# Issue 4: one HBM2E stack, streaming reads, every command checked.
demo-mem: build
	@mkdir -p $(RESULTS)
	$(SNSIM) mem -c configs/hbm2e.yaml --check -o $(RESULTS)/mem

# Issue 5: a BF16 GEMM on the 24 AIC of a die, checked against a host matmul, with a Perfetto trace.
demo-gemm: build
	@mkdir -p $(RESULTS)/gemm
	$(SNSIM) run -c configs/die.yaml -w workloads/gemm_bf16.yaml -o $(RESULTS)/gemm --trace $(RESULTS)/gemm/trace.json
	@echo "open $(RESULTS)/gemm/trace.json in https://ui.perfetto.dev or chrome://tracing"

# Issue 6 §4: CM384 against NVL72, aggregate figures and collective network times -> docs/comparison.md.
compare: build
	scripts/compare.py --snsim $(SNSIM) --out $(RESULTS)/compare

test: build
	@scripts/lint.sh
	@scripts/synth.sh
	@cd $(BUILD) && ctest -j $(JOBS) --output-on-failure

# The 72-port router (NVL72 radix) against the fast model, 200k cycles (DECISIONS.md D2, D6): its
# verilated model is too slow to build inside `make test`'s budget, so it has its own build tree.
check-large: deps
	@cmake -S . -B $(BUILD)-large -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS) \
	    -DSNSIM_LARGE_ROUTERS=ON > $(BUILD)-large.configure.log 2>&1 || { cat $(BUILD)-large.configure.log; exit 1; }
	@cmake --build $(BUILD)-large -j $(JOBS) --target test_fast_vs_rtl
	@cd $(BUILD)-large && ctest -R 'FastVsRtl.*p72' --output-on-failure

lint: deps
	@scripts/lint.sh

synth: deps
	@scripts/synth.sh

# The benchmarks also need the 8x8 mesh's own router (rtl/CMakeLists.txt, SNSIM_BENCH_ROUTERS), which
# `make test` does not build (D2): `configure` turns it off again, so `make test` after `make bench`
# builds and tests the five configurations of D6, not a sixth.
bench: build
	@cmake -S . -B $(BUILD) -DSNSIM_BENCH_ROUTERS=ON > $(BUILD).configure.log 2>&1 \
	  || { cat $(BUILD).configure.log; exit 1; }
	@cmake --build $(BUILD) -j $(JOBS)
	@scripts/bench.sh $(BUILD)

wave: build
	@mkdir -p $(RESULTS)
	$(SNSIM) net -c configs/switch8-net.yaml -o $(RESULTS) --wave $(RESULTS)/switch8.fst --wave-cycles 2000
	@echo "open with: gtkwave $(RESULTS)/switch8.fst rtl/router/sn_router.gtkw"

clean:
	rm -rf $(BUILD) $(BUILD).configure.log $(RESULTS) rtl/synth/out
