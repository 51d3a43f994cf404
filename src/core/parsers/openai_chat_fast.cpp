// openai_chat on the fast path: see openai_chat_fast.hpp for the field map.
#include "openai_chat_fast.hpp"

#include "token_classes.hpp"

namespace cb::core::parsers {

namespace fj = fast_json;
using fj::Kind;
using fj::Scalar;

namespace {

// a - (sum of the parts), as remainder_of: declines where it throws (parts above the whole,
// a sum beyond 64 bits).
int64_t remainder(int64_t whole, std::initializer_list<int64_t> parts) {
    int64_t sum = 0;
    for (int64_t p : parts)
        if (__builtin_add_overflow(sum, p, &sum)) fj::decline();
    if (sum > whole) fj::decline();
    return whole - sum;
}

}  // namespace

bool capture_chat_member(std::string_view key, fj::od::value& v, int open, const char* end,
                         ChatFields& f) {
    Scalar* slot = fj::is(key, "id")             ? &f.id
                   : fj::is(key, "object")       ? &f.object
                   : fj::is(key, "created")      ? &f.created
                   : fj::is(key, "model")        ? &f.model
                   : fj::is(key, "service_tier") ? &f.service_tier
                   : fj::is(key, "user")         ? &f.user
                   : fj::is(key, "provider")     ? &f.provider
                                                 : nullptr;
    if (!slot) return false;
    fj::read_into(slot, v, open, end);
    return true;
}

void reset_chat_usage(ChatFields& f) {
    f.usage = f.prompt_details = f.completion_details = Kind::absent;
    for (Scalar* s :
         {&f.prompt_tokens, &f.completion_tokens, &f.cached_tokens, &f.cache_write_tokens,
          &f.audio_input_tokens, &f.reasoning_tokens, &f.audio_output_tokens, &f.image_tokens})
        s->reset();
}

bool chat_usage_member(std::string_view k, fj::od::value& v, int open, const char* end,
                       ChatFields& f) {
    if (fj::is(k, "prompt_tokens")) {
        fj::read_into(&f.prompt_tokens, v, open, end);
    } else if (fj::is(k, "completion_tokens")) {
        fj::read_into(&f.completion_tokens, v, open, end);
    } else if (fj::is(k, "prompt_tokens_details")) {
        for (Scalar* s : {&f.cached_tokens, &f.cache_write_tokens, &f.audio_input_tokens})
            s->reset();
        f.prompt_details =
            fj::read_members(v, open, end, [&](std::string_view d, fj::od::value& dv) {
                Scalar* slot = fj::is(d, "cached_tokens")        ? &f.cached_tokens
                               : fj::is(d, "cache_write_tokens") ? &f.cache_write_tokens
                               : fj::is(d, "audio_tokens")       ? &f.audio_input_tokens
                                                                 : nullptr;
                if (slot) fj::read_into(slot, dv, open + 1, end);
                return slot != nullptr;
            });
    } else if (fj::is(k, "completion_tokens_details")) {
        for (Scalar* s : {&f.reasoning_tokens, &f.audio_output_tokens, &f.image_tokens}) s->reset();
        f.completion_details =
            fj::read_members(v, open, end, [&](std::string_view d, fj::od::value& dv) {
                Scalar* slot = fj::is(d, "reasoning_tokens") ? &f.reasoning_tokens
                               : fj::is(d, "audio_tokens")   ? &f.audio_output_tokens
                               : fj::is(d, "image_tokens")   ? &f.image_tokens
                                                             : nullptr;
                if (slot) fj::read_into(slot, dv, open + 1, end);
                return slot != nullptr;
            });
    } else {
        return false;
    }
    return true;
}

UsageRecord chat_record(const ChatFields& f, const char* provider) {
    // expect_object_kind
    if (f.object.non_null() &&
        !(f.object.kind == Kind::string &&
          (f.object.text == "chat.completion" || f.object.text == "chat.completion.chunk")))
        fj::decline();
    if (f.usage != Kind::object) fj::decline();
    if (!f.prompt_tokens.present() && !f.completion_tokens.present()) fj::decline();

    UsageRecord r;
    r.provider = provider;
    r.model = fj::text(f.model);
    r.request_id = fj::text(f.id);
    r.occurred_at = fj::time(f.created);
    r.service_tier = fj::text(f.service_tier);

    // chat_usage_tokens
    int64_t prompt = fj::count(f.prompt_tokens), completion = fj::count(f.completion_tokens);
    fj::expect_object_or_null(f.prompt_details);
    fj::expect_object_or_null(f.completion_details);
    int64_t cached = fj::count(f.cached_tokens), cache_write = fj::count(f.cache_write_tokens),
            audio_in = fj::count(f.audio_input_tokens);
    int64_t reasoning = fj::count(f.reasoning_tokens), audio_out = fj::count(f.audio_output_tokens),
            image_out = fj::count(f.image_tokens);
    int64_t input = remainder(prompt, {cached, cache_write, audio_in});
    int64_t output = remainder(completion, {reasoning, audio_out, image_out});
    r.tokens = chat_classes({input, cached, cache_write, audio_in, output, reasoning, audio_out, image_out});

    std::string_view user = fj::text(f.user);
    if (!user.empty()) r.attrs["user"] = std::string(user);
    return r;
}

}  // namespace cb::core::parsers
