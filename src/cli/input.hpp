// Where the bytes of a load come from: a file, standard input, or the demo's generator.
// Files are opened (and checked) before anything is sent, so a typo in the third file name
// does not leave the first two half loaded.
#pragma once

#include "cli/generator.hpp"

#include <cstdio>
#include <memory>
#include <string>

namespace cb::cli {

class ByteSource {
public:
    virtual ~ByteSource() = default;
    // Fills up to cap bytes; 0 at the end. Throws CliError(Exit::input) on a read error.
    virtual size_t read(char* buf, size_t cap) = 0;
    virtual const std::string& name() const = 0;
};

// "-" is standard input. Throws CliError(Exit::input) naming the file and the reason.
std::unique_ptr<ByteSource> open_file(const std::string& path);

class GeneratorSource : public ByteSource {
public:
    GeneratorSource(GeneratorConfig config, std::string name) : gen_(std::move(config)), name_(std::move(name)) {}
    size_t read(char* buf, size_t cap) override;
    const std::string& name() const override { return name_; }

private:
    UsageGenerator gen_;
    std::string name_;
    std::string pending_, line_;
    size_t pos_ = 0;
};

}  // namespace cb::cli
