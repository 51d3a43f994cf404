// `chargeback prices diff FILE` and `chargeback prices import FILE`: keeping the catalog fresh
// from the command line. FILE is LiteLLM's model_prices_and_context_window.json, or a CSV price
// list (price_csv.hpp). Both print what the import does row by row (the server's plan,
// chargeback.price_import_plan, one home for the rule) and what the file has that is not
// imported (price_catalog_notes, with the reasons); diff writes nothing, import applies the
// plan with import_prices() in one transaction and prints the same counts.
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/price_csv.hpp"
#include "cli/table.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace cb::cli {

namespace {

std::string read_whole(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw CliError(Exit::input, "cannot read " + path + ": " + std::strerror(errno));
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

int run_prices(const Options& o) {
    const std::string& path = o.files.at(0);
    const bool csv = o.price_format == "csv" || (o.price_format.empty() && ends_with(path, ".csv"));
    const std::string catalog = csv ? price_csv_to_rows_json(read_whole(path)) : read_whole(path);
    const std::string format = csv ? "rows" : "litellm";
    const Param valid_from = o.valid_from.empty() ? Param() : Param(o.valid_from);

    Connection db(o.conninfo);
    db.require_extension();
    db.query("BEGIN");
    // What the import does, row by row: the plan once (it parses the catalog), read twice.
    db.query("CREATE TEMP TABLE cb_price_plan ON COMMIT DROP AS "
             "SELECT * FROM chargeback.price_import_plan($1::jsonb, $2, coalesce($3::timestamptz, now()))",
             {catalog, format, valid_from});
    Result counts = db.query("SELECT count(*) FILTER (WHERE action = 'open'), count(*) FILTER (WHERE action = 'change'), "
                             "count(*) FILTER (WHERE action = 'unchanged') FROM cb_price_plan");
    // Never more than 40 changes listed; the counts are all.
    Result changes = db.query("SELECT action, provider, model, service_tier AS tier, min_prompt_tokens AS threshold, "
                              "coalesce(current_rates::text, '') AS \"in force\", rates::text AS \"new\", "
                              "coalesce(kept, '') AS kept FROM cb_price_plan WHERE action <> 'unchanged' "
                              "ORDER BY provider, model, tier, threshold, valid_from LIMIT 40");
    Result notes = db.query(format == "litellm"
                                ? "SELECT CASE WHEN field IS NULL THEN 'entry' ELSE 'field' END AS what, "
                                  "split_part(reason, ':', 1) AS reason, count(*) AS count "
                                  "FROM chargeback.price_catalog_notes($1::jsonb) GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2"
                                : "SELECT NULL AS what, NULL AS reason, 0 AS count WHERE false",
                            format == "litellm" ? std::vector<Param>{catalog} : std::vector<Param>{});
    const std::string opened = counts.text(0, 0), changed = counts.text(0, 1), unchanged = counts.text(0, 2);
    if (changes.rows() > 0) std::printf("%s\n", result_table(changes).c_str());
    if (notes.rows() > 0) std::printf("not imported as it stands (chargeback.price_catalog_notes lists each):\n%s\n",
                                      result_table(notes).c_str());
    if (o.command == Command::prices_import) {
        Result done = db.query("SELECT chargeback.import_prices($1::jsonb, $2, coalesce($3::timestamptz, now()))",
                               {catalog, format, valid_from});
        db.query("COMMIT");
        std::printf("imported %s: %s rows opened (%s new, %s replacing a price, which was closed), %s unchanged\n",
                    path.c_str(), done.text(0, 0).c_str(), opened.c_str(), changed.c_str(), unchanged.c_str());
    } else {
        db.query("ROLLBACK");
        std::printf("diff %s (nothing written): %s rows would open, %s new and %s replacing a price in force, "
                    "%s unchanged\n",
                    path.c_str(), std::to_string(std::stoll(opened) + std::stoll(changed)).c_str(), opened.c_str(),
                    changed.c_str(), unchanged.c_str());
    }
    return 0;
}

}  // namespace cb::cli
