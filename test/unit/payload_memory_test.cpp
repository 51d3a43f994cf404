// Peak memory of parsing and pricing one payload, against its size (issue 19: one 10 MB
// line peaked a backend at 760 MB). The payload cap (chargeback.max_payload_bytes, 1 MB by
// default) bounds the input; this measures what the core makes of 1 MB of each shape with a
// counting operator new, so the multiple is known and held. A big string costs about 4x (the
// document, then the attrs text, whose buffer grows by doubling); many tiny values cost
// 11-40x, which is nlohmann::json's own size (16 bytes a value plus a heap node per string,
// array or object). The records take over the document's attrs instead of copying them
// (that copy doubled the tiny-value shapes: 20-66x before). The bulk path buffers rows with
// their attrs as text, so only one payload at a time is ever held parsed.
// Print the table with
//   build/unit/unit_tests --gtest_filter='PayloadMemory.*'
#include "core/attribution.hpp"
#include "core/json_reader.hpp"
#include "core/price_catalog.hpp"
#include "core/timestamp.hpp"
#include "core/usage_pipeline.hpp"
#include "core/usage_record.hpp"

#include <gtest/gtest.h>
#include <malloc.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

// Counting allocator for the whole test binary: cheap (two relaxed atomics) and only read by
// this file. Sizes come from malloc_usable_size, so frees are counted exactly.
namespace {
std::atomic<long long> g_live{0};
std::atomic<long long> g_peak{0};

void* counted_alloc(std::size_t n) {
    void* p = std::malloc(n ? n : 1);
    if (!p) throw std::bad_alloc();
    long long now = g_live.fetch_add(static_cast<long long>(malloc_usable_size(p)), std::memory_order_relaxed) +
                    static_cast<long long>(malloc_usable_size(p));
    long long peak = g_peak.load(std::memory_order_relaxed);
    while (now > peak && !g_peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
    }
    return p;
}

void counted_free(void* p) noexcept {
    if (!p) return;
    g_live.fetch_sub(static_cast<long long>(malloc_usable_size(p)), std::memory_order_relaxed);
    std::free(p);
}
}  // namespace

// Every replaceable form but the aligned ones (which keep their own pair): a form left out
// would allocate with the runtime's operator new and be freed here (ASan: alloc-dealloc
// mismatch).
void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    try {
        return counted_alloc(n);
    } catch (...) {
        return nullptr;
    }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    try {
        return counted_alloc(n);
    } catch (...) {
        return nullptr;
    }
}
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }

using namespace cb::core;
using json = nlohmann::json;

namespace {

const Timestamp kNow = *parse_iso_timestamp("2026-12-02T12:00:00Z");
constexpr size_t kMB = 1024 * 1024;

// Peak bytes allocated above the level at the start while parsing and pricing `payload`
// (the payload text itself is not counted: PostgreSQL holds it).
long long peak_of(const std::string& payload, size_t* records = nullptr) {
    static PriceCatalog catalog;
    static Attribution owners = [] {
        Attribution a;
        a.add_unit({1, "unattributed", 0});
        a.finish();
        return a;
    }();
    auto no_search = [](const std::string&, const std::string&) { return false; };
    long long base = g_live.load();
    g_peak.store(base);
    {
        std::vector<UsageRecord> recs = parse_usage_text(payload, UsageFormat::auto_detect);
        std::vector<PricedUsage> out;
        out.reserve(recs.size());
        for (UsageRecord& r : recs)
            out.push_back(price_and_attribute(std::move(r), kNow, catalog, owners, no_search, IngestLimits{kNow, 86400}));
        // What the glue makes of each row for usage.attrs.
        for (const PricedUsage& p : out) (void)p.rec.attrs.dump();
        if (records) *records = out.size();
    }
    return g_peak.load() - base;
}

// A canonical row of about `size` bytes whose attrs member "x" is filler (a JSON value text).
std::string canonical_with(const std::string& filler) {
    return R"({"provider":"openai","model":"gpt-4o","occurred_at":"2026-12-01T00:00:00Z","tokens":{"input":1},"attrs":{"x":)" +
           filler + "}}";
}

std::string repeated(const std::string& first, const std::string& each, const std::string& last, size_t size) {
    std::string s = first;
    while (s.size() + each.size() + last.size() < size) s += each;
    if (s.back() == ',') s.pop_back();
    return s + last;
}

struct Shape {
    const char* name;
    std::string payload;
    double bound;  // the multiple this shape must stay under
};

}  // namespace

TEST(PayloadMemory, PeakIsASmallMultipleOfTheInput) {
    // One bucket of the usage API export, repeated: many records from one payload.
    std::string bucket =
        R"({"object":"bucket","start_time":1764547200,"end_time":1764633600,"results":[{"object":"organization.usage.completions.result","input_tokens":1,"output_tokens":1,"num_model_requests":1,"project_id":"p","model":"gpt-4o","batch":false}]},)";
    Shape shapes[] = {
        {"one 1 MB string", canonical_with("\"" + std::string(kMB, 'a') + "\""), 5},
        {"short strings", canonical_with(repeated("[", "\"a\",", "]", kMB)), 50},
        {"small integers", canonical_with(repeated("[", "1,", "]", kMB)), 50},
        {"decimals", canonical_with(repeated("[", "1.5,", "]", kMB)), 50},
        {"empty objects", canonical_with(repeated("[", "{},", "]", kMB)), 50},
        {"one key repeated", canonical_with(repeated("{", "\"k\":1,", "}", kMB)), 50},
        {"distinct keys", [] {
             std::string s = "{";
             for (int i = 0; s.size() < kMB; ++i) s += "\"k" + std::to_string(i) + "\":1,";
             s.back() = '}';
             return canonical_with(s);
         }(), 50},
        {"usage buckets", repeated(R"({"object":"page","data":[)", bucket, "]}", kMB), 40},
    };
    std::printf("%-18s %10s %8s %12s %8s\n", "shape (1 MB)", "bytes", "records", "peak", "x input");
    for (const Shape& s : shapes) {
        size_t records = 0;
        long long peak = peak_of(s.payload, &records);
        double multiple = static_cast<double>(peak) / static_cast<double>(s.payload.size());
        std::printf("%-18s %10zu %8zu %12lld %8.1f\n", s.name, s.payload.size(), records, peak, multiple);
        EXPECT_LT(multiple, s.bound) << s.name;
    }
}
