#include "cli/input.hpp"

#include "cli/errors.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/stat.h>

namespace cb::cli {

namespace {

class FileSource : public ByteSource {
public:
    FileSource(FILE* f, std::string name, bool owned) : f_(f), name_(std::move(name)), owned_(owned) {}
    ~FileSource() override {
        if (owned_) std::fclose(f_);
    }
    size_t read(char* buf, size_t cap) override {
        size_t n = std::fread(buf, 1, cap, f_);
        if (n == 0 && std::ferror(f_)) throw CliError(Exit::input, errno_message("cannot read " + name_, errno));
        return n;
    }
    const std::string& name() const override { return name_; }

private:
    FILE* f_;
    std::string name_;
    bool owned_;
};

}  // namespace

std::unique_ptr<ByteSource> open_file(const std::string& path) {
    if (path == "-") return std::make_unique<FileSource>(stdin, "standard input", false);
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw CliError(Exit::input, errno_message("cannot open " + path, errno));
    // fopen() opens a directory on Linux; reading it would fail later with a vaguer EISDIR.
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        std::fclose(f);
        throw CliError(Exit::input, errno_message("cannot load " + path, EISDIR));
    }
    return std::make_unique<FileSource>(f, path, true);
}

size_t GeneratorSource::read(char* buf, size_t cap) {
    while (pending_.size() - pos_ < cap) {
        if (pos_ > 0) {  // keep the buffer small: drop what was handed out
            pending_.erase(0, pos_);
            pos_ = 0;
        }
        if (!gen_.next(line_)) break;
        pending_ += line_;
        pending_ += '\n';
    }
    const size_t n = std::min(cap, pending_.size() - pos_);
    std::memcpy(buf, pending_.data() + pos_, n);
    pos_ += n;
    return n;
}

}  // namespace cb::cli
