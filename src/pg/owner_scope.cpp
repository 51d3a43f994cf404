#include "owner_scope.hpp"

extern "C" {
#include "utils/syscache.h"
#include "catalog/pg_namespace.h"
}

namespace cb::pg {

namespace {

// Plain PostgreSQL code: the owner of schema chargeback.
Oid extension_owner() {
    Oid nsp = get_namespace_oid("chargeback", false);
    HeapTuple t = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nsp));
    if (!HeapTupleIsValid(t)) elog(ERROR, "cache lookup failed for schema chargeback");
    Oid owner = reinterpret_cast<Form_pg_namespace>(GETSTRUCT(t))->nspowner;
    ReleaseSysCache(t);
    return owner;
}

}  // namespace

OwnerScope::OwnerScope() {
    pg_call([&] {
        Oid owner = extension_owner();
        GetUserIdAndSecContext(&saved_user_, &saved_context_);
        guc_level_ = NewGUCNestLevel();
        SetUserIdAndSecContext(owner, saved_context_ | SECURITY_LOCAL_USERID_CHANGE);
        (void)set_config_option("search_path", "pg_catalog, chargeback, pg_temp", PGC_USERSET, PGC_S_SESSION,
                                GUC_ACTION_SAVE, true, 0, false);
    });
}

// Pops the GUC level (and any a failed statement inside left behind) and gives the user
// back. Neither raises an error; after a PostgreSQL error the transaction aborts anyway and
// would restore both itself.
OwnerScope::~OwnerScope() {
    AtEOXact_GUC(true, guc_level_);
    SetUserIdAndSecContext(saved_user_, saved_context_);
}

}  // namespace cb::pg
