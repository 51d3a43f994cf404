// A restore loads every table of the extension as it was dumped. pg_dump's rows are one
// consistent snapshot, but pg_restore loads them in whatever order it likes (-j loads tables
// in parallel, so a row may arrive before the row its foreign key points to) and the
// extension's triggers would log them again (audit), count them again (rollup, budget spend)
// or refuse them (hold limits, final runs). So each dumped table carries a pair of statement
// triggers (chargeback.restore_statement(), attached by chargeback.dump_config()): in a
// restoring session, the BEFORE trigger switches session_replication_role to replica for
// that statement, which skips foreign-key checks and every trigger not marked ENABLE ALWAYS,
// and the AFTER trigger (ALWAYS) switches it back. The few triggers a restore needs (the
// dumped catalog replacing the seeded one, budget_unit being rebuilt) are ENABLE ALWAYS.
//
// A restoring session is a superuser's that either sets chargeback.restoring = on, or runs
// the way every pg_dump script and pg_restore connection does: check_function_bodies and
// row_security turned off (pg_restore sets both on each connection, -j workers included;
// psql replaying a plain dump runs the same SET lines). Nothing else turns both off. (The
// application name is no sign: PGAPPNAME overrides pg_restore's.) Requiring a superuser keeps
// anyone else from passing for a restore; session_replication_role is a superuser setting,
// and a superuser can bypass these triggers anyway. pg_restore --enable-row-security needs
// chargeback.restoring = on.
#include "guard.hpp"
#include "restore.hpp"

extern "C" {
#include "commands/trigger.h"
#include "miscadmin.h"
#include "utils/guc.h"
}

#include <cstring>

namespace {

// Plain PostgreSQL calls only: no C++ object is alive here.
bool setting_is(const char* name, const char* value) {
    const char* v = GetConfigOption(name, true, false);
    return v != nullptr && std::strcmp(v, value) == 0;
}

void set_replication_role(const char* role) {
    (void)set_config_option("session_replication_role", role, PGC_SUSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0,
                            false);
}

}  // namespace

bool cb::pg::restoring() {
    if (!superuser_arg(GetSessionUserId())) return false;
    if (setting_is("chargeback.restoring", "on")) return true;
    return setting_is("check_function_bodies", "off") && setting_is("row_security", "off");
}

CB_FUNCTION(cb_restoring) {
    (void)fcinfo;
    PG_RETURN_BOOL(cb::pg::restoring());
}

CB_FUNCTION(cb_restore_statement) {
    if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_STATEMENT(reinterpret_cast<TriggerData*>(fcinfo->context)->tg_event))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("chargeback.restore_statement() must be called as a statement trigger")));
    // Whether this statement's BEFORE trigger switched to replica (a session already in
    // replica mode chose it itself, and keeps it). BEFORE always runs first, so the flag is
    // never stale when AFTER reads it.
    static bool switched = false;
    TriggerData* td = reinterpret_cast<TriggerData*>(fcinfo->context);
    if (TRIGGER_FIRED_BEFORE(td->tg_event)) {
        switched = SessionReplicationRole == SESSION_REPLICATION_ROLE_ORIGIN && cb::pg::restoring();
        if (switched) set_replication_role("replica");
    } else if (switched) {
        switched = false;
        set_replication_role("origin");
    }
    return PointerGetDatum(nullptr);
}
