# pg_chargeback: PGXS build. `make && make install`, then `make installcheck` runs the
# pg_regress files (sql/ + expected/), the isolation specs (test/isolation) and the TAP
# tests (test/t). scripts/test.sh runs everything, including the C++ unit tests and fuzzers
# (CMakeLists.txt), on a throwaway cluster.

EXTENSION = pg_chargeback
MODULE_big = pg_chargeback

CORE_SRCS = $(sort $(wildcard src/core/*.cpp src/core/parsers/*.cpp))
PG_SRCS = $(sort $(wildcard src/pg/*.cpp))
OBJS = $(CORE_SRCS:.cpp=.o) $(PG_SRCS:.cpp=.o)

# SQL: src/sql/<feature>.sql holds the current definition of every object, once, and is
# concatenated in the order below into the install script of the current version (as
# pgvector builds vector--X.sql from sql/vector.sql). Released scripts are kept verbatim in
# src/sql/released/ (checksums in src/sql/released.sha256, checked by scripts/test.sh);
# src/sql/upgrades/*.sql.in are the hand-written upgrades from each release to the next: they
# say what they add, replace, alter and drop, and name each new or replaced object with a line
# `#add chargeback.NAME` or `#replace chargeback.NAME` that scripts/sql_expand.pl fills in from
# the feature files (so no body is written twice, and an upgrade cannot drift from them).
# sql/oldextversions.sql proves that a fresh install and an upgrade from 0.1.0 are the same.
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(EXTENSION).control)
SQL_FEATURES = schema roles token_usage token_rates cost price fx import_prices attribution usage ingest \
               explain reprice forecast budget budget_spend allocate allocation rollup showback focus \
               reconcile anomaly statement jobs archive builtin_catalog guard security audit privileges
SQL_SOURCES = $(addprefix src/sql/,$(addsuffix .sql,$(SQL_FEATURES)))
UPGRADES = $(notdir $(patsubst %.sql.in,%.sql,$(wildcard src/sql/upgrades/*.sql.in)))
DATA = $(sort $(wildcard src/sql/released/*.sql))
DATA_built = $(EXTENSION)--$(EXTVERSION).sql $(UPGRADES)

REGRESS = guard token_usage token_rates cost builtin_catalog price_catalog model_resolution import_prices parallel_sum attribution ingest_formats ingest_bulk reprice billing_channels ingest_hostile budgets budget_spend allocate allocation fx jobs showback focus anomaly statement security security_temp_objects security_holds reconcile archive plpgsql_check oldextversions
REGRESS_OPTS = --load-extension=$(EXTENSION)
ISOLATION = price_cache set_price_race ingest_same_request budget_race budget_cache close_race reprice_close_race rollup_race budget_notify lock_stall anomaly_notify
ISOLATION_OPTS = --inputdir=test/isolation --outputdir=test/isolation/results --load-extension=$(EXTENSION)
TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl

PG_CONFIG ?= pg_config
PG_CPPFLAGS = -I$(srcdir)/src
PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Werror -Wno-register -Wno-missing-field-initializers -fno-omit-frame-pointer
# simdjson (libsimdjson-dev): the bulk ingest fast path (src/core/usage_fast.cpp).
SHLIB_LINK += -lsimdjson -lstdc++
EXTRA_CLEAN = $(OBJS:.o=.d) results regression.diffs regression.out test/isolation/output_iso test/isolation/results tmp_check build

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Header dependencies, which PGXS does not track (a changed header left objects built against
# the old one, and make does not rebuild a missing object of an up-to-date library): gcc writes
# a .d file beside each object, read back here.
override CXXFLAGS += -MMD -MP
-include $(OBJS:.o=.d)

# Clang's bitcode step ignores PG_CXXFLAGS.
override BITCODE_CXXFLAGS += -std=c++17 -Wno-register -I$(srcdir)/src

# The core must compile without PostgreSQL: the include guard in src/core/pure.hpp fails the
# build if any core file pulls in postgres.h (CMake builds it with no PostgreSQL path at all).
# SIMDJSON_THREADS_ENABLED as libsimdjson was built (its pkg-config and CMake files say so).
$(CORE_SRCS:.cpp=.o): override CPPFLAGS := -I$(srcdir)/src -DCB_CORE_BUILD -DSIMDJSON_THREADS_ENABLED=1

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_SOURCES)
	cat $^ > $@

$(UPGRADES): %.sql: src/sql/upgrades/%.sql.in $(SQL_SOURCES) scripts/sql_expand.pl
	perl scripts/sql_expand.pl $< $(SQL_SOURCES) > $@.tmp && mv $@.tmp $@
