// Running SQL as the extension's owner without SECURITY DEFINER on every call. The bulk
// path's row trigger (usage_inbox_insert) parses, prices and owns rows in C++, which needs no
// privilege; only its cache loads and batch writes run SQL. Making the trigger SECURITY
// DEFINER with a fixed search_path switched user and search_path for every row (about 4% of
// a bulk load); an OwnerScope does the same around just the SQL.
#pragma once
#include "guard.hpp"

namespace cb::pg {

// While alive: the current user is the owner of schema chargeback (the extension's owner)
// and search_path is "pg_catalog, chargeback, pg_temp", as for our SECURITY DEFINER
// functions, so no caller-made object can stand in for a name the SQL uses. Restores both
// when it ends, also when an exception unwinds through it. Create inside guarded().
class OwnerScope {
public:
    OwnerScope();
    ~OwnerScope();
    OwnerScope(const OwnerScope&) = delete;
    OwnerScope& operator=(const OwnerScope&) = delete;

private:
    Oid saved_user_ = InvalidOid;
    int saved_context_ = 0;
    int guc_level_ = 0;
};

}  // namespace cb::pg
