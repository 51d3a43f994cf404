// COPY text-format encoding of JSON lines (src/cli/copy_encoder.hpp): what the server receives
// must decode to exactly the bytes of the file, whatever the chunking.
#include "cli/copy_encoder.hpp"

#include <gtest/gtest.h>

#include <string>

using cb::cli::CopyEncoder;

namespace {

std::string encode(const std::string& input, size_t chunk, CopyEncoder& enc) {
    std::string out;
    for (size_t i = 0; i < input.size(); i += chunk) enc.feed(input.data() + i, std::min(chunk, input.size() - i), out);
    enc.finish(out);
    return out;
}

std::string encode(const std::string& input, size_t chunk = 1 << 20) {
    CopyEncoder enc;
    return encode(input, chunk, enc);
}

}  // namespace

TEST(CliCopyEncoder, BackslashesTabsAndCarriageReturnsAreEscaped) {
    // JSON escapes (\n, \") stay JSON escapes on the server: COPY would otherwise decode them.
    EXPECT_EQ(encode(R"({"a":"x\ny\"z"})" "\n"), R"({"a":"x\\ny\\"z"})" "\n");
    EXPECT_EQ(encode("{\"a\":\t1}\n"), "{\"a\":\\t1}\n");
    EXPECT_EQ(encode("{\"a\":1\r}\n"), "{\"a\":1\\r}\n");
    EXPECT_EQ(encode("\\.\n"), "\\\\.\n");  // not COPY's end-of-data marker
}

TEST(CliCopyEncoder, LinesSplitAcrossChunksComeOutWhole) {
    const std::string input = "{\"id\":1}\n{\"id\":\"\\u00e9\"}\r\n\n   \n{\"id\":3}";
    const std::string expected = "{\"id\":1}\n{\"id\":\"\\\\u00e9\"}\n{\"id\":3}\n";
    for (size_t chunk : {1, 2, 3, 7, 64}) {
        CopyEncoder enc;
        EXPECT_EQ(encode(input, chunk, enc), expected) << "chunk " << chunk;
        EXPECT_EQ(enc.rows(), 3u);            // blank lines are not rows
        EXPECT_EQ(enc.line_number(), 5u);
        EXPECT_EQ(enc.skipped(), 0u);
    }
}

TEST(CliCopyEncoder, FormatColumnIsAppended) {
    CopyEncoder enc("\topenai_chat");
    EXPECT_EQ(encode("{}\n{}\n", 4, enc), "{}\topenai_chat\n{}\topenai_chat\n");
}

TEST(CliCopyEncoder, LinesTheServerCannotTakeAreSkippedAndNumbered) {
    CopyEncoder enc;
    std::string input = "{\"ok\":1}\n{\"bad\":\"\xff\"}\n{\"nul\":\"";
    input += '\0';
    input += "\"}\n{\"ok\":\"Zürich\"}\n";
    EXPECT_EQ(encode(input, 5, enc), "{\"ok\":1}\n{\"ok\":\"Zürich\"}\n");
    EXPECT_EQ(enc.rows(), 2u);
    EXPECT_EQ(enc.skipped(), 2u);
    EXPECT_EQ(enc.skipped_lines(), (std::vector<uint64_t>{2, 3}));
}

TEST(CliCopyEncoder, Utf8Validation) {
    using cb::cli::sendable_text;
    EXPECT_TRUE(sendable_text("plain"));
    EXPECT_TRUE(sendable_text("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));  // é € 😀
    EXPECT_FALSE(sendable_text("\xc0\xaf"));                           // overlong '/'
    EXPECT_FALSE(sendable_text("\xed\xa0\x80"));                       // a surrogate
    EXPECT_FALSE(sendable_text("\xf4\x90\x80\x80"));                   // above U+10FFFF
    EXPECT_FALSE(sendable_text("\xe2\x82"));                           // cut short
    EXPECT_FALSE(sendable_text(std::string("a\0b", 3)));
}
