// src/core is pure C++17: it must never see a PostgreSQL header, so that it can be
// unit-tested and fuzzed without a server and so that no ereport() longjmp can ever
// run through its frames. Both builds compile the core with CB_CORE_BUILD and without any
// PostgreSQL include path, so `#include "postgres.h"` in a core file fails to compile; every
// core header includes this file as a second line of defence.
#pragma once
#if defined(CB_CORE_BUILD) && (defined(POSTGRES_H) || defined(PG_VERSION_NUM) || defined(FMGR_H))
#error "src/core must not include PostgreSQL headers (postgres.h, fmgr.h, ...)"
#endif
