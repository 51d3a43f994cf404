# pg_chargeback: PGXS build. `make && make install`, then `make installcheck` runs the
# pg_regress files (sql/ + expected/), the isolation specs (test/isolation) and the TAP
# tests (test/t). scripts/test.sh runs everything, including the C++ unit tests and fuzzers
# (CMakeLists.txt), on a throwaway cluster.

EXTENSION = pg_chargeback
MODULE_big = pg_chargeback

CORE_SRCS = $(sort $(wildcard src/core/*.cpp src/core/parsers/*.cpp))
PG_SRCS = $(sort $(wildcard src/pg/*.cpp))
OBJS = $(CORE_SRCS:.cpp=.o) $(PG_SRCS:.cpp=.o)

# Versions are layers: src/sql/0.1.0/*.sql is the first release's install script and
# src/sql/<B>/*.sql the upgrade from the release before B, each one file per concern in
# file-name order. Only the first release has an install script; CREATE EXTENSION runs it
# and then every upgrade, so a fresh install and an upgraded one are the same objects.
# Released layers are frozen: src/sql/released.sha256 (checked by scripts/test.sh).
BASE_VERSION = 0.1.0
UPGRADES = 0.1.0--0.2.0
DATA_built = $(EXTENSION)--$(BASE_VERSION).sql $(foreach u,$(UPGRADES),$(EXTENSION)--$(u).sql)

REGRESS = guard token_usage token_rates cost builtin_catalog price_catalog model_resolution import_prices parallel_sum attribution ingest_formats ingest_bulk reprice ingest_hostile budgets budget_spend allocate allocation jobs showback statement security oldextversions
REGRESS_OPTS = --load-extension=$(EXTENSION)
ISOLATION = price_cache set_price_race ingest_same_request budget_race budget_cache close_race reprice_close_race rollup_race
ISOLATION_OPTS = --inputdir=test/isolation --outputdir=test/isolation/results --load-extension=$(EXTENSION)
TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl

PG_CONFIG ?= pg_config
PG_CPPFLAGS = -I$(srcdir)/src
PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Werror -Wno-register -Wno-missing-field-initializers -fno-omit-frame-pointer
SHLIB_LINK += -lstdc++
EXTRA_CLEAN = results regression.diffs regression.out test/isolation/output_iso test/isolation/results tmp_check build

.SECONDEXPANSION:
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Clang's bitcode step ignores PG_CXXFLAGS.
override BITCODE_CXXFLAGS += -std=c++17 -Wno-register -I$(srcdir)/src

# The core must compile without PostgreSQL: the include guard in src/core/pure.hpp fails the
# build if any core file pulls in postgres.h (CMake builds it with no PostgreSQL path at all).
$(CORE_SRCS:.cpp=.o): override CPPFLAGS := -I$(srcdir)/src -DCB_CORE_BUILD

$(EXTENSION)--$(BASE_VERSION).sql: $(sort $(wildcard src/sql/$(BASE_VERSION)/*.sql))
	cat $^ > $@

# pg_chargeback--A--B.sql is the layer src/sql/B/.
$(EXTENSION)--%.sql: $$(sort $$(wildcard src/sql/$$(lastword $$(subst --, ,$$*))/*.sql))
	cat $^ > $@
