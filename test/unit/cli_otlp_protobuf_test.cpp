// The OTLP protobuf decoder of `chargeback serve` (src/cli/otlp_protobuf.cpp): a real export's
// shape, and hostile bytes (truncation, huge lengths, deep nesting, wrong wire types), each a
// ProtobufError, never a crash.
#include "cli/otlp_protobuf.hpp"

#include <gtest/gtest.h>

#include "../protobuf_writer.hpp"

#include <random>
#include <string>

using cb::cli::decode_export_trace_request;
using cb::cli::DecodeLimits;
using cb::cli::ProtobufError;
using nlohmann::json;

namespace {

using cb_test::pb::fixed64_field;
using cb_test::pb::kv_int;
using cb_test::pb::kv_str;
using cb_test::pb::len_field;
using cb_test::pb::var_field;
using cb_test::pb::varint;

std::string export_request() {
    std::string span = len_field(1, std::string("\x5b\x8e\xff\xf7\x98\x03\x81\x03\xd2\x69\xb6\x33\x81\x3f\xc6\x0c", 16)) +
                       len_field(2, std::string("\x00\xf0\x67\xaa\x0b\xa9\x02\xb7", 8)) + len_field(5, "chat gpt-4o") +
                       var_field(6, 3) + fixed64_field(7, 1764000000123456789ULL) +
                       len_field(9, kv_str("gen_ai.system", "openai")) + len_field(9, kv_int("gen_ai.usage.input_tokens", 1200)) +
                       len_field(9, kv_int("negative", -5)) + len_field(15, len_field(2, "ok") + var_field(3, 1)) +
                       len_field(11, "event bytes are skipped");
    std::string scope = len_field(1, len_field(1, "openai-instr") + len_field(2, "1.0"));
    std::string resource = len_field(1, kv_str("service.name", "support-bot"));
    return len_field(1, len_field(1, resource) + len_field(2, scope + len_field(2, span)));
}

}  // namespace

TEST(CliOtlpProtobuf, DecodesToOtlpJson) {
    const json doc = decode_export_trace_request(export_request());
    const json& rs = doc["resourceSpans"][0];
    EXPECT_EQ(rs["resource"]["attributes"][0]["key"], "service.name");
    EXPECT_EQ(rs["resource"]["attributes"][0]["value"]["stringValue"], "support-bot");
    EXPECT_EQ(rs["scopeSpans"][0]["scope"]["name"], "openai-instr");
    const json& span = rs["scopeSpans"][0]["spans"][0];
    EXPECT_EQ(span["traceId"], "5b8efff798038103d269b633813fc60c");
    EXPECT_EQ(span["spanId"], "00f067aa0ba902b7");
    EXPECT_FALSE(span.contains("parentSpanId"));
    EXPECT_EQ(span["startTimeUnixNano"], "1764000000123456789");
    EXPECT_EQ(span["kind"], 3);
    EXPECT_EQ(span["attributes"][1]["value"]["intValue"], "1200");  // OTLP/JSON's int64 string
    EXPECT_EQ(span["attributes"][2]["value"]["intValue"], "-5");
    EXPECT_EQ(span["status"]["message"], "ok");
    EXPECT_FALSE(span.contains("events"));
}

TEST(CliOtlpProtobuf, EmptyBodyIsAnEmptyExport) {
    EXPECT_EQ(decode_export_trace_request("").dump(), R"({"resourceSpans":[]})");
}

// The request is one length-delimited ResourceSpans field, so every strict prefix ends inside
// it: each must be a ProtobufError (never another exception, never a partial export).
TEST(CliOtlpProtobuf, EveryTruncationIsAnError) {
    const std::string full = export_request();
    size_t errors = 0;
    for (size_t n = 1; n < full.size(); ++n) {
        try {
            decode_export_trace_request(full.substr(0, n));
            ADD_FAILURE() << "a cut at " << n << " of " << full.size() << " bytes decoded";
        } catch (const ProtobufError&) {
            ++errors;
        }
    }
    EXPECT_EQ(errors, full.size() - 1);
}

TEST(CliOtlpProtobuf, HugeLengthIsAnError) {
    std::string b = varint((1 << 3) | 2) + varint(UINT64_MAX >> 1) + "x";
    EXPECT_THROW(decode_export_trace_request(b), ProtobufError);
    try {
        decode_export_trace_request(b);
    } catch (const ProtobufError& e) {
        EXPECT_NE(std::string(e.what()).find("runs past the end"), std::string::npos) << e.what();
    }
}

TEST(CliOtlpProtobuf, OverlongVarintIsAnError) {
    EXPECT_THROW(decode_export_trace_request(std::string(11, '\xff')), ProtobufError);
    EXPECT_THROW(decode_export_trace_request(std::string("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 11)), ProtobufError);
}

TEST(CliOtlpProtobuf, GroupsAndWrongWireTypesAreErrors) {
    EXPECT_THROW(decode_export_trace_request(std::string("\x0b", 1)), ProtobufError);  // field 1, start group
    EXPECT_THROW(decode_export_trace_request(var_field(1, 5)), ProtobufError);         // resource_spans as a varint
    EXPECT_THROW(decode_export_trace_request(std::string("\x00", 1)), ProtobufError);  // field number 0
}

TEST(CliOtlpProtobuf, DeepAnyValueStopsAtTheLimit) {
    // array_value inside array_value, 10000 levels: built from the inside out.
    std::string v = var_field(3, 1);
    for (int i = 0; i < 10000; ++i) v = len_field(5, len_field(1, v));
    std::string span = len_field(9, len_field(1, "deep") + len_field(2, v));
    std::string req = len_field(1, len_field(2, len_field(2, span)));
    try {
        decode_export_trace_request(req);
        FAIL() << "expected a depth error";
    } catch (const ProtobufError& e) {
        EXPECT_NE(std::string(e.what()).find("nested deeper than 16"), std::string::npos) << e.what();
    }
    // Within the limit it decodes.
    std::string ok = var_field(3, 7);
    for (int i = 0; i < 10; ++i) ok = len_field(5, len_field(1, ok));
    EXPECT_NO_THROW(decode_export_trace_request(len_field(1, len_field(2, len_field(2, len_field(9, len_field(1, "k") + len_field(2, ok)))))));
}

TEST(CliOtlpProtobuf, SpanCountIsBounded) {
    std::string spans;
    for (int i = 0; i < 11; ++i) spans += len_field(2, len_field(5, "s"));
    DecodeLimits l;
    l.max_spans = 10;
    EXPECT_THROW(decode_export_trace_request(len_field(1, len_field(2, spans)), l), ProtobufError);
}

TEST(CliOtlpProtobuf, InvalidUtf8IsAnError) {
    std::string span = len_field(5, "\xff\xfe");
    EXPECT_THROW(decode_export_trace_request(len_field(1, len_field(2, len_field(2, span)))), ProtobufError);
}

TEST(CliOtlpProtobuf, RandomBytesNeverCrash) {
    std::mt19937 rng(2026);
    const std::string base = export_request();
    for (int round = 0; round < 5000; ++round) {
        std::string b = base;
        const int flips = 1 + static_cast<int>(rng() % 8);
        for (int i = 0; i < flips; ++i) b[rng() % b.size()] = static_cast<char>(rng() & 0xFF);
        try {
            json doc = decode_export_trace_request(b);
            (void)doc.dump();  // whatever decodes is valid JSON text
        } catch (const ProtobufError&) {
        }
    }
}
