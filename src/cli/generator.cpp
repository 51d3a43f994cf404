#include "cli/generator.hpp"

#include <algorithm>
#include <cstdio>

namespace cb::cli {

namespace {

// Department workloads, by the top-level unit code of a member.
enum Dept { kSales, kMarketing, kEngineering, kCustomerSuccess, kFinance, kExecutives, kPlatform, kOther, kDepts };

Dept dept_of(const std::string& code) {
    if (code == "sales") return kSales;
    if (code == "marketing") return kMarketing;
    if (code == "engineering") return kEngineering;
    if (code == "customer-success") return kCustomerSuccess;
    if (code == "finance") return kFinance;
    if (code == "executives") return kExecutives;
    if (code == "platform") return kPlatform;
    return kOther;
}

uint64_t mix(uint64_t z) {  // splitmix64's finalizer
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void hex(std::string& out, uint64_t v, int digits) {
    static const char kHex[] = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; --i) out += kHex[(v >> (4 * i)) & 0xF];
}

void json_string(std::string& out, const std::string& s) {
    out += '"';
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    out += '"';
}

void num(std::string& out, const char* key, uint64_t v) {
    out += '"';
    out += key;
    out += "\":";
    out += std::to_string(v);
}

// Attributes a gateway adds to a request, as a JSON object body.
struct Attrs {
    std::string body;
    Attrs& add(const char* key, const std::string& value) {
        if (!body.empty()) body += ',';
        json_string(body, key);
        body += ':';
        json_string(body, value);
        return *this;
    }
};

// Sizes of a request's parts: a gentle skew to small requests with an occasional big one.
struct Dice {
    uint64_t& state;
    uint64_t raw() { return mix(state += 0x9E3779B97F4A7C15ULL); }
    uint64_t below(uint64_t n) { return n ? raw() % n : 0; }
    bool chance(uint64_t percent) { return below(100) < percent; }
    uint64_t size(uint64_t lo, uint64_t spread) {
        uint64_t v = lo + std::min(below(spread), below(spread));  // min of two: skewed low
        if (below(25) == 0) v *= 3;                                 // a long document now and then
        return v;
    }
};

const char* kReplies[] = {
    "Thanks for your patience. I have reset the sync token; your invoices should appear within the hour.",
    "Here is a summary of the three options with their trade-offs.",
    "The function now validates the input before opening the connection; tests added.",
    "Draft follow-up email for the renewal call, with the pricing table attached.",
    "The variance is explained by the late supplier credit booked on the 28th.",
};

}  // namespace

std::string iso_utc(int64_t t) {
    // Days to civil date (Howard Hinnant's algorithm), then the time of day.
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t secs = t - days * 86400;
    int64_t z = days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const int64_t m = mp < 10 ? mp + 3 : mp - 9;
    const int64_t y = yoe + era * 400 + (m <= 2);
    char buf[96];  // room for any int64 fields, which -Wformat-truncation checks
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", static_cast<long long>(y),
                  static_cast<long long>(m), static_cast<long long>(d), static_cast<long long>(secs / 3600),
                  static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
    return buf;
}

UsageGenerator::UsageGenerator(GeneratorConfig config) : config_(std::move(config)), rng_(mix(config_.seed + 1)) {
    for (size_t i = 0; i < config_.users.size(); ++i) by_department_[dept_of(config_.users[i].department)].push_back(i);
    if (config_.end <= config_.start) config_.end = config_.start + 1;

    // Weight of each hour of the window: working hours and weekdays are busy, nights and
    // weekends quiet, use grows over the month, and no two days are quite alike.
    Dice dice{rng_};
    const int64_t first_hour = config_.start / 3600, last_hour = (config_.end - 1) / 3600;
    const int64_t hours = last_hour - first_hour + 1;
    std::vector<uint64_t> weight(hours);
    unsigned __int128 total = 0;
    for (int64_t h = 0; h < hours; ++h) {
        const int64_t at = (first_hour + h) * 3600;
        const int64_t dow = ((at / 86400) + 4) % 7;  // 1970-01-01 was a Thursday; 0 = Sunday
        const int64_t hod = at / 3600 % 24;
        const uint64_t day = (dow == 0 || dow == 6) ? 3 : 10;
        const uint64_t hour = hod < 7 ? 1 : hod < 8 ? 4 : hod < 18 ? 10 : hod < 21 ? 5 : 2;
        const uint64_t growth = 100 + static_cast<uint64_t>(30 * h / hours);
        const int64_t covered = std::min(at + 3600, config_.end) - std::max(at, config_.start);
        weight[h] = day * hour * growth * (90 + dice.below(21)) * static_cast<uint64_t>(covered) / 3600;
        total += weight[h];
    }
    // Requests per hour by cumulative rounding: the counts add up to exactly `requests`.
    hour_counts_.assign(hours, 0);
    if (total == 0) {
        hour_counts_[0] = config_.requests;
    } else {
        unsigned __int128 cum = 0;
        uint64_t given = 0;
        for (int64_t h = 0; h < hours; ++h) {
            cum += weight[h];
            const uint64_t upto = static_cast<uint64_t>(cum * config_.requests / total);
            hour_counts_[h] = upto - given;
            given = upto;
        }
    }
}

int64_t UsageGenerator::next_time() {
    Dice dice{rng_};
    while (pending_.empty()) {
        if (hour_ >= hour_counts_.size()) return config_.end - 1;  // not reached: counts add up
        const int64_t at = (config_.start / 3600 + static_cast<int64_t>(hour_)) * 3600;
        const int64_t lo = std::max(at, config_.start), hi = std::min(at + 3600, config_.end);
        for (uint64_t i = 0; i < hour_counts_[hour_]; ++i)
            pending_.push_back(lo + static_cast<int64_t>(dice.below(static_cast<uint64_t>(hi - lo))));
        std::sort(pending_.begin(), pending_.end(), std::greater<int64_t>());
        ++hour_;
    }
    const int64_t t = pending_.back();
    pending_.pop_back();
    return t;
}

bool UsageGenerator::next(std::string& line) {
    line.clear();
    const uint64_t good = config_.requests, bad = config_.bad_lines;
    // Bad line k goes after good line (k+1) * good / (bad+1): spread through the file.
    if (emitted_bad_ < bad && emitted_good_ >= (emitted_bad_ + 1) * good / (bad + 1)) {
        bad_line(emitted_bad_++, line);
        return true;
    }
    if (emitted_good_ >= good) return false;
    good_line(next_time(), emitted_good_++, line);
    return true;
}

void UsageGenerator::good_line(int64_t at, uint64_t index, std::string& line) {
    // The request's own dice, seeded by its index: what request i is does not depend on the
    // window (only when it happens does), so a month generated on another day has the same
    // requests and costs.
    uint64_t state = mix(config_.seed ^ mix(index + 0x5EED));
    Dice dice{state};
    const std::string when = iso_utc(at);
    std::string id = config_.id_prefix;
    hex(id, index, 8);
    hex(id, mix(config_.seed ^ mix(index)), 12);
    const char* reply = kReplies[dice.below(sizeof kReplies / sizeof kReplies[0])];

    auto pick_user = [&](Dept d) -> const DemoUser* {
        const std::vector<size_t>& pool = by_department_[d];
        if (!pool.empty()) return &config_.users[pool[dice.below(pool.size())]];
        if (!config_.users.empty()) return &config_.users[dice.below(config_.users.size())];
        return nullptr;
    };

    // --- the four response shapes, each in a gateway envelope -------------------------
    auto openai_chat = [&](const char* model, uint64_t prompt, uint64_t cached, uint64_t completion,
                           uint64_t reasoning, const Attrs& attrs) {
        line += "{\"provider\":\"openai\",\"occurred_at\":\"" + when + "\",\"attrs\":{" + attrs.body + "},";
        line += "\"response\":{\"id\":\"chatcmpl-" + id + "\",\"object\":\"chat.completion\",";
        num(line, "created", static_cast<uint64_t>(at));
        line += ",\"model\":\"";
        line += model;
        line += "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":";
        json_string(line, reply);
        line += ",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{";
        num(line, "prompt_tokens", prompt);
        line += ',';
        num(line, "completion_tokens", completion);
        line += ',';
        num(line, "total_tokens", prompt + completion);
        line += ",\"prompt_tokens_details\":{";
        num(line, "cached_tokens", cached);
        line += ",\"audio_tokens\":0},\"completion_tokens_details\":{";
        num(line, "reasoning_tokens", reasoning);
        line += ",\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}},"
                "\"service_tier\":\"default\",\"system_fingerprint\":\"fp_";
        hex(line, mix(index), 10);
        line += "\"}}";
    };
    auto anthropic = [&](const char* model, uint64_t input, uint64_t cache_read, uint64_t write_5m,
                         uint64_t write_1h, uint64_t output, const Attrs& attrs) {
        line += "{\"provider\":\"anthropic\",\"occurred_at\":\"" + when + "\",\"attrs\":{" + attrs.body + "},";
        line += "\"response\":{\"id\":\"msg_" + id + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"";
        line += model;
        line += "\",\"content\":[{\"type\":\"text\",\"text\":";
        json_string(line, reply);
        line += "}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{";
        num(line, "input_tokens", input);
        line += ',';
        num(line, "cache_creation_input_tokens", write_5m + write_1h);
        line += ',';
        num(line, "cache_read_input_tokens", cache_read);
        line += ",\"cache_creation\":{";
        num(line, "ephemeral_5m_input_tokens", write_5m);
        line += ',';
        num(line, "ephemeral_1h_input_tokens", write_1h);
        line += "},";
        num(line, "output_tokens", output);
        line += ",\"service_tier\":\"standard\"}}}";
    };
    auto gemini = [&](const char* model, uint64_t prompt, uint64_t cached, uint64_t candidates, uint64_t thoughts,
                      const Attrs& attrs) {
        line += "{\"provider\":\"google\",\"occurred_at\":\"" + when + "\",\"attrs\":{" + attrs.body + "},";
        line += "\"response\":{\"candidates\":[{\"content\":{\"parts\":[{\"text\":";
        json_string(line, reply);
        line += "}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{";
        num(line, "promptTokenCount", prompt);
        line += ',';
        num(line, "candidatesTokenCount", candidates);
        line += ',';
        num(line, "totalTokenCount", prompt + candidates + thoughts);
        if (cached > 0) {
            line += ',';
            num(line, "cachedContentTokenCount", cached);
        }
        line += ",\"promptTokensDetails\":[{\"modality\":\"TEXT\",";
        num(line, "tokenCount", prompt);
        line += "}]";
        if (cached > 0) {
            line += ",\"cacheTokensDetails\":[{\"modality\":\"TEXT\",";
            num(line, "tokenCount", cached);
            line += "}]";
        }
        line += ",\"candidatesTokensDetails\":[{\"modality\":\"TEXT\",";
        num(line, "tokenCount", candidates);
        line += "}]";
        if (thoughts > 0) {
            line += ',';
            num(line, "thoughtsTokenCount", thoughts);
        }
        line += "},\"modelVersion\":\"";
        line += model;
        line += "\",\"responseId\":\"" + id + "\"}}";
    };
    // Converse responses carry neither model nor id: the gateway's envelope does.
    auto bedrock = [&](const char* model, uint64_t input, uint64_t output, uint64_t cache_read,
                       uint64_t cache_write, const Attrs& attrs) {
        line += "{\"provider\":\"bedrock\",\"model\":\"";
        line += model;
        line += "\",\"occurred_at\":\"" + when + "\",\"request_id\":\"";
        const uint64_t a = mix(index ^ config_.seed), b = mix(a);
        hex(line, a >> 32, 8);
        line += '-';
        hex(line, a >> 16, 4);
        line += '-';
        hex(line, a, 4);
        line += '-';
        hex(line, b >> 48, 4);
        line += '-';
        hex(line, index, 12);  // the index keeps ids unique
        line += "\",\"attrs\":{" + attrs.body + "},\"response\":{\"output\":{\"message\":{\"role\":\"assistant\","
                "\"content\":[{\"text\":";
        json_string(line, reply);
        line += "}]}},\"stopReason\":\"end_turn\",\"usage\":{";
        num(line, "inputTokens", input);
        line += ',';
        num(line, "outputTokens", output);
        line += ',';
        num(line, "totalTokens", input + output + cache_read + cache_write);
        if (cache_read + cache_write > 0) {
            line += ',';
            num(line, "cacheReadInputTokens", cache_read);
            line += ',';
            num(line, "cacheWriteInputTokens", cache_write);
        }
        line += "},\"metrics\":{";
        num(line, "latencyMs", 300 + dice.below(4000));
        line += "}}}";
    };
    auto cached_part = [&](uint64_t prompt) -> uint64_t {  // OpenAI caches 1024+ token prompts in 128s
        if (prompt < 1024 || !dice.chance(65)) return 0;
        return prompt * (40 + dice.below(55)) / 100 / 128 * 128;
    };
    auto next_id = [&](uint64_t& counter, uint64_t one_in) {
        if (dice.below(one_in) == 0) ++counter;
        return counter;
    };

    // --- who sends this request ----------------------------------------------------------
    const uint64_t w = dice.below(1000);
    if (w < 270) {
        // The support bot (ownership rule -> Customer Success): a ticket takes a few turns.
        Attrs a;
        a.add("app", "support-bot").add("api_key", "key_support_bot").add("activity_type", "ticket_resolved");
        a.add("activity_id", "TCK-" + std::to_string(100000 + next_id(ticket_, 5)));
        const uint64_t prompt = dice.size(1200, 4800);
        openai_chat(dice.chance(75) ? "gpt-4o-mini-2024-07-18" : "gpt-4.1-mini-2025-04-14", prompt,
                    cached_part(prompt), dice.size(80, 520), 0, a);
    } else if (w < 490) {
        // The coding assistant (ownership rule -> Engineering): long cached contexts.
        const DemoUser* u = pick_user(kEngineering);
        Attrs a;
        a.add("app", "coding-assistant");
        if (u) a.add("user", u->principal);
        a.add("activity_type", "pull_request").add("activity_id", "PR-" + std::to_string(4000 + next_id(pull_request_, 12)));
        const bool sonnet = dice.chance(85);
        anthropic(sonnet ? "claude-sonnet-4-5-20250929" : "claude-haiku-4-5-20251001", dice.size(50, 2500),
                  dice.size(8000, 90000), dice.below(4) == 0 ? 0 : dice.size(500, 12000),
                  dice.below(10) == 0 ? dice.size(2000, 20000) : 0, dice.size(150, 3500), a);
    } else if (w < 810) {
        // People at work: owned through their membership, each department its own tools.
        const DemoUser* u = config_.users.empty() ? nullptr : &config_.users[dice.below(config_.users.size())];
        Attrs a;
        if (u) a.add("user", u->principal);
        switch (u ? dept_of(u->department) : kOther) {
        case kSales: {
            a.add("project", "pipeline");
            if (dice.chance(60))
                a.add("activity_type", "opportunity").add("activity_id", "OPP-" + std::to_string(7000 + next_id(opportunity_, 8)));
            const uint64_t prompt = dice.size(600, 3000), completion = dice.size(400, 2500);
            openai_chat("gpt-5-mini-2025-08-07", prompt, cached_part(prompt), completion,
                        completion * (40 + dice.below(40)) / 100, a);
            break;
        }
        case kMarketing: {
            a.add("project", "campaigns").add("activity_type", "campaign");
            a.add("activity_id", "CMP-" + std::to_string(300 + next_id(campaign_, 40)));
            const uint64_t prompt = dice.size(2000, 20000);
            gemini(dice.chance(65) ? "gemini-2.5-flash" : "gemini-2.5-pro", prompt,
                   dice.chance(30) ? prompt / 2 : 0, dice.size(300, 3000), dice.below(4000), a);
            break;
        }
        case kEngineering: {
            a.add("project", "design-docs");
            const uint64_t prompt = dice.size(1000, 8000), completion = dice.size(300, 3000);
            openai_chat("o4-mini-2025-04-16", prompt, cached_part(prompt), completion, completion * 6 / 10, a);
            break;
        }
        case kCustomerSuccess: {
            a.add("project", "escalations").add("activity_type", "ticket_resolved");
            a.add("activity_id", "TCK-" + std::to_string(100000 + next_id(ticket_, 5)));
            const uint64_t prompt = dice.size(800, 5000);
            openai_chat("gpt-4o-2024-08-06", prompt, cached_part(prompt), dice.size(100, 900), 0, a);
            break;
        }
        case kFinance:
            a.add("project", "close-automation");
            bedrock("anthropic.claude-sonnet-4-5-20250929-v1:0", dice.size(1500, 12000), dice.size(200, 1800), 0, 0, a);
            break;
        case kExecutives:
            a.add("project", "board-briefings");
            anthropic("claude-opus-4-1-20250805", dice.size(2000, 15000), 0, 0, 0, dice.size(300, 2000), a);
            break;
        case kPlatform:
            a.add("project", "ops");
            gemini("gemini-2.5-flash-lite", dice.size(500, 6000), 0, dice.size(100, 800), 0, a);
            break;
        default: {
            const uint64_t prompt = dice.size(500, 3000);
            openai_chat("gpt-4o-mini-2024-07-18", prompt, cached_part(prompt), dice.size(100, 600), 0, a);
        }
        }
    } else if (w < 900) {
        // Internal tooling (ownership rule -> Platform): batch-ish jobs on Bedrock.
        static const char* kServices[] = {"doc-indexer", "log-summarizer", "release-notes"};
        Attrs a;
        a.add("app", "internal-tools").add("service", kServices[dice.below(3)]);
        if (dice.chance(60))
            bedrock("amazon.nova-lite-v1:0", dice.size(1000, 9000), dice.size(100, 900), 0, 0, a);
        else
            bedrock("anthropic.claude-haiku-4-5-20251001-v1:0", dice.size(300, 3000), dice.size(100, 1200),
                    dice.size(2000, 20000), dice.chance(20) ? dice.size(1000, 5000) : 0, a);
    } else if (w < 985) {
        // The shared gateway key (ownership rule -> the shared pool, allocated by usage).
        const DemoUser* u = config_.users.empty() ? nullptr : &config_.users[dice.below(config_.users.size())];
        Attrs a;
        a.add("app", "shared-gateway").add("api_key", "key_shared_gateway");
        if (u) a.add("user", u->principal);
        const uint64_t prompt = dice.size(800, 9000);
        gemini("gemini-2.5-flash", prompt, dice.chance(40) ? prompt * 3 / 4 : 0, dice.size(100, 1500),
               dice.below(1500), a);
    } else {
        // Contractors who are nobody's members: unattributed.
        Attrs a;
        a.add("user", "contractor." + std::to_string(1 + dice.below(12)) + "@partner.test");
        const uint64_t prompt = dice.size(500, 4000);
        openai_chat("gpt-4.1-2025-04-14", prompt, cached_part(prompt), dice.size(100, 900), 0, a);
    }
}

void UsageGenerator::bad_line(uint64_t index, std::string& line) {
    // What a real gateway log holds now and then; each lands in chargeback.usage_rejected
    // with its reason while the rest of the file loads.
    static const char* kBad[] = {
        // cut off mid-write: not JSON
        "{\"provider\":\"anthropic\",\"attrs\":{\"app\":\"coding-assistant\"},\"response\":{\"id\":\"msg_trunc",
        // a negative count
        "{\"provider\":\"openai\",\"response\":{\"id\":\"chatcmpl-bad-neg\",\"object\":\"chat.completion\","
        "\"model\":\"gpt-4o-mini\",\"usage\":{\"prompt_tokens\":-3,\"completion_tokens\":5}}}",
        // more cached tokens than prompt tokens
        "{\"provider\":\"openai\",\"response\":{\"id\":\"chatcmpl-bad-cache\",\"object\":\"chat.completion\","
        "\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":1200,\"completion_tokens\":40,"
        "\"prompt_tokens_details\":{\"cached_tokens\":5000}}}}",
        // no usage at all: not a shape any parser knows
        "{\"provider\":\"google\",\"response\":{\"text\":\"hello\"}}",
        // a Converse response without the envelope's model
        "{\"provider\":\"bedrock\",\"request_id\":\"bad-no-model\",\"response\":{\"usage\":{\"inputTokens\":10,"
        "\"outputTokens\":2,\"totalTokens\":12}}}",
        // a count written as text
        "{\"provider\":\"google\",\"response\":{\"usageMetadata\":{\"promptTokenCount\":\"many\","
        "\"candidatesTokenCount\":1},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"bad-text\"}}",
        // an array, not one payload
        "[1, 2, 3]",
    };
    line = kBad[index % (sizeof kBad / sizeof kBad[0])];
}

}  // namespace cb::cli
