// parse_bedrock_log: Bedrock model invocation log records (CloudWatch Logs / S3 JSON):
//   {"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp","accountId",
//    "identity":{"arn"},"region","requestId","operation","modelId",
//    "input":{"inputContentType","inputBodyJson"?,"inputTokenCount",
//             "cacheReadInputTokenCount"?,"cacheWriteInputTokenCount"?},
//    "output":{"outputContentType","outputBodyJson"?,"outputTokenCount"}}
// or a JSON array of such records.
//
//   input       <- input.inputTokenCount (Bedrock reports the cache outside it)
//   cache_read  <- input.cacheReadInputTokenCount
//   cache_write <- input.cacheWriteInputTokenCount
//   output      <- output.outputTokenCount
//   requests    =  1
// model <- modelId; when it is an ARN (foundation model, inference profile, provisioned model)
// only its last path segment is kept and the ARN goes to attrs.model_arn. request_id <- requestId,
// occurred_at <- timestamp; attrs: user (identity.arn, the IAM role or user), account_id, region.
#include "core/error.hpp"
#include "core/usage_json.hpp"
#include "core/usage_record.hpp"
#include "core/utf8.hpp"

#include <string>

namespace cb::core {

namespace {

namespace uj = usage_json;
using json = nlohmann::json;
constexpr std::string_view kFormat = "bedrock_log";

void parse_record(const json& rec, const std::string& what, std::vector<UsageRecord>& out) {
    const std::string label = what.empty() ? "the document" : what;
    if (!rec.is_object()) {
        if (what.empty()) uj::not_this_format(kFormat, std::string("expected a JSON object, not ") + rec.type_name());
        throw Error(sqlstate::invalid_text_representation, what + " must be a JSON object, not " + rec.type_name());
    }
    const std::string schema = uj::text(rec, "schemaType", what);
    if (!schema.empty() && schema != "ModelInvocationLog")
        uj::not_this_format(kFormat, label + " has schemaType \"" + utf8_clip(schema, 40) +
                                         "\", expected \"ModelInvocationLog\"");
    const json* in = uj::object_member(rec, "input", what);
    const json* output = uj::object_member(rec, "output", what);
    const std::string model_id = uj::text(rec, "modelId", what);
    if (schema.empty() && (model_id.empty() || (!in && !output)))
        uj::not_this_format(kFormat, label + " is not a model invocation log record (no schemaType "
                                             "\"ModelInvocationLog\", nor modelId with input/output)");
    const std::string sub = what.empty() ? "" : what + ".";

    UsageRecord r;
    r.provider = "bedrock";
    r.model = model_id;
    const size_t slash = model_id.rfind('/');
    if (slash != std::string::npos) {
        r.model = model_id.substr(slash + 1);
        if (model_id.compare(0, 4, "arn:") == 0) r.attrs["model_arn"] = model_id;
    }
    r.request_id = uj::text(rec, "requestId", what);
    r.occurred_at = uj::time(rec, "timestamp", what);
    if (in) {
        r.tokens.set(TokenClass::input, uj::count(*in, "inputTokenCount", sub + "input"));
        r.tokens.set(TokenClass::cache_read, uj::count(*in, "cacheReadInputTokenCount", sub + "input"));
        r.tokens.set(TokenClass::cache_write, uj::count(*in, "cacheWriteInputTokenCount", sub + "input"));
    }
    if (output) r.tokens.set(TokenClass::output, uj::count(*output, "outputTokenCount", sub + "output"));
    r.tokens.set(TokenClass::requests, 1);

    if (const json* identity = uj::object_member(rec, "identity", what)) {
        std::string arn = uj::text(*identity, "arn", sub + "identity");
        if (!arn.empty()) r.attrs["user"] = arn;
    }
    std::string account = uj::text(rec, "accountId", what);
    if (!account.empty()) r.attrs["account_id"] = account;
    std::string region = uj::text(rec, "region", what);
    if (!region.empty()) r.attrs["region"] = region;
    out.push_back(std::move(r));
}

}  // namespace

void parse_bedrock_log(const nlohmann::json& doc, std::vector<UsageRecord>& out) {
    if (doc.is_array()) {
        for (size_t i = 0; i < doc.size(); ++i) parse_record(doc[i], "[" + std::to_string(i) + "]", out);
        return;
    }
    parse_record(doc, "", out);
}

}  // namespace cb::core
