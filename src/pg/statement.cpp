// chargeback.render_statement(jsonb) -> text: the statement page from statement_data()'s
// document (src/sql/statement.sql). The argument is read on the PostgreSQL side;
// reading the JSON and rendering happen inside the guard.
#include "datum.hpp"

#include "core/json_reader.hpp"
#include "core/statement_html.hpp"

using namespace cb::pg;

CB_FUNCTION(cb_render_statement) {
    char* input = jsonb_cstring(PG_GETARG_JSONB_P(0));
    return guarded([&] {
        // The document is flat (depth 4); 8 is generous and still bounded.
        return text_datum(cb::core::statement_html(cb::core::read_json(input, 8)));
    });
}
