#include "cli/serve_input.hpp"

#include "core/error.hpp"
#include "core/usage_record.hpp"

#include <cctype>

namespace cb::cli {

namespace {

using json = nlohmann::json;

constexpr size_t kMaxResourceAttrs = 32;     // attrs taken from one resource
constexpr size_t kMaxResourceValue = 256;    // bytes of one such value

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// A span's gen_ai.usage.* attribute (every count key of the otlp parser has this prefix).
bool has_usage(const json& span) {
    auto it = span.find("attributes");
    if (it == span.end() || !it->is_array()) return false;
    for (const json& kv : *it) {
        if (!kv.is_object()) continue;
        auto k = kv.find("key");
        if (k != kv.end() && k->is_string() && starts_with(k->get_ref<const std::string&>(), "gen_ai.usage.")) return true;
    }
    return false;
}

// The scalar value of an AnyValue as text (stringValue, intValue); empty otherwise.
std::string scalar_text(const json& value) {
    if (!value.is_object()) return {};
    auto s = value.find("stringValue");
    if (s != value.end() && s->is_string()) return s->get<std::string>();
    auto i = value.find("intValue");
    if (i != value.end()) {
        if (i->is_string()) return i->get<std::string>();
        if (i->is_number_integer()) return i->dump();
    }
    return {};
}

// Resource attributes that attribution can match on (see the header).
json resource_attrs(const json& rs) {
    json out = json::object();
    auto res = rs.find("resource");
    if (res == rs.end() || !res->is_object()) return out;
    auto list = res->find("attributes");
    if (list == res->end() || !list->is_array()) return out;
    for (const json& kv : *list) {
        if (out.size() >= kMaxResourceAttrs) break;
        if (!kv.is_object()) continue;
        auto k = kv.find("key");
        auto v = kv.find("value");
        if (k == kv.end() || !k->is_string() || v == kv.end()) continue;
        const std::string& key = k->get_ref<const std::string&>();
        std::string name;
        if (starts_with(key, "chargeback.") && key.size() > 11) name = key.substr(11);
        else if (starts_with(key, "deployment.") || key == "service.namespace") name = key;
        else continue;
        std::string value = scalar_text(*v);
        if (value.empty() || value.size() > kMaxResourceValue || out.contains(name)) continue;
        out[name] = std::move(value);
    }
    return out;
}

// A span without usage, reduced to what links spans to one another.
json span_ids(const json& span) {
    json out = json::object();
    for (const char* k : {"traceId", "spanId", "parentSpanId"}) {
        auto it = span.find(k);
        if (it != span.end() && it->is_string()) out[k] = *it;
    }
    return out;
}

}  // namespace

bool json_too_deep(std::string_view text, int max_depth) {
    int depth = 0;
    bool in_string = false, escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        else if (c == '[' || c == '{') {
            if (++depth > max_depth) return true;
        } else if (c == ']' || c == '}') {
            if (depth > 0) --depth;
        }
    }
    return false;
}

nlohmann::json parse_json_body(std::string_view body, const InputLimits& limits, const char* what) {
    if (json_too_deep(body, limits.max_json_depth))
        throw InputError(400, std::string(what) + " nests arrays and objects deeper than " +
                                  std::to_string(limits.max_json_depth) + " levels");
    json doc = json::parse(body.begin(), body.end(), nullptr, false);
    if (doc.is_discarded()) throw InputError(400, std::string(what) + " is not valid JSON (UTF-8)");
    return doc;
}

void append_inbox_row(std::string& copy, std::string_view payload, std::string_view attrs, std::string_view format) {
    append_copy_escaped(copy, payload.data(), payload.size());
    copy += '\t';
    if (attrs.empty()) copy += "\\N";
    else append_copy_escaped(copy, attrs.data(), attrs.size());
    copy += '\t';
    append_copy_escaped(copy, format.data(), format.size());
    copy += '\n';
}

void otlp_rows(const json& doc, InboxRows& out) {
    const json* list = nullptr;
    if (doc.is_object()) {
        auto it = doc.find("resourceSpans");
        if (it != doc.end() && it->is_array()) list = &*it;
        else if (it == doc.end() && doc.size() == 0) return;  // {}: an empty export
    }
    if (!list) throw InputError(400, "not an OTLP ExportTraceServiceRequest: expected an object with a resourceSpans array");
    for (const json& rs : *list) {
        // A shape the server does not expect goes to the database unchanged: the otlp parser
        // names the problem and the row lands in usage_rejected.
        bool odd = !rs.is_object();
        bool usage = false;
        json filtered = odd ? json() : json::object();
        if (!odd) {
            for (auto it = rs.begin(); it != rs.end(); ++it)
                if (it.key() != "scopeSpans") filtered[it.key()] = it.value();
            auto scopes = rs.find("scopeSpans");
            if (scopes != rs.end()) {
                if (!scopes->is_array()) odd = true;
                else {
                    json fs = json::array();
                    for (const json& ss : *scopes) {
                        auto spans = ss.is_object() ? ss.find("spans") : ss.end();
                        if (!ss.is_object() || (spans != ss.end() && !spans->is_array())) {
                            odd = true;
                            break;
                        }
                        json fss = json::object();
                        for (auto it = ss.begin(); it != ss.end(); ++it)
                            if (it.key() != "spans") fss[it.key()] = it.value();
                        json fspans = json::array();
                        if (spans != ss.end())
                            for (const json& span : *spans) {
                                ++out.spans;
                                if (!span.is_object()) {
                                    odd = true;
                                    fspans.push_back(span);
                                } else if (has_usage(span)) {
                                    ++out.usage_spans;
                                    usage = true;
                                    fspans.push_back(span);
                                } else {
                                    fspans.push_back(span_ids(span));
                                }
                            }
                        fss["spans"] = std::move(fspans);
                        fs.push_back(std::move(fss));
                    }
                    filtered["scopeSpans"] = std::move(fs);
                }
            }
        }
        if (!usage && !odd) continue;
        const json& send = odd ? rs : filtered;
        const std::string payload = json{{"resourceSpans", json::array({send})}}.dump();
        const json attrs = odd ? json::object() : resource_attrs(rs);
        append_inbox_row(out.copy, payload, attrs.empty() ? std::string() : attrs.dump(), "otlp");
        ++out.rows;
    }
}

void webhook_rows(std::string_view body, const std::string& format, const InputLimits& limits, InboxRows& out) {
    try {
        cb::core::usage_format_from_name(format);
    } catch (const cb::core::Error& e) {
        throw InputError(400, e.what());
    }
    if (!sendable_text(std::string(body))) throw InputError(400, "the body is not UTF-8 text (or holds a NUL byte)");
    if (json_too_deep(body, limits.max_json_depth))
        throw InputError(400, "the body nests arrays and objects deeper than " + std::to_string(limits.max_json_depth) +
                                  " levels");
    auto add = [&](std::string_view payload) {
        if (++out.rows > limits.max_rows)
            throw InputError(413, "more than " + std::to_string(limits.max_rows) + " payloads in one request");
        append_inbox_row(out.copy, payload, {}, format);
    };
    json doc = json::parse(body.begin(), body.end(), nullptr, false);
    if (!doc.is_discarded()) {
        if (doc.is_array()) {
            for (const json& e : doc) add(e.dump());
        } else {
            add(body);
        }
        return;
    }
    // JSON lines; a line that is not JSON is sent as it is and rejected by the database
    // (usage_inbox_text records it in usage_rejected with its reason).
    size_t pos = 0;
    while (pos <= body.size()) {
        size_t nl = body.find('\n', pos);
        if (nl == std::string_view::npos) nl = body.size();
        std::string_view line = body.substr(pos, nl - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        bool blank = true;
        for (char c : line)
            if (c != ' ' && c != '\t') blank = false;
        if (!blank) add(line);
        pos = nl + 1;
    }
    if (out.rows == 0) throw InputError(400, "the body holds no usage payload");
}

TokenTable TokenTable::parse(std::string_view text) {
    TokenTable t;
    size_t pos = 0;
    int line_no = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        std::string line(text.substr(pos, nl - pos));
        pos = nl + 1;
        ++line_no;
        const std::string where = "line " + std::to_string(line_no);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::vector<std::string> words;
        size_t i = 0;
        while (i < line.size()) {
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
            if (i >= line.size() || line[i] == '#') break;
            size_t j = i;
            while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
            words.push_back(line.substr(i, j - i));
            i = j;
        }
        if (words.empty()) continue;
        if (words.size() != 2)
            throw std::invalid_argument(where + ": expected \"TOKEN ROLE\", found " + std::to_string(words.size()) + " word(s)");
        const std::string& token = words[0];
        if (token.size() < 16) throw std::invalid_argument(where + ": a token needs at least 16 characters");
        for (unsigned char c : token)
            if (c < 0x21 || c > 0x7E) throw std::invalid_argument(where + ": a token is printable ASCII without spaces");
        for (const auto& e : t.entries_)
            if (e.first == token) throw std::invalid_argument(where + ": this token is already listed");
        t.entries_.emplace_back(token, words[1]);
    }
    if (t.entries_.empty()) throw std::invalid_argument("no tokens in the file (lines are \"TOKEN ROLE\")");
    return t;
}

std::optional<std::string> TokenTable::role_for(std::string_view token) const {
    std::optional<std::string> found;
    for (const auto& e : entries_) {
        // Constant time in the token's bytes: no early exit on the first difference.
        unsigned char diff = e.first.size() == token.size() ? 0 : 1;
        const size_t n = e.first.size();
        for (size_t i = 0; i < n; ++i) diff |= static_cast<unsigned char>(e.first[i] ^ (i < token.size() ? token[i] : 0));
        if (diff == 0 && !found) found = e.second;
    }
    return found;
}

std::vector<std::string> TokenTable::roles() const {
    std::vector<std::string> r;
    for (const auto& e : entries_) {
        bool seen = false;
        for (const auto& x : r) seen = seen || x == e.second;
        if (!seen) r.push_back(e.second);
    }
    return r;
}

std::optional<std::string> bearer_token(std::string_view h) {
    while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
    if (h.size() < 7) return std::nullopt;
    std::string scheme(h.substr(0, 7));
    for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme != "bearer ") return std::nullopt;
    h.remove_prefix(7);
    while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
    while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
    if (h.empty()) return std::nullopt;
    return std::string(h);
}

bool is_loopback(std::string_view a) {
    if (starts_with(a, "::ffff:")) a.remove_prefix(7);
    return a == "::1" || starts_with(a, "127.");
}

int http_status_for_sqlstate(std::string_view s) {
    if (s.size() != 5) return 500;
    if (s == "42501") return 403;
    const std::string_view cls = s.substr(0, 2);
    if (cls == "22" || cls == "23" || cls == "42" || cls == "P0") return 400;
    if (cls == "08" || cls == "40" || cls == "53" || cls == "57") return 503;
    return 500;
}

std::string error_json(const std::string& message, const std::string& sqlstate) {
    json e = {{"error", message}};
    if (!sqlstate.empty()) e["sqlstate"] = sqlstate;
    return e.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {
std::string required_text(const json& o, const char* key) {
    auto it = o.find(key);
    if (it == o.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
        throw InputError(400, std::string("\"") + key + "\" must be a non-empty string");
    return it->get<std::string>();
}
}  // namespace

AuthorizeRequest parse_authorize(std::string_view body, const InputLimits& limits) {
    json doc = parse_json_body(body, limits, "the authorize request");
    if (!doc.is_object()) throw InputError(400, "the authorize request must be a JSON object");
    AuthorizeRequest r;
    r.provider = required_text(doc, "provider");
    r.model = required_text(doc, "model");
    auto attrs = doc.find("attrs");
    if (attrs != doc.end() && !attrs->is_null()) {
        if (!attrs->is_object()) throw InputError(400, "\"attrs\" must be a JSON object");
        r.attrs = attrs->dump();
    }
    auto est = doc.find("estimate");
    if (est == doc.end() || !est->is_object())
        throw InputError(400, "\"estimate\" must be an object of token counts, e.g. {\"input\": 1200, \"output\": 400}");
    r.estimate = est->dump();
    auto tier = doc.find("service_tier");
    if (tier != doc.end() && !tier->is_null()) r.service_tier = required_text(doc, "service_tier");
    auto ttl = doc.find("ttl_seconds");
    if (ttl != doc.end() && !ttl->is_null()) {
        if (!ttl->is_number_integer() || ttl->get<int64_t>() <= 0 || ttl->get<int64_t>() > 86400)
            throw InputError(400, "\"ttl_seconds\" must be a whole number of seconds from 1 to 86400");
        r.ttl_seconds = std::to_string(ttl->get<int64_t>());
    }
    return r;
}

std::optional<PortkeyEvent> parse_portkey_event(std::string_view body, const InputLimits& limits) {
    // A cheap test first: /v1/authorize's own requests never carry eventType.
    if (body.find("\"eventType\"") == std::string_view::npos) return std::nullopt;
    json doc = parse_json_body(body, limits, "the hook event");
    if (!doc.is_object() || !doc.contains("eventType") || !doc["eventType"].is_string()) return std::nullopt;
    const std::string event = doc["eventType"].get<std::string>();
    PortkeyEvent e;
    json attrs = json::object();
    auto meta = doc.find("metadata");
    if (meta != doc.end() && meta->is_object())
        for (auto it = meta->begin(); it != meta->end(); ++it) {
            if (!it->is_string() && !it->is_number()) continue;
            attrs[it.key() == "_user" ? std::string("user") : it.key()] = it->is_string() ? it->get<std::string>() : it->dump();
        }
    const std::string provider = required_text(doc, "provider");
    const json* request = nullptr;
    auto rq = doc.find("request");
    if (rq != doc.end() && rq->is_object()) {
        auto j = rq->find("json");
        if (j != rq->end() && j->is_object()) request = &*j;
    }
    if (event == "beforeRequestHook") {
        if (!request) throw InputError(400, "the hook event has no request.json");
        e.authorize.provider = provider;
        e.authorize.model = required_text(*request, "model");
        e.authorize.attrs = attrs.dump();
        uint64_t prompt_bytes = 0;
        for (const char* k : {"messages", "input", "prompt", "contents"}) {
            auto m = request->find(k);
            if (m != request->end()) prompt_bytes += m->dump().size();
        }
        int64_t output = 0;
        for (const char* k : {"max_tokens", "max_completion_tokens", "max_output_tokens"}) {
            auto m = request->find(k);
            if (m != request->end() && m->is_number_integer() && m->get<int64_t>() > 0) {
                output = m->get<int64_t>();
                break;
            }
        }
        json estimate = {{"input", (prompt_bytes + 3) / 4}};
        if (output > 0) estimate["output"] = output;
        e.authorize.estimate = estimate.dump();
        auto tier = request->find("service_tier");
        if (tier != request->end() && tier->is_string() &&
            (*tier == "flex" || *tier == "priority" || *tier == "batch"))
            e.authorize.service_tier = tier->get<std::string>();
        return e;
    }
    if (event == "afterRequestHook") {
        e.before = false;
        auto rs = doc.find("response");
        const json* response = nullptr;
        if (rs != doc.end() && rs->is_object()) {
            auto j = rs->find("json");
            if (j != rs->end() && j->is_object()) response = &*j;
        }
        if (!response) throw InputError(400, "the hook event has no response.json");
        e.envelope = json{{"provider", provider}, {"attrs", attrs}, {"response", *response}}.dump();
        return e;
    }
    throw InputError(400, "unknown hook eventType \"" + event.substr(0, 64) + "\"");
}

SettleRequest parse_settle(std::string_view body, const InputLimits& limits) {
    json doc = parse_json_body(body, limits, "the settle request");
    if (!doc.is_object()) throw InputError(400, "the settle request must be a JSON object");
    SettleRequest r;
    auto id = doc.find("reservation_id");
    if (id != doc.end() && id->is_number_integer() && id->get<int64_t>() > 0) r.reservation_id = id->dump();
    else if (id != doc.end() && id->is_string() && !id->get_ref<const std::string&>().empty() &&
             id->get_ref<const std::string&>().size() <= 19 &&
             id->get_ref<const std::string&>().find_first_not_of("0123456789") == std::string::npos)
        r.reservation_id = id->get<std::string>();
    else
        throw InputError(400, "\"reservation_id\" must be the id /v1/authorize returned");
    auto usage = doc.find("usage");
    if (usage == doc.end() || !usage->is_object())
        throw InputError(400, "\"usage\" must be the request's usage payload (a JSON object in any supported format)");
    r.payload = usage->dump();
    auto format = doc.find("format");
    if (format != doc.end() && !format->is_null()) r.format = required_text(doc, "format");
    try {
        cb::core::usage_format_from_name(r.format);
    } catch (const cb::core::Error& e) {
        throw InputError(400, e.what());
    }
    json attrs = json::object();
    auto a = doc.find("attrs");
    if (a != doc.end() && !a->is_null()) {
        if (!a->is_object()) throw InputError(400, "\"attrs\" must be a JSON object");
        attrs = *a;
    }
    attrs["reservation_id"] = r.reservation_id;
    r.attrs = attrs.dump();
    return r;
}

}  // namespace cb::cli
