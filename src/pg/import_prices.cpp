// chargeback.parse_price_catalog(catalog jsonb, format text): the rows a published price
// catalog yields, for import_prices() to apply. Entries that make no sense are skipped
// whole and reported as WARNINGs after the C++ work is done.
// chargeback.price_catalog_notes(catalog jsonb, format text): what of it is not imported as
// it stands (entries, fields, rounded rates), with the reason.
#include "datum.hpp"

#include "core/litellm_catalog.hpp"


using namespace cb::pg;

namespace {

void check_format(std::string_view format) {
    if (format != "litellm")
        throw cb::core::Error(cb::core::sqlstate::invalid_parameter_value,
                              "unknown price catalog format \"" + std::string(format) + "\"", {},
                              "supported formats: litellm (model_prices_and_context_window.json)");
}

}  // namespace

CB_FUNCTION(cb_price_catalog_notes) {
    char* json = jsonb_cstring(PG_GETARG_JSONB_P(0));
    std::string_view format = text_view(PG_GETARG_TEXT_PP(1));
    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    return guarded([&] {
        check_format(format);
        cb::core::CatalogImport imp = cb::core::parse_litellm_catalog(json);
        auto put = [&](const std::string& entry, const std::string& field, const std::string& reason) {
            Datum values[3] = {text_datum(entry), field.empty() ? Datum(0) : text_datum(field), text_datum(reason)};
            bool nulls[3] = {false, field.empty(), false};
            pg_call([&] { tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls); });
        };
        for (const cb::core::ImportProblem& p : imp.skipped) put(p.entry, "", "skipped: " + p.reason);
        for (const cb::core::ImportNote& n : imp.notes) put(n.entry, n.field, n.reason);
        return Datum(0);
    });
}

CB_FUNCTION(cb_parse_price_catalog) {
    char* json = jsonb_cstring(PG_GETARG_JSONB_P(0));
    std::string_view format = text_view(PG_GETARG_TEXT_PP(1));
    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    char** problems = nullptr;
    int nproblems = 0;
    guarded([&] {
        check_format(format);
        cb::core::CatalogImport imp = cb::core::parse_litellm_catalog(json);
        for (const cb::core::ImportedPrice& p : imp.prices) {
            Datum values[6] = {text_datum(p.provider), text_datum(p.model), text_datum(p.service_tier),
                               Int64GetDatum(p.min_prompt_tokens), rates_datum(p.rates),
                               text_datum(p.entry)};
            bool nulls[6] = {false, false, false, false, false, false};
            pg_call([&] { tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls); });
        }
        if (!imp.skipped.empty()) {
            problems = static_cast<char**>(palloc_or_throw(sizeof(char*) * imp.skipped.size()));
            for (const cb::core::ImportProblem& pr : imp.skipped)
                problems[nproblems++] = pstrdup_or_throw(pr.entry + ": " + pr.reason);
        }
        return Datum(0);
    });
    for (int i = 0; i < nproblems; ++i)
        ereport(WARNING, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                          errmsg("price catalog entry skipped: %s", problems[i]),
                          errhint("nothing of this entry was imported; fix it and import again")));
    return Datum(0);
}
