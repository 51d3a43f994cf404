// anthropic_messages on the fast path: see anthropic_messages_fast.hpp for the field map.
#include "anthropic_messages_fast.hpp"

#include "token_classes.hpp"

namespace cb::core::parsers {

namespace fj = fast_json;
using fj::Kind;
using fj::Scalar;

bool capture_anthropic_member(std::string_view key, fj::od::value& v, int open, const char* end,
                              AnthropicFields& f) {
    if (!fj::is(key, "type")) return false;
    fj::read_into(&f.type, v, open, end);
    return true;
}

void reset_anthropic_usage(AnthropicFields& f) {
    f.cache_creation = f.server_tool_use = Kind::absent;
    for (Scalar* s :
         {&f.service_tier, &f.input_tokens, &f.cache_read_input_tokens,
          &f.cache_creation_input_tokens, &f.output_tokens, &f.ephemeral_5m_input_tokens,
          &f.ephemeral_1h_input_tokens, &f.web_search_requests})
        s->reset();
}

bool anthropic_usage_member(std::string_view k, fj::od::value& v, int open, const char* end,
                            AnthropicFields& f) {
    Scalar* slot = fj::is(k, "service_tier")                  ? &f.service_tier
                   : fj::is(k, "input_tokens")                ? &f.input_tokens
                   : fj::is(k, "cache_read_input_tokens")     ? &f.cache_read_input_tokens
                   : fj::is(k, "cache_creation_input_tokens") ? &f.cache_creation_input_tokens
                   : fj::is(k, "output_tokens")               ? &f.output_tokens
                                                              : nullptr;
    if (slot) {
        fj::read_into(slot, v, open, end);
    } else if (fj::is(k, "cache_creation")) {
        f.ephemeral_5m_input_tokens.reset();
        f.ephemeral_1h_input_tokens.reset();
        f.cache_creation =
            fj::read_members(v, open, end, [&](std::string_view d, fj::od::value& dv) {
                Scalar* s = fj::is(d, "ephemeral_5m_input_tokens")   ? &f.ephemeral_5m_input_tokens
                            : fj::is(d, "ephemeral_1h_input_tokens") ? &f.ephemeral_1h_input_tokens
                                                                     : nullptr;
                if (s) fj::read_into(s, dv, open + 1, end);
                return s != nullptr;
            });
    } else if (fj::is(k, "server_tool_use")) {
        f.web_search_requests.reset();
        f.server_tool_use =
            fj::read_members(v, open, end, [&](std::string_view d, fj::od::value& dv) {
                if (!fj::is(d, "web_search_requests")) return false;
                fj::read_into(&f.web_search_requests, dv, open + 1, end);
                return true;
            });
    } else {
        return false;
    }
    return true;
}

UsageRecord anthropic_record(const AnthropicFields& f, const ChatFields& doc) {
    std::string_view type = fj::text(f.type);
    const bool delta = type == "message_delta";
    if (!type.empty() && type != "message" && !delta) fj::decline();
    if (type.empty() && doc.object.non_null()) fj::decline();
    if (doc.usage != Kind::object) fj::decline();
    if (!f.input_tokens.present() && !f.output_tokens.present()) fj::decline();

    UsageRecord r;
    r.provider = "anthropic";
    if (!delta) {
        r.request_id = std::string(fj::text(doc.id));
        r.model = std::string(fj::text(doc.model));
    }
    r.service_tier = std::string(fj::text(f.service_tier));

    const int64_t input = fj::count(f.input_tokens);
    const int64_t cache_read = fj::count(f.cache_read_input_tokens);
    const bool has_total = f.cache_creation_input_tokens.non_null();
    const int64_t total_write = fj::count(f.cache_creation_input_tokens);
    int64_t write_5m = total_write, write_1h = 0;
    fj::expect_object_or_null(f.cache_creation);
    if (f.cache_creation == Kind::object &&
        (f.ephemeral_5m_input_tokens.non_null() || f.ephemeral_1h_input_tokens.non_null())) {
        write_5m = fj::count(f.ephemeral_5m_input_tokens);
        write_1h = fj::count(f.ephemeral_1h_input_tokens);
        int64_t sum;
        if (__builtin_add_overflow(write_5m, write_1h, &sum)) fj::decline();
        if (has_total && sum != total_write) fj::decline();
    }
    const int64_t output = fj::count(f.output_tokens);
    fj::expect_object_or_null(f.server_tool_use);
    const int64_t web_searches =
        f.server_tool_use == Kind::object ? fj::count(f.web_search_requests) : 0;

    set_anthropic_classes(r.tokens, {input, cache_read, write_5m, write_1h, output, web_searches});
    return r;
}

}  // namespace cb::core::parsers
